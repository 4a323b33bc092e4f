/* Glue between the vendored ipywidgets HTML manager and the rest of the offline page.
 *
 * 1. Each bundle of the widget manager (html-manager, base, controls) finds its Font Awesome
 *    files next to the URL of its own AMD module id; point all three ids into the site's
 *    vendor/html-manager/ (require.js reads a global `require` object as its configuration when it
 *    is defined before require.js loads). Without this the fonts are requested from
 *    chapters/@jupyter-widgets/, which does not exist.
 * 2. html-manager 1.0.6 typesets widget labels through the MathJax 2 API (MathJax.Hub.Queue),
 *    while the book uses MathJax 3; give every MathJax object a non-enumerable Hub.Queue that
 *    forwards to MathJax 3's typesetPromise once MathJax has started.
 * 3. A Stack view (controls 5.0) replaces its child view on every change of selected_index and
 *    then *posts* a resize message to the new child. When a reader flips faster than the browser
 *    paints (holding an arrow key), that child is already disposed when the message is delivered
 *    and the base class dereferences its null view: a console error, no visible effect. A
 *    disposed Lumino widget has nothing left to update, so its late messages are dropped.
 */
(function () {
  var here = document.currentScript.src.replace(/[?#].*$/, "");
  var root = here.slice(0, here.lastIndexOf("/_static/") + 1);
  var vendor = root + "vendor/html-manager";
  window.require = {
    paths: {
      "@jupyter-widgets/html-manager/dist": vendor,
      "@jupyter-widgets/html-manager": vendor + "/html-manager",
      "@jupyter-widgets/base": vendor + "/base",
      "@jupyter-widgets/controls": vendor + "/controls",
    },
  };

  window.addEventListener("DOMContentLoaded", function () {
    if (typeof window.require !== "function") return;  // a page without widgets
    window.require(["@jupyter-widgets/base"], function (base) {
      [base.JupyterLuminoWidget, base.JupyterLuminoPanelWidget].forEach(function (cls) {
        if (!cls || cls.prototype.__rmtGuarded) return;
        var deliver = cls.prototype.processMessage;
        cls.prototype.processMessage = function (msg) {
          if (this._view) deliver.call(this, msg);
        };
        cls.prototype.__rmtGuarded = true;
      });
    });
  });

  function withHub(mj) {
    if (mj && typeof mj === "object" && !mj.Hub) {
      Object.defineProperty(mj, "Hub", {
        enumerable: false,
        value: {
          Queue: function (job) {
            var el = job && job[2];
            var ready = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
            if (ready) {
              ready.then(function () {
                return window.MathJax.typesetPromise(el ? [el] : undefined);
              });
            }
          },
        },
      });
    }
    return mj;
  }
  var current = withHub(window.MathJax);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return current; },
    set: function (value) { current = withHub(value); },
  });
})();
