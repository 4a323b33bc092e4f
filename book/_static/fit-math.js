/* Fit display equations to their box on narrow screens and in print.
 *
 * Long displays are written as aligned lines, so at a desktop width every one fits as typeset.
 * On a phone, or on paper, a display that is still wider than its box is scaled down (never
 * below 70%); what is then still too wide scrolls inside its box (see book.css). The browser
 * check reads window.rmtFitMath() to find displays that overflow.
 */
(function () {
  var MIN_SCALE = 0.7;

  function fit() {
    var report = [];
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (eq) {
      var box = eq.closest("div.math, .math-wrapper") || eq.parentElement;
      eq.style.fontSize = "";
      var eqno = box.querySelector(".eqno");
      var beside = eqno && getComputedStyle(eqno).float !== "none";
      var room = box.clientWidth - (beside ? eqno.getBoundingClientRect().width : 0);
      var need = eq.scrollWidth;
      var scale = 1;
      if (need > room + 1 && room > 0) {
        scale = Math.max(MIN_SCALE, room / need);
        eq.style.fontSize = (100 * scale).toFixed(1) + "%";
      }
      var label = eqno ? eqno.textContent.replace(/[^\w().]/g, "") : "";
      report.push({ label: label, scale: scale, width: eq.scrollWidth, room: room,
                    overflow: eq.scrollWidth > room + 1 || box.scrollWidth > box.clientWidth + 1,
                    text: (eq.getAttribute("aria-label") || eq.textContent || "").slice(0, 80) });
    });
    return report;
  }

  var timer = null;
  function later() { clearTimeout(timer); timer = setTimeout(fit, 100); }
  window.rmtFitMath = fit;
  window.addEventListener("resize", later);
  window.addEventListener("beforeprint", fit);
  if (window.matchMedia) {
    var print = window.matchMedia("print");
    if (print.addEventListener) print.addEventListener("change", fit);
  }
  var tries = 0;
  function whenTypeset() {  // pages without math never load MathJax: give up after 10 s
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) mj.startup.promise.then(fit);
    else if (++tries < 50) setTimeout(whenTypeset, 200);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", whenTypeset);
  else whenTypeset();
})();
