// Results as you type, copy buttons. No framework: the server renders
// the HTML (escaped), the script only swaps it in.
(function () {
  "use strict";
  function debounce(fn, ms) { var t; return function () { var a = arguments; clearTimeout(t); t = setTimeout(function () { fn.apply(null, a); }, ms); }; }
  var form = document.getElementById("search");
  var results = document.getElementById("results");
  if (form && results) {
    var seq = 0;
    var run = debounce(function () {
      var params = new URLSearchParams(new FormData(form));
      if (!params.get("q") || !params.get("q").trim()) { results.innerHTML = ""; return; }
      params.set("partial", "1");
      var mine = ++seq;
      fetch("/search?" + params.toString(), { headers: { "Accept": "text/html" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html !== null && mine === seq) {
            results.innerHTML = html;
            var url = new URL(window.location.href);
            params.delete("partial");
            url.search = params.toString();
            url.pathname = "/search";
            history.replaceState(null, "", url.toString());
          }
        })
        .catch(function () {});
    }, 120);
    form.addEventListener("input", run);
    form.addEventListener("change", run);
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("button.copy") : null;
    if (!b) { return; }
    var text = b.getAttribute("data-copy") || "";
    var done = function () { var old = b.textContent; b.textContent = "✓"; setTimeout(function () { b.textContent = old; }, 1200); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, done);
    } else {
      var ta = document.createElement("textarea"); ta.value = text; document.body.appendChild(ta); ta.select();
      try { document.execCommand("copy"); } catch (err) { /* ignore */ }
      document.body.removeChild(ta); done();
    }
  });
})();
