// Live class sessions: keep the projector or the phone in step with the server over a WebSocket.
// The server sends the screen's HTML; this script swaps it in, runs the countdown against the
// server's clock, and sends answers and the trainer's buttons back. Without it, the phone's forms
// post and its page refreshes itself; the projector says it needs JavaScript.
(function () {
  "use strict";
  const root = document.getElementById("live-root");
  if (!root || !("WebSocket" in window)) return;
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + root.dataset.liveWs;
  let socket = null;
  let retry = 250;
  let offset = 0; // server clock minus this clock, in ms
  let closesAt = null;
  let remaining = null;
  let revealAsked = null;
  let version = -1;
  let counted = { question: null, answered: -1 }; // the projector's answer count on screen

  function connect() {
    socket = new WebSocket(url);
    socket.addEventListener("open", function () {
      retry = 250;
      root.dataset.connected = "yes";
    });
    socket.addEventListener("message", function (event) {
      handle(JSON.parse(event.data));
    });
    socket.addEventListener("close", function (event) {
      root.dataset.connected = "no";
      if (event.code === 4403) return; // not ours to watch: do not knock again
      setTimeout(connect, retry + Math.random() * retry);
      retry = Math.min(retry * 2, 4000);
    });
  }

  function handle(message) {
    if (message.html === undefined) {
      if (message.answered !== undefined) showCount(message);
      return;
    }
    if (message.version < version) return; // an older state that arrived late
    version = message.version;
    const stage = document.getElementById("live-stage");
    const typing = stage && stage.contains(document.activeElement) && document.activeElement.matches("input[type=text], textarea");
    const sameForm = stage && stage.dataset.version === String(message.version) && stage.dataset.phase === message.phase;
    // Keep what a player is typing when the same question is sent again (a reconnect, a count).
    if (!(typing && sameForm && !message.html.includes('role="alert"'))) {
      stage.outerHTML = message.html;
    }
    // The count the server rendered is the database's: later count messages may only raise it.
    const countNode = root.querySelector("[data-live-count]");
    counted = countNode
      ? { question: countNode.dataset.liveQuestion, answered: parseInt(countNode.textContent, 10) || 0 }
      : { question: null, answered: -1 };
    root.dataset.phase = message.phase;
    root.dataset.paused = message.paused ? "yes" : "no";
    offset = message.now - Date.now();
    closesAt = message.closes_at;
    remaining = message.remaining;
    tick();
  }

  // Count messages come from many threads and two processes, so out of order: for the question
  // on screen, show the highest count received, never a lower one; ignore another question's.
  function showCount(message) {
    if (message.question !== undefined && counted.question !== null && String(message.question) !== counted.question) return;
    if (message.answered <= counted.answered) return;
    counted.answered = message.answered;
    root.querySelectorAll("[data-live-count]").forEach(function (node) {
      node.textContent = message.answered;
    });
  }

  function tick() {
    let left = remaining;
    if (closesAt !== null && root.dataset.paused !== "yes") {
      left = Math.max(0, (closesAt - (Date.now() + offset)) / 1000);
    }
    root.querySelectorAll("[data-countdown]").forEach(function (node) {
      node.textContent = left === null ? "" : Math.ceil(left);
    });
    const up = closesAt !== null && left === 0 && root.dataset.phase === "open" && root.dataset.paused !== "yes";
    root.querySelectorAll("[data-timeup-show]").forEach(function (node) { node.hidden = !up; });
    root.querySelectorAll("[data-timeup-hide]").forEach(function (node) { node.hidden = up; });
    // The projector asks for the reveal when the server's time is up (the server checks again).
    if (up && root.dataset.liveAutoReveal === "yes" && revealAsked !== version) {
      revealAsked = version;
      send({ action: "reveal" });
    }
  }

  function send(payload) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(payload));
      return true;
    }
    return false;
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!root.contains(form) || !form.dataset.liveSend) return;
    if (!socket || socket.readyState !== WebSocket.OPEN) return; // the plain form post still works
    event.preventDefault();
    const data = new FormData(form, event.submitter);
    let payload;
    if (form.dataset.liveSend === "answer") {
      payload = { action: "answer", question: data.get("question"), form: {} };
      data.forEach(function (value, name) {
        if (name === "question" || name === "csrfmiddlewaretoken") return;
        (payload.form[name] = payload.form[name] || []).push(value);
      });
    } else {
      payload = { action: data.get("action"), seconds: data.get("seconds"), player: data.get("player") };
    }
    if (send(payload)) {
      form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
      setTimeout(function () {
        form.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
      }, 1500);
    }
  });

  setInterval(tick, 250);
  // A heartbeat: keeps proxies from closing an idle socket, and has the server join this socket to
  // the session's groups again (after a Redis restart, say).
  setInterval(function () { send({ action: "ping" }); }, 15000);
  connect();
})();
