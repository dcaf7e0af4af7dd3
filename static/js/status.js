/* Phone status page: this ticket's own news and its place in the queue, live. */
(function () {
  "use strict";
  var cfg = Loket.config();
  var t = cfg.t;
  var ticket = cfg.ticket;
  var token = location.pathname.split("/").pop();
  var lastSeq = -1;
  var placeSeq = -1;
  var live = null;

  function $(id) { return document.getElementById(id); }

  function stateText() {
    var counter = ticket.counter ? ticket.counter.number : "";
    switch (ticket.state) {
      case "issued": return t.issued;
      case "waiting": return t.waiting;
      case "called": return Loket.fmt(t.called, { n: counter });
      case "serving": return Loket.fmt(t.serving, { n: counter });
      case "done": return t.done;
      case "no_show": return t.no_show;
      default: return t.over;
    }
  }

  function render() {
    var box = $("ticket");
    box.dataset.state = ticket.state;
    $("state-text").textContent = stateText();
    var queued = ticket.state === "issued" || ticket.state === "waiting";
    $("queue-facts").hidden = !queued;
    $("position").textContent = ticket.position;
    $("wait").textContent = Loket.minutes(t, ticket.estimated_wait_s);
    document.title = (ticket.state === "called" ? "▶ " : "") + ticket.code + " — Loket";
  }

  function buzz() {
    if (navigator.vibrate) {
      try { navigator.vibrate([400, 200, 400, 200, 400]); } catch (err) { /* not allowed */ }
    }
  }

  render();
  live = Loket.connect({ ticket: token }, {
    snapshot: function (kind, data) {
      if (kind !== "ticket") return;
      ticket = data;
      lastSeq = data.seq;
      placeSeq = data.seq;
      render();
    },
    ticket: function (msg) {
      if (msg.seq <= lastSeq) return;
      lastSeq = msg.seq;
      var news = msg.ticket;
      var serviceChanged = news.service_id !== ticket.service.id;
      ticket.state = news.state;
      ticket.admitted = news.state !== "issued";
      ticket.counter = news.counter_number ? { number: news.counter_number } : null;
      if (msg.action === "call" || msg.action === "recall") buzz();
      render();
      // A transfer moves the ticket to another service's queue: reconnect to follow that one
      // (the snapshot brings its new service, place and estimate).
      if (serviceChanged && live) { live.socket.disconnect(); live.socket.connect(); }
    },
    position: function (msg) {
      if (msg.seq < placeSeq || msg.seq < lastSeq) return;
      placeSeq = msg.seq;
      ticket.position = msg.position;
      ticket.estimated_wait_s = msg.estimated_wait_s;
      if (msg.state) ticket.state = msg.state;
      render();
    },
  }, false);
})();
