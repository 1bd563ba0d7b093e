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
            if (form.getAttribute("data-keep-url")) { return; }
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

  // Offline capture (CRM-12): when the server cannot be reached, a new
  // request is kept in the browser's local storage with the time it was
  // recorded, and sent when the server answers again. Each carries a key
  // chosen here, so sending it twice never creates two tickets.
  var OUTBOX = "centralino.outbox";
  function outbox() { try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; } }
  function saveOutbox(list) { localStorage.setItem(OUTBOX, JSON.stringify(list)); }
  function newKey() { return (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + "-" + Math.random().toString(16).slice(2); }
  function csrfToken() { var m = document.querySelector("meta[name=csrf-token]"); return m ? m.getAttribute("content") : ""; }
  var banner = document.getElementById("offline-banner");
  function showPending() {
    if (!banner) { return; }
    var n = outbox().length;
    banner.hidden = n === 0;
    banner.textContent = n === 0 ? "" : n + " richiesta/e registrata/e senza connessione: verranno inviate appena il server risponde.";
  }
  var sending = false;
  function flush() {
    var list = outbox();
    if (sending || list.length === 0) { showPending(); return; }
    sending = true;
    var entry = list[0];
    fetch("/api/v1/tickets", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "x-csrf-token": csrfToken() },
      body: JSON.stringify(entry)
    }).then(function (r) {
      sending = false;
      // Sent, or refused for good (bad data is reported, not retried forever).
      if (r.ok || (r.status >= 400 && r.status < 500 && r.status !== 401 && r.status !== 403 && r.status !== 408 && r.status !== 429)) {
        saveOutbox(outbox().filter(function (e) { return e.client_key !== entry.client_key; }));
        flush();
      } else { showPending(); }
    }).catch(function () { sending = false; showPending(); });
  }
  var ticketForm = document.getElementById("new-ticket");
  if (ticketForm) {
    var key = ticketForm.querySelector("input[name=client_key]");
    if (key && !key.value) { key.value = newKey(); }
    ticketForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = new FormData(ticketForm);
      fetch(ticketForm.action, { method: "POST", body: new URLSearchParams(data), credentials: "same-origin", redirect: "follow" })
        .then(function (r) { window.location.href = r.url; })
        .catch(function () {
          var entry = { channel: data.get("channel"), description: data.get("description") || "", client_key: data.get("client_key"),
                        priority: data.get("priority") || "normal", received_at: new Date().toISOString() };
          if (data.get("contact")) { entry.contact = data.get("contact"); }
          if (data.get("concept")) { entry.concept = data.get("concept"); }
          if (data.get("level")) { entry.level = data.get("level"); }
          var list = outbox(); list.push(entry); saveOutbox(list);
          ticketForm.reset(); if (key) { key.value = newKey(); }
          showPending();
        });
    });
  }
  window.addEventListener("online", flush);
  setInterval(flush, 15000);
  flush();
})();
