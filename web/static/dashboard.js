// Manager dashboard: the figures are redrawn by the centre (HTML fragment)
// whenever the event stream says something changed; the printable report
// only has a print button. No polling, no inline code.
"use strict";
(function () {
  var print = document.getElementById("print");
  if (print) { print.addEventListener("click", function () { window.print(); }); }
  var panel = document.getElementById("panel");
  var conn = document.getElementById("conn");
  if (!panel || !conn) { return; }
  var refreshing = false;
  var again = false;
  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch("/admin/panel", { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (r.status === 401) { location.href = "/officer/login"; return null; }
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html) { panel.innerHTML = html; document.body.dataset.refreshed = String(Date.now()); }
    }).catch(function () {}).then(function () {
      refreshing = false;
      if (again) { again = false; refresh(); }
    });
  }
  // "I'm going" on a citizen's call for help.
  panel.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest("button[data-help]") : null;
    if (!b) { return; }
    b.disabled = true;
    fetch("/api/v1/help/" + encodeURIComponent(b.dataset.help) + "/resolve", {
      method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": document.body.dataset.csrf || "" }
    }).catch(function () {}).then(refresh);
  });
  // Many events in a burst (a busy hour) give one refresh per second at most.
  var timer = null;
  function soon() {
    if (timer) { return; }
    timer = setTimeout(function () { timer = null; refresh(); }, 1000);
  }
  function online(on) {
    conn.textContent = on ? conn.dataset.live : conn.dataset.offline;
    conn.classList.toggle("off", !on);
  }
  var KINDS = ["ticket_issued", "ticket_called", "ticket_recalled", "ticket_started", "ticket_transferred",
    "ticket_completed", "ticket_no_show", "counter_state", "day_rollover", "help_requested", "help_resolved",
    "device", "resync"];
  function connect() {
    var es = new EventSource("/api/v1/events");
    KINDS.forEach(function (k) { es.addEventListener(k, soon); });
    es.onopen = function () { online(true); soon(); };
    es.onerror = function () {
      online(false);
      if (es.readyState === EventSource.CLOSED) { setTimeout(connect, 2000); }
    };
  }
  connect();
})();
