/* Glue between the vendored ipywidgets HTML manager and the rest of the offline page.
 *
 * 1. The widget manager finds its Font Awesome files next to the URL of its AMD module; point
 *    that module id at the site's own vendor/html-manager/ (require.js reads a global `require`
 *    object as its configuration when it is defined before require.js loads).
 * 2. html-manager 1.0.6 typesets widget labels through the MathJax 2 API (MathJax.Hub.Queue),
 *    while the book uses MathJax 3; give every MathJax object a non-enumerable Hub.Queue that
 *    forwards to MathJax 3's typesetPromise once MathJax has started.
 */
(function () {
  var here = document.currentScript.src.replace(/[?#].*$/, "");
  var root = here.slice(0, here.lastIndexOf("/_static/") + 1);
  window.require = { paths: { "@jupyter-widgets/html-manager/dist": root + "vendor/html-manager" } };

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
