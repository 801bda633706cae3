// Material wraps each content table in a scroll box. A box that scrolls sideways is made
// reachable from the keyboard (tabindex) and named after the table's header, so a keyboard or
// screen reader user can scroll it too (WCAG 2.1.1). Boxes that fit are left alone.
(function () {
  "use strict";

  function label(wrap) {
    var heading = null;
    for (var node = wrap.previousElementSibling; node; node = node.previousElementSibling) {
      if (/^H[1-6]$/.test(node.tagName)) {
        heading = node;
        break;
      }
    }
    var head = wrap.querySelector("thead");
    var columns = head ? head.textContent.replace(/\s+/g, " ").trim() : "";
    var name = heading ? heading.textContent.replace(/[¶#]\s*$/, "").trim() : "";
    return "Table" + (name ? " in " + name : "") + (columns ? " (columns: " + columns + ")" : "") +
      ", scrolls sideways";
  }

  function fix() {
    var wraps = document.querySelectorAll(".md-typeset__scrollwrap");
    for (var i = 0; i < wraps.length; i++) {
      var wrap = wraps[i];
      var box = wrap.querySelector(".md-typeset__table") || wrap;
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1 || box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", label(wrap));
      } else if (!scrolls && wrap.getAttribute("role") === "region") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    }
  }

  var pending = false;
  function later() {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        fix();
      });
    }
  }

  // Material adds the wrappers from its own script, after the page has loaded.
  new MutationObserver(later).observe(document.body, { childList: true, subtree: true });
  window.addEventListener("resize", later);
  later();
})();
