// Filters of the timeline page: day, governorate, event type, actor, certainty, source type and
// words. Each event's <article class="syriatl-entry"> carries what it matches as data-*
// attributes (written by syriatl.docs.pages.render_timeline); this script shows the events that
// match every chosen filter, says how many ("38 of 484 events"), updates the count beside each
// choice, and keeps the choice in the URL query (?day=2024-12-06&certainty=confirmed) so that a
// link reproduces it. Plain JavaScript, no network. Without scripts the form stays hidden and
// every event is listed. Words are searched in the entry's text and in the other spellings of
// its place and actors (data-words).
(function () {
  "use strict";

  var form = document.getElementById("syriatl-filters");
  if (!form) {
    return;
  }
  // query parameter -> data attribute of the entries (space-separated values)
  var KEYS = {
    day: "days",
    region: "region",
    type: "type",
    actor: "actors",
    certainty: "certainty",
    source: "sources",
  };
  var entries = Array.prototype.map.call(
    document.querySelectorAll("article.syriatl-entry"),
    function (el) {
      var values = {};
      Object.keys(KEYS).forEach(function (key) {
        values[key] = (el.getAttribute("data-" + KEYS[key]) || "").split(" ").filter(Boolean);
      });
      var also = el.getAttribute("data-words") || "";
      return { el: el, values: values, text: fold(el.textContent + " " + also) };
    }
  );
  var days = Array.prototype.slice.call(document.querySelectorAll("section.syriatl-day"));
  var status = document.getElementById("syriatl-filter-count");
  var words = form.elements.q;

  // Lower case, without accents or Arabic diacritics, spaces squeezed: "Ḥamā" finds "hama".
  function fold(text) {
    return (text || "")
      .normalize("NFD")
      .replace(/[\u0300-\u036f\u064b-\u065f\u0670]/g, "")
      .toLowerCase()
      .replace(/\s+/g, " ");
  }

  function chosen() {
    var choice = {};
    Object.keys(KEYS).forEach(function (key) {
      choice[key] = form.elements[key].value;
    });
    choice.q = words.value.trim();
    return choice;
  }

  function matches(entry, choice, except) {
    for (var key in KEYS) {
      if (key !== except && choice[key] && entry.values[key].indexOf(choice[key]) < 0) {
        return false;
      }
    }
    if (choice.q) {
      var terms = fold(choice.q).split(" ");
      for (var i = 0; i < terms.length; i++) {
        if (terms[i] && entry.text.indexOf(terms[i]) < 0) {
          return false;
        }
      }
    }
    return true;
  }

  function plural(n) {
    return n === 1 ? "1 event" : n + " events";
  }

  function apply() {
    var choice = chosen();
    var shown = 0;
    var perDay = {};
    entries.forEach(function (entry) {
      var show = matches(entry, choice, null);
      entry.el.hidden = !show;
      if (show) {
        shown += 1;
        var section = entry.el.closest("section.syriatl-day");
        var day = section ? section.getAttribute("data-day") : "";
        perDay[day] = (perDay[day] || 0) + 1;
      }
    });
    var filtering = Object.keys(choice).some(function (key) {
      return choice[key];
    });
    days.forEach(function (section) {
      var day = section.getAttribute("data-day");
      var n = perDay[day] || 0;
      var count = section.querySelector(".syriatl-day-count");
      var total = Number(count.getAttribute("data-total"));
      section.hidden = filtering && n === 0;
      count.textContent = filtering ? n + " of " + plural(total) + " shown" : plural(total);
      var link = document.querySelector('[data-day-count="' + day + '"]');
      if (link) {
        link.textContent = filtering ? n + " of " + total : String(total);
      }
    });
    status.textContent = shown + " of " + plural(entries.length);
    // How many events each choice would give, with the other filters as they are.
    Object.keys(KEYS).forEach(function (key) {
      var counts = {};
      var all = 0;
      entries.forEach(function (entry) {
        if (matches(entry, choice, key)) {
          all += 1;
          entry.values[key].forEach(function (value) {
            counts[value] = (counts[value] || 0) + 1;
          });
        }
      });
      Array.prototype.forEach.call(form.elements[key].options, function (option) {
        var label = option.value ? option.getAttribute("data-label") : "All";
        option.textContent = label + " (" + (option.value ? counts[option.value] || 0 : all) + ")";
      });
    });
    return choice;
  }

  function remember(choice) {
    var params = new URLSearchParams(window.location.search);
    Object.keys(choice).forEach(function (key) {
      if (choice[key]) {
        params.set(key, choice[key]);
      } else {
        params.delete(key);
      }
    });
    var query = params.toString();
    var address = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    window.history.replaceState(null, "", address);
  }

  function read() {
    var params = new URLSearchParams(window.location.search);
    var unknown = [];
    Object.keys(KEYS).forEach(function (key) {
      var value = params.get(key) || "";
      var select = form.elements[key];
      var known = Array.prototype.some.call(select.options, function (option) {
        return option.value === value;
      });
      select.value = known ? value : "";
      if (value && !known) {
        unknown.push(key + "=" + value);
      }
    });
    words.value = params.get("q") || "";
    return unknown;
  }

  function update() {
    remember(apply());
  }

  var timer = null;
  form.addEventListener("change", update);
  words.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 150);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    update();
  });
  form.addEventListener("reset", function () {
    window.setTimeout(update, 0); // after the browser has reset the controls
  });

  var unknown = read();
  form.hidden = false;
  apply();
  if (unknown.length) {
    status.textContent += " (ignored from the link, not a choice here: " + unknown.join(", ") + ")";
  }
})();
