// The operator console and the supervisor wallboard, live by server-sent
// events. Text is set with textContent: nothing from the server is parsed
// as HTML except the console panel, which the server renders escaped.
(function () {
  "use strict";
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) { e.className = cls; } if (text !== undefined && text !== null) { e.textContent = String(text); } return e; }
  function fmt(v, digits, suffix) { return (v === null || v === undefined) ? "—" : (Number(v).toFixed(digits) + (suffix || "")); }

  // ----- console -----
  var consoleEl = document.getElementById("console");
  if (consoleEl && window.EventSource) {
    var panel = document.getElementById("panel");
    var offer = document.getElementById("offer");
    // Never replace the panel under the operator's hands: while a field of
    // it has focus or text, the reload waits (submitting reloads the page).
    var busy = function () {
      if (panel.contains(document.activeElement) && document.activeElement !== panel) { return true; }
      var fields = panel.querySelectorAll("textarea, input[type=text], input:not([type])");
      for (var i = 0; i < fields.length; i++) { if (fields[i].value) { return true; } }
      return false;
    };
    var pending = false;
    var reloadPanel = function () {
      if (busy()) {
        if (!pending) { pending = true; setTimeout(function () { pending = false; reloadPanel(); }, 1000); }
        return;
      }
      fetch("/console/panel", { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null && !busy()) { panel.innerHTML = html; } })
        .catch(function () {});
    };
    var status = document.getElementById("agent-status");
    var es = new EventSource("/console/events");
    es.addEventListener("agent", function (m) {
      var d; try { d = JSON.parse(m.data); } catch (e) { return; }
      if (d.agent && status) {
        var strong = status.querySelector("strong");
        if (strong) { strong.textContent = d.agent.status_label; }
        status.className = "status-" + d.agent.status;
      }
      if (d.kind === "routed") {
        var ev = d.event || {};
        document.getElementById("offer-channel").textContent = ev.channel || "";
        document.getElementById("offer-caller").textContent = ev.caller || ev.work || "";
        var waited = d.waited_s;
        if (waited === null || waited === undefined) { waited = ev.at ? Math.max(0, Math.round((Date.now() - Date.parse(ev.at)) / 1000)) : 0; }
        document.getElementById("offer-waited").textContent = String(waited);
        offer.hidden = false;
        consoleEl.setAttribute("data-offer", ev.call || ev.work || "");
      }
      if (d.kind === "answered" || d.kind === "ended" || d.kind === "abandoned" || d.kind === "ring_timeout") { offer.hidden = true; }
      // Also on "hello": what changed between the page's rendering and
      // the stream's start (a ticket opened meanwhile) is not lost.
      reloadPanel();
    });
  }

  // ----- wallboard -----
  var wb = document.getElementById("wallboard");
  if (wb && wb.getAttribute("data-live") && window.EventSource) {
    var channels = ["phone", "callback", "voicemail", "email", "fax", "web"];
    var render = function (d) {
      document.getElementById("wb-at").textContent = new Date(d.at).toLocaleTimeString();
      document.getElementById("wb-calls").textContent = d.calls_today;
      document.getElementById("wb-noline").textContent = d.rejected_no_line;
      document.getElementById("wb-afterhours").textContent = d.after_hours;
      document.getElementById("wb-voicemails").textContent = d.voicemails;
      var tbody = document.querySelector("#wb-queues tbody");
      var rows = [];
      (d.queues || []).forEach(function (q) {
        var tr = el("tr", "level-" + q.level);
        tr.setAttribute("data-queue", q.number);
        var name = el("td"); name.appendChild(el("strong", null, q.number)); name.appendChild(document.createTextNode(" " + q.name)); tr.appendChild(name);
        var ag = el("td", "agents", q.agents.length);
        q.agents.forEach(function (a) { ag.appendChild(el("br")); ag.appendChild(el("span", "st-" + a.status, a.id + ": " + a.status_label)); });
        tr.appendChild(ag);
        tr.appendChild(el("td", "waiting", q.waiting));
        tr.appendChild(el("td", "first-wait", q.first_wait_s + " s"));
        tr.appendChild(el("td", "load", fmt(q.load, 2)));
        tr.appendChild(el("td", "terminals", q.terminals));
        tr.appendChild(el("td", "offered", q.offered));
        tr.appendChild(el("td", "answered", q.answered));
        tr.appendChild(el("td", "abandoned", q.abandoned));
        tr.appendChild(el("td", "within30", q.answered_30s_share === null ? "—" : fmt(q.answered_30s_share * 100, 1, " %")));
        tr.appendChild(el("td", "asa", fmt(q.asa_s, 1, " s")));
        tr.appendChild(el("td", "aht", fmt(q.aht_s, 0, " s")));
        rows.push(tr);
      });
      tbody.replaceChildren.apply(tbody, rows);
      var chart = d.chart || [];
      var max = 30;
      chart.forEach(function (s) { s.wait_s.forEach(function (p) { if (p[1] > max) { max = p[1]; } }); });
      var n = Math.max(chart.length, 2) - 1;
      channels.forEach(function (c, ci) {
        var line = document.querySelector('#wb-chart polyline[data-channel="' + c + '"]');
        if (!line) { return; }
        var pts = chart.map(function (s, i) { var v = (s.wait_s[ci] || [c, 0])[1]; return (i / n * 800).toFixed(1) + "," + (200 - v / max * 200).toFixed(1); });
        line.setAttribute("points", pts.join(" "));
      });
      wb.setAttribute("data-updated", d.at);
    };
    var src = new EventSource("/wallboard/events");
    src.addEventListener("wallboard", function (m) { try { render(JSON.parse(m.data)); } catch (e) { /* keep the last view */ } });
  }
})();
