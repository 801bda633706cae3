/* The Map page of syriatl: Syria day by day, drawn with Leaflet from the JSON document that
 * syriatl.docs.map writes into the page (id "syriatl-map-data"). No tile layer, no request to
 * another host. Control of territory is read from the daily_control table as shipped; nothing
 * here decides who held a place, it only draws it.
 *
 * Deep links: #day=YYYY-MM-DD&place=PLACE_ID (read on load and on hashchange; written when the
 * day or the chosen place changes).
 */
(function () {
  "use strict";

  var source = document.getElementById("syriatl-map-data");
  var app = document.getElementById("syriatl-map");
  if (!source || !app || !window.L || !window.topojson) return;

  var DATA = JSON.parse(source.textContent);
  var DAYS = DATA.days;
  var COL = {};
  DATA.columns.forEach(function (name, i) { COL[name] = i; });
  var PLACES = {};
  DATA.places.forEach(function (p) { PLACES[p.id] = p; });
  var LOCATED = DATA.places.filter(function (p) { return p.lat !== null && p.lon !== null; });
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  var PLAY_MS = 1400;

  var slider = document.getElementById("syriatl-map-day");
  var dateText = document.getElementById("syriatl-map-date");
  var playButton = document.getElementById("syriatl-map-play");
  var panel = document.getElementById("syriatl-map-panel");
  var changedBox = document.getElementById("syriatl-map-changed");
  var legendBox = document.getElementById("syriatl-map-legend");
  var introduction = panel.innerHTML; // what the panel says while no place is chosen

  var state = { day: 0, place: null, timer: null };

  // -- small helpers -------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (attrs[key] === null || attrs[key] === undefined || attrs[key] === false) return;
      if (key === "text") node.textContent = attrs[key];
      else if (key === "className") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function longDate(iso) {
    var parts = iso.split("-");
    return Number(parts[2]) + " " + MONTHS[Number(parts[1]) - 1] + " " + parts[0];
  }

  function shortDate(iso) {
    var parts = iso.split("-");
    return Number(parts[2]) + " " + MONTHS[Number(parts[1]) - 1].slice(0, 3);
  }

  function row(placeId, day) {
    var line = DATA.control[placeId];
    var cells = line && line[day];
    if (!cells) return null;
    var out = {};
    DATA.columns.forEach(function (name, i) { out[name] = cells[i]; });
    return out;
  }

  function side(id) {
    return DATA.sides[id || "unknown"] || DATA.sides.unknown;
  }

  function changedOn(r, day) {
    return !!(r && r.since === DAYS[day]);
  }

  function describe(r) {
    if (!r) return "not in the table";
    if (r.state === "unknown") {
      return "holder unknown (last reported: " + side(r.holder_id).name + ")";
    }
    var main = side(r.holder_id).name + " (" + side(r.holder_id).label + ")";
    if (r.state === "held") return "held by " + main;
    var other = r.other_holder_id
      ? side(r.other_holder_id).name + " (" + side(r.other_holder_id).label + ")" : "another side";
    if (r.state === "shared") return "shared by " + main + " and " + other;
    return "contested: " + main + " against " + other;
  }

  function timelineLink(eventId) {
    return el("a", { href: "../timeline/#" + eventId }, [eventId]);
  }

  function sourceLink(sourceId) {
    var s = DATA.sources[sourceId];
    if (!s) return document.createTextNode(sourceId);
    var words = (s.publisher || sourceId) + (s.published ? ", " + shortDate(s.published) : "");
    var label = s.title ? words + ": " + s.title : words;
    return s.url ? el("a", { href: s.url, rel: "noopener" }, [label]) : document.createTextNode(label);
  }

  // -- the hash ------------------------------------------------------------------------------

  function readHash() {
    var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    var day = DAYS.indexOf(params.get("day") || "");
    var place = params.get("place");
    return { day: day, place: place };
  }

  function writeHash() {
    var parts = ["day=" + DAYS[state.day]];
    if (state.place) parts.push("place=" + encodeURIComponent(state.place));
    var hash = "#" + parts.join("&");
    if (window.location.hash !== hash) history.replaceState(null, "", hash);
  }

  // -- the map -------------------------------------------------------------------------------

  app.hidden = false;
  var map = L.map("syriatl-map-canvas", {
    zoomSnap: 0.25,
    minZoom: 4.5,
    maxZoom: 11,
    attributionControl: true,
    preferCanvas: false,
  });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(
    "Boundaries: Natural Earth · Leaflet");
  // names of places over the markers (so the largest stay readable), governorates under them
  map.createPane("labels");
  map.getPane("labels").style.zIndex = 650;
  map.getPane("labels").style.pointerEvents = "none";
  map.createPane("regions");
  map.getPane("regions").style.zIndex = 450;
  map.getPane("regions").style.pointerEvents = "none";

  var countries = topojson.feature(DATA.boundaries.countries,
    DATA.boundaries.countries.objects.countries);
  var governorates = topojson.feature(DATA.boundaries.governorates,
    DATA.boundaries.governorates.objects.syr);
  L.geoJSON(countries, {
    interactive: false,
    style: function (f) {
      var syria = f.properties.name === "Syria";
      return {
        color: syria ? "#37474f" : "#9e9e9e",
        weight: syria ? 2 : 1,
        fillColor: syria ? "#ffffff" : "#eceae4",
        fillOpacity: 1,
      };
    },
  }).addTo(map);
  var govLayer = L.geoJSON(governorates, {
    interactive: false,
    style: { color: "#78909c", weight: 1, dashArray: "4 3", fill: false },
  }).addTo(map);

  var syria = countries.features.filter(function (f) { return f.properties.name === "Syria"; });
  var syriaBounds = L.geoJSON(syria).getBounds();
  map.fitBounds(syriaBounds, { padding: [8, 8] });
  map.setMaxBounds(syriaBounds.pad(0.6));

  // labels of places and governorates, placed and hidden by collision in placeLabels()
  var labels = [];
  LOCATED.forEach(function (p) {
    var marker = L.marker([p.lat, p.lon], {
      pane: "labels",
      interactive: false,
      keyboard: false,
      icon: L.divIcon({
        className: "syriatl-map__label",
        html: "<span>" + escapeHtml(p.name) + "</span>",
        iconSize: null,
      }),
    }).addTo(map);
    marker.getElement().setAttribute("aria-hidden", "true"); // the marker bears the name
    labels.push({ marker: marker, place: p, rank: p.population });
  });
  govLayer.eachLayer(function (layer) {
    var id = layer.feature.id;
    var name = DATA.governorates[id];
    if (!name) return; // the UNDOF zone has no governorate of its own
    var marker = L.marker(layer.getCenter(), { // the centroid of its (largest) ring
      pane: "regions",
      interactive: false,
      keyboard: false,
      icon: L.divIcon({
        className: "syriatl-map__label syriatl-map__label--governorate",
        html: "<span>" + escapeHtml(name.replace(/ Governorate$/, "")) + "</span>",
        iconSize: null,
      }),
    }).addTo(map);
    marker.getElement().setAttribute("aria-hidden", "true");
    labels.push({ marker: marker, place: null, rank: -1 });
  });

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // one focusable marker per located place
  var markers = {};
  LOCATED.forEach(function (p) {
    var marker = L.marker([p.lat, p.lon], {
      keyboard: true,
      riseOnHover: true,
      icon: L.divIcon({ className: "syriatl-map__marker", html: "", iconSize: null }),
    }).addTo(map);
    var node = marker.getElement();
    node.dataset.place = p.id;
    node.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " " || e.key === "Spacebar") {
        e.preventDefault();
        e.stopPropagation();
        select(p.id, { focusPanel: true });
      }
    });
    marker.on("click", function () { select(p.id, { click: true }); });
    markers[p.id] = marker;
  });

  function drawMarker(p) {
    var r = row(p.id, state.day);
    var marker = markers[p.id];
    var node = marker.getElement();
    var changed = changedOn(r, state.day);
    var parts;
    if (!r || r.state === "unknown") {
      parts = [side("unknown")];
    } else if ((r.state === "shared" || r.state === "contested") && r.other_holder_id) {
      parts = [side(r.holder_id), side(r.other_holder_id)];
    } else {
      parts = [side(r.holder_id)];
    }
    node.innerHTML = "";
    var pill = el("span", { className: "syriatl-map__pill" });
    node.appendChild(pill);
    parts.forEach(function (s) {
      // the short label is drawn by CSS from data-label; the marker's name says it in words
      pill.appendChild(el("span", {
        className: "syriatl-map__half",
        style: "background:" + s.colour + ";color:" + s.text,
        "data-label": s.label,
      }));
    });
    node.className = node.className.replace(/ ?syriatl-map__marker--\S+/g, "");
    node.classList.add("syriatl-map__marker--" + (r ? r.state : "unknown"));
    if (parts.length > 1) node.classList.add("syriatl-map__marker--two");
    if (changed) node.classList.add("syriatl-map__marker--changed");
    if (state.place === p.id) node.classList.add("syriatl-map__marker--selected");
    node.dataset.state = r ? r.state : "unknown";
    node.dataset.holder = r && r.state !== "unknown" ? r.holder_id : "unknown";
    node.dataset.colour = parts[0].colour;
    // the name starts with the short labels drawn on the marker (label-in-name)
    node.setAttribute("aria-label", parts.map(function (s) { return s.label; }).join(" ") +
      " " + p.name + ": " + describe(r) + (changed ? ", changed hands this day" : "") +
      ". Show its history.");
    node.removeAttribute("title");
    marker.setZIndexOffset(state.place === p.id ? 2000 : changed ? 1000 : 0);
  }

  // -- labels: the larger places first, none overlapping --------------------------------------

  function minPopulation(zoom) {
    if (zoom < 6) return 400000;
    if (zoom < 7) return 100000;
    if (zoom < 8) return 20000;
    return 0;
  }

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  function placeLabels() {
    var zoom = map.getZoom();
    // small markers when zoomed out, so that fewer cover each other
    map.getContainer().classList.toggle("syriatl-map--far", zoom < 7.5);
    var floor = minPopulation(zoom);
    var placed = [];
    // governorate names also keep clear of the markers (they are drawn under them)
    var pills = LOCATED.filter(function (p) {
      return markers[p.id].getElement().firstChild;
    }).map(function (p) {
      return markers[p.id].getElement().firstChild.getBoundingClientRect();
    });
    var mapBox = map.getContainer().getBoundingClientRect();
    var order = labels.slice().sort(function (a, b) {
      return priority(b) - priority(a);
    });
    function priority(label) {
      if (!label.place) return zoom >= 6 ? 5e5 : -1; // governorates: after the cities
      if (label.place.id === state.place) return 1e9;
      return label.rank;
    }
    order.forEach(function (label) {
      var node = label.marker.getElement();
      var wanted = label.place
        ? (label.place.id === state.place || label.rank >= floor)
        : zoom >= 6;
      node.style.visibility = "hidden";
      if (!wanted) return;
      var box = node.firstChild.getBoundingClientRect();
      var inside = box.left >= mapBox.left && box.right <= mapBox.right &&
        box.top >= mapBox.top && box.bottom <= mapBox.bottom;
      var pad = { left: box.left - 2, right: box.right + 2, top: box.top - 1, bottom: box.bottom + 1 };
      if (!inside || placed.some(function (b) { return overlaps(b, pad); })) return;
      if (!label.place && pills.some(function (b) { return overlaps(b, pad); })) return;
      placed.push(pad);
      node.style.visibility = "visible";
    });
  }

  // -- day: markers, changes, legend ----------------------------------------------------------

  function setDay(day, options) {
    state.day = Math.max(0, Math.min(DAYS.length - 1, day));
    slider.value = String(state.day);
    slider.setAttribute("aria-valuetext", longDate(DAYS[state.day]));
    dateText.textContent = longDate(DAYS[state.day]);
    LOCATED.forEach(drawMarker);
    drawChanged();
    drawLegend();
    if (state.place) drawPanel(false);
    placeLabels();
    if (!options || options.hash !== false) writeHash();
  }

  function drawChanged() {
    var day = state.day;
    var changed = DATA.places.filter(function (p) { return changedOn(row(p.id, day), day); });
    changedBox.innerHTML = "";
    var heading = el("h2", { id: "syriatl-map-changed-heading" },
      ["Changed hands on " + longDate(DAYS[day])]);
    changedBox.appendChild(heading);
    if (!changed.length) {
      changedBox.appendChild(el("p", {}, ["No place in the control scope changed hands this day."]));
      return;
    }
    var list = el("ul", { "aria-labelledby": "syriatl-map-changed-heading" });
    changed.forEach(function (p) {
      var r = row(p.id, day);
      var before = day > 0 ? row(p.id, day - 1) : null;
      var item = el("li", {}, [
        el("a", { href: "#day=" + DAYS[day] + "&place=" + encodeURIComponent(p.id) }, [p.name]),
        (p.lat === null ? " (no coordinates)" : "") + ": ",
        before ? describe(before) + " → " : "",
        describe(r),
        r.event_id ? " (" : "",
        r.event_id ? timelineLink(r.event_id) : null,
        r.event_id ? ")" : "",
      ]);
      list.appendChild(item);
    });
    changedBox.appendChild(list);
  }

  function drawLegend() {
    var held = DATA.held[DAYS[state.day]] || {};
    legendBox.innerHTML = "";
    legendBox.appendChild(el("h2", { id: "syriatl-map-legend-heading" },
      ["Sides on " + longDate(DAYS[state.day])]));
    var list = el("ul", { "aria-labelledby": "syriatl-map-legend-heading" });
    Object.keys(DATA.sides).sort(function (a, b) {
      return (held[b] || 0) - (held[a] || 0) || DATA.sides[a].name.localeCompare(DATA.sides[b].name);
    }).forEach(function (id) {
      var s = DATA.sides[id];
      var n = held[id] || 0;
      if (!n && id !== "unknown") return;
      list.appendChild(el("li", {}, [
        el("span", {
          className: "syriatl-map__swatch",
          style: "background:" + s.colour + ";color:" + s.text,
          "aria-hidden": "true",
          text: s.label,
        }),
        " " + s.name + " (" + s.label + "): " + n + (n === 1 ? " place" : " places"),
      ]));
    });
    legendBox.appendChild(list);
    legendBox.appendChild(el("p", { className: "syriatl-map__key" }, [
      "Places held by the main holder, of the " + DATA.places.length +
      " in the control scope (" + LOCATED.length + " on the map). A marker in two colours " +
      "is shared by two sides; a dashed ring means contested; grey “?” means unknown; a " +
      "thick black ring means the place changed hands this day.",
    ]));
  }

  // -- the panel -----------------------------------------------------------------------------

  function select(placeId, options) {
    var previous = state.place;
    state.place = placeId;
    if (previous && markers[previous]) drawMarker(PLACES[previous] || { id: previous });
    if (PLACES[placeId] && markers[placeId]) drawMarker(PLACES[placeId]);
    drawPanel(options && options.focusPanel);
    placeLabels();
    writeHash();
    if (options && options.pan && markers[placeId]) {
      map.setView(markers[placeId].getLatLng(), Math.max(map.getZoom(), 8));
    }
    // on a narrow screen the panel is under the map: bring it up after a click or a tap
    if (options && options.click && window.matchMedia("(max-width: 59.9375em)").matches) {
      panel.firstChild.scrollIntoView({ block: "start" });
    }
  }

  function closePanel() {
    var previous = state.place;
    state.place = null;
    if (previous && markers[previous]) {
      drawMarker(PLACES[previous]);
      markers[previous].getElement().focus();
    }
    panel.innerHTML = introduction;
    panel.removeAttribute("aria-labelledby");
    placeLabels();
    writeHash();
  }

  function drawPanel(focus) {
    var id = state.place;
    var p = PLACES[id];
    panel.innerHTML = "";
    var heading = el("h2", { id: "syriatl-map-panel-heading", tabindex: "-1" },
      [p ? p.name : (DATA.other_places[id] || id)]);
    panel.setAttribute("aria-labelledby", "syriatl-map-panel-heading");
    panel.appendChild(heading);
    panel.appendChild(el("button", { type: "button", className: "syriatl-map__close" },
      ["Close"]));
    panel.lastChild.addEventListener("click", closePanel);
    if (!p) {
      panel.appendChild(el("p", {}, [
        DATA.other_places[id]
          ? "This place is not in the control scope: the data says nothing of who held it. "
          : "No place has this ID. ",
        DATA.other_places[id] ? el("a", { href: "../places/#" + id }, ["See it in the places index."]) : null,
      ]));
      if (focus) heading.focus();
      return;
    }
    p.ar.forEach(function (name) {
      panel.appendChild(el("p", { lang: "ar", dir: "rtl", className: "syriatl-map__arabic" }, [name]));
    });
    if (p.ar_latin.length) {
      panel.appendChild(el("p", {}, ["Arabic, transliterated: ",
        el("span", { lang: "ar-Latn" }, [p.ar_latin.join(", ")])]));
    }
    var today = row(id, state.day);
    panel.appendChild(el("p", {}, [
      el("strong", {}, [longDate(DAYS[state.day]) + ": "]), describe(today) +
      (today && today.certainty ? " (" + today.certainty + ")" : "") + ". ",
      el("a", { href: "../places/#" + id }, ["In the places index"]),
      p.lat === null ? " (no coordinates: not drawn on the map)" : "",
    ]));

    // the history, day by day
    var tbody = el("tbody");
    DAYS.forEach(function (day, n) {
      var r = row(id, n);
      var basis = null;
      if (r && r.event_id && r.since === day) basis = timelineLink(r.event_id);
      else if (r && r.source_id && (n === 0 || (row(id, n - 1) || {}).source_id !== r.source_id)) {
        var cited = DATA.sources[r.source_id];
        basis = cited && cited.url
          ? el("a", { href: cited.url, rel: "noopener" }, [r.source_id])
          : document.createTextNode(r.source_id);
      }
      var sides = !r || r.state === "unknown" ? [side("unknown")] : [side(r.holder_id)];
      if (r && r.other_holder_id && (r.state === "shared" || r.state === "contested")) {
        sides.push(side(r.other_holder_id));
      }
      var cells = [
        el("td", {}, [shortDate(day)]),
        el("td", {}, sides.map(function (s) {
          return el("abbr", {
            className: "syriatl-map__swatch",
            style: "background:" + s.colour + ";color:" + s.text,
            title: s.name,
            text: s.label,
          });
        }).concat([" " + (r ? r.state : "not in the table")])),
        el("td", {}, [basis]),
      ];
      tbody.appendChild(el("tr", {
        className: n === state.day ? "syriatl-map__today" : null,
        "aria-current": n === state.day ? "date" : null,
      }, cells));
    });
    panel.appendChild(el("h3", {}, ["Day by day"]));
    panel.appendChild(el("table", { className: "syriatl-map__history" }, [
      el("thead", {}, [el("tr", {}, [
        el("th", { scope: "col" }, ["Day"]),
        el("th", { scope: "col" }, ["Control"]),
        el("th", { scope: "col" }, ["Basis"]),
      ])]),
      tbody,
    ]));

    // the evidence: each event of a change with its sources, and each source of a baseline
    panel.appendChild(el("h3", {}, ["Events and sources"]));
    var list = el("ul", { className: "syriatl-map__evidence" });
    var seen = {};
    DAYS.forEach(function (day, n) {
      var r = row(id, n);
      if (!r) return;
      if (r.event_id && !seen[r.event_id]) {
        seen[r.event_id] = true;
        var e = DATA.events[r.event_id];
        var sources = el("ul", {}, e.sources.map(function (s) {
          return el("li", {}, [sourceLink(s)]);
        }));
        list.appendChild(el("li", {}, [
          el("strong", {}, [shortDate(r.since || day)]), " ", timelineLink(r.event_id), ": ",
          e.title, e.certainty ? " (" + e.certainty + ")" : "", ". ", describe(r) + ".",
          e.sources.length ? sources : null,
        ]));
      }
      if (r.source_id && !seen[r.source_id]) {
        seen[r.source_id] = true;
        list.appendChild(el("li", {}, [
          el("strong", {}, [shortDate(day)]), " " + r.source_id + " (" + describe(r) + "): ",
          sourceLink(r.source_id),
        ]));
      }
    });
    panel.appendChild(list);
    if (focus) heading.focus();
  }

  // -- wiring --------------------------------------------------------------------------------

  slider.addEventListener("input", function () {
    stop();
    setDay(Number(slider.value));
  });

  function stop() {
    if (state.timer) window.clearInterval(state.timer);
    state.timer = null;
    playButton.textContent = "Play";
  }

  playButton.addEventListener("click", function () {
    if (state.timer) { stop(); return; }
    if (state.day >= DAYS.length - 1) setDay(0);
    playButton.textContent = "Pause";
    state.timer = window.setInterval(function () {
      if (state.day >= DAYS.length - 1) { stop(); return; }
      setDay(state.day + 1);
    }, PLAY_MS);
  });

  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && state.place) { e.preventDefault(); closePanel(); }
  });

  map.on("zoomend moveend", placeLabels);
  window.addEventListener("resize", function () { map.invalidateSize(); placeLabels(); });

  function fromHash(first) {
    var wanted = readHash();
    if (wanted.day >= 0 || first) setDay(wanted.day >= 0 ? wanted.day : 0, { hash: false });
    if (wanted.place && wanted.place !== state.place) {
      select(wanted.place, { pan: true });
    } else if (!wanted.place && state.place && !first) {
      closePanel();
    }
    // a link to a day or a place lands on the map, not on the words above it
    if (wanted.day >= 0 || wanted.place) app.scrollIntoView({ block: "start" });
  }

  // past the markers (one Tab stop each) to what changed that day, for keyboard users
  document.getElementById("syriatl-map-skip").addEventListener("click", function () {
    var heading = document.getElementById("syriatl-map-changed-heading");
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  });

  window.addEventListener("hashchange", function () {
    var wanted = readHash();
    if (wanted.day < 0 && !wanted.place) return; // an anchor of the page, not a map link
    stop();
    fromHash(false);
  });
  fromHash(true);
})();
