// The dashboard's live updates: the server sends the job list as HTML
// (rendered and escaped on the server) in "jobs" events; this script puts
// it in place. EventSource reconnects by itself after an error.
"use strict";
(function () {
  const jobs = document.getElementById("jobs");
  const live = document.getElementById("live");
  const events = new EventSource("events");
  events.addEventListener("open", function () {
    live.textContent = "live";
    live.className = "live on";
  });
  events.addEventListener("jobs", function (e) {
    jobs.innerHTML = e.data;
    jobs.dataset.version = e.lastEventId;
  });
  events.addEventListener("error", function () {
    live.textContent = "reconnecting";
    live.className = "live off";
  });
  window.addEventListener("pagehide", function () { events.close(); });
})();
