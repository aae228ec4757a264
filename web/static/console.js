// Officer console: actions over the centre's JSON API, the live panel
// refreshed on every event of the event stream (no polling). Plain JS, no
// inline code (the page's CSP allows scripts from this centre only).
"use strict";
(function () {
  var body = document.body;
  var counter = body.dataset.counter;
  var csrf = body.dataset.csrf;
  var en = body.dataset.lang === "en";
  var panel = document.getElementById("panel");
  var message = document.getElementById("message");
  var conn = document.getElementById("conn");
  var buttons = Array.prototype.slice.call(document.querySelectorAll("button.action"));
  var busy = false;
  var cooldownUntil = 0;
  var skew = 0;

  var TEXT = {
    called: ["Quầy {c} gọi số {n}", "Counter {c} calls {n}"],
    recalled: ["Gọi lại số {n}", "Recalled {n}"],
    no_show: ["Số {n} vắng mặt", "{n}: no-show"],
    completed: ["Đã phục vụ xong số {n}", "{n} served"],
    paused: ["Quầy tạm dừng", "Counter paused"],
    resumed: ["Quầy tiếp tục phục vụ", "Counter resumed"],
    queue_empty: ["Không còn ai đang chờ", "Nobody is waiting"],
    started: ["Bắt đầu phục vụ số {n}", "Serving {n}"],
    transferred: ["Đã chuyển số {n}", "{n} transferred"],
    error: ["Không thực hiện được: {m}", "Not done: {m}"],
    network: ["Mất kết nối với trung tâm. Thử lại.", "The centre cannot be reached. Try again."]
  };

  function say(key, vars, bad) {
    var s = TEXT[key][en ? 1 : 0];
    Object.keys(vars || {}).forEach(function (k) { s = s.replace("{" + k + "}", vars[k]); });
    message.textContent = s;
    message.classList.toggle("bad", !!bad);
  }

  // One key per click, so a retry of the same click is answered, not repeated.
  function newKey() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  function state() {
    var s = document.getElementById("state");
    return s ? s.dataset : {};
  }

  function setButtons() {
    var st = state();
    var paused = st.state === "paused";
    var current = st.current === "true";
    var started = st.started === "true";
    var enable = {
      "call-next": !paused,
      "recall": current,
      "start": current,
      "no-show": current,
      "transfer": current,
      "pause": true
    };
    var cooling = Date.now() < cooldownUntil;
    buttons.forEach(function (b) {
      b.disabled = busy || !enable[b.dataset.action] || (cooling && b.dataset.action === "call-next");
    });
    var sc = document.getElementById("btn-start");
    sc.firstElementChild.textContent = started ? sc.dataset.complete : sc.dataset.start;
    sc.dataset.mode = started ? "complete" : "start";
    var pb = document.getElementById("btn-pause");
    pb.firstElementChild.textContent = paused ? pb.dataset.resume : pb.dataset.pause;
    pb.dataset.mode = paused ? "resume" : "pause";
  }

  var refreshing = false;
  var again = false;
  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch("/officer/panel", { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (r.status === 401) { location.href = "/officer/login"; return null; }
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html !== null && html !== undefined) {
        panel.innerHTML = html; // server-rendered, every value escaped by the template
        var now = Number(state().now);
        if (now) { skew = now - Date.now(); }
        setButtons();
      }
    }).catch(function () {}).then(function () {
      refreshing = false;
      if (again) { again = false; refresh(); }
    });
  }

  function post(action, payload, key, retried) {
    return fetch("/api/v1/counters/" + counter + "/" + action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Idempotency-Key": key },
      body: payload ? JSON.stringify(payload) : null
    }).catch(function (e) {
      // The request may have reached the centre: the same key makes a retry safe.
      if (retried) { throw e; }
      return new Promise(function (res) { setTimeout(res, 800); }).then(function () {
        return post(action, payload, key, true);
      });
    });
  }

  function act(action, payload) {
    if (busy || (action === "call-next" && Date.now() < cooldownUntil)) { return; }
    busy = true;
    setButtons();
    post(action, payload, newKey(), false).then(function (r) {
      return r.json().then(function (j) {
        if (r.ok) {
          say(j.outcome, { c: counter, n: j.ticket ? j.ticket.number : "" });
        } else if (r.status === 401) {
          location.href = "/officer/login";
        } else {
          say("error", { m: j.message || r.status }, true);
        }
      });
    }).catch(function () {
      say("network", {}, true);
    }).then(function () {
      busy = false;
      // A second click of a double click must not call another number:
      // "call next" stays off for a moment after a call (visibly).
      if (action === "call-next") {
        cooldownUntil = Date.now() + 700;
        setTimeout(setButtons, 720);
      }
      setButtons();
      refresh();
    });
  }

  var transferDialog = document.getElementById("transfer-dialog");
  var pauseDialog = document.getElementById("pause-dialog");

  function run(action) {
    if (action === "start") {
      act(document.getElementById("btn-start").dataset.mode === "complete" ? "complete" : "start");
    } else if (action === "pause") {
      if (document.getElementById("btn-pause").dataset.mode === "resume") { act("resume"); }
      else { document.getElementById("pause-reason").value = ""; pauseDialog.showModal(); }
    } else if (action === "transfer") {
      transferDialog.showModal();
    } else {
      act(action);
    }
  }

  buttons.forEach(function (b) {
    b.addEventListener("click", function (ev) {
      if (ev.detail > 1) { return; } // the second click of a double click
      run(b.dataset.action);
    });
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.altKey || ev.metaKey || ev.repeat) { return; }
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || transferDialog.open || pauseDialog.open) { return; }
    var b = buttons.find(function (x) { return x.dataset.key === ev.key.toLowerCase(); });
    if (b && !b.disabled) { ev.preventDefault(); run(b.dataset.action); }
  });

  document.getElementById("transfer-cancel").addEventListener("click", function () { transferDialog.close(); });
  document.getElementById("transfer-form").addEventListener("submit", function () {
    var service = document.getElementById("transfer-service").value;
    var to = document.getElementById("transfer-counter").value;
    var payload = {};
    if (service) { payload.service = service; }
    if (to) { payload.counter = Number(to); }
    act("transfer", payload);
  });
  document.getElementById("pause-cancel").addEventListener("click", function () { pauseDialog.close(); });
  Array.prototype.forEach.call(document.querySelectorAll(".preset"), function (p) {
    p.addEventListener("click", function () { document.getElementById("pause-reason").value = p.textContent; });
  });
  document.getElementById("pause-form").addEventListener("submit", function (ev) {
    var reason = document.getElementById("pause-reason").value.trim();
    if (!reason) { ev.preventDefault(); document.getElementById("pause-reason").focus(); return; }
    act("pause", { reason: reason });
  });

  // "I'm going" on a citizen's call for help (in the panel, redrawn on events).
  panel.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest("button[data-help]") : null;
    if (!b) { return; }
    b.disabled = true;
    fetch("/api/v1/help/" + encodeURIComponent(b.dataset.help) + "/resolve", {
      method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf }
    }).catch(function () { say("network", {}, true); }).then(refresh);
  });

  // Minutes waited keep counting between events, from the server's clock.
  setInterval(function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-since]"), function (e) {
      e.textContent = String(Math.max(0, Math.floor((Date.now() + skew - Number(e.dataset.since)) / 60000)));
    });
  }, 30000);

  var KINDS = ["ticket_issued", "ticket_called", "ticket_recalled", "ticket_started", "ticket_transferred",
    "ticket_completed", "ticket_no_show", "counter_state", "day_rollover", "help_requested", "help_resolved",
    "resync"];
  var pending = null;
  function soon() {
    if (pending) { return; }
    pending = setTimeout(function () { pending = null; refresh(); }, 50);
  }
  function online(on) {
    conn.textContent = on ? conn.dataset.live : conn.dataset.offline;
    conn.classList.toggle("off", !on);
    body.dataset.online = on ? "true" : "false";
  }
  function connect() {
    var es = new EventSource("/api/v1/events");
    KINDS.forEach(function (k) { es.addEventListener(k, soon); });
    es.onopen = function () { online(true); refresh(); };
    es.onerror = function () {
      online(false);
      // EventSource retries by itself unless the server refused the stream.
      if (es.readyState === EventSource.CLOSED) { setTimeout(connect, 2000); }
    };
  }
  setButtons();
  connect();
})();
