// A running experiment's page reloads when its status, iteration or console grows.
(function () {
  const holder = document.querySelector("[data-live]");
  if (!holder || holder.dataset.live !== "true") return;
  const seen = holder.dataset.state;
  let reloading = false;
  pollTwin(function (page) {
    const e = page.experiment;
    // A search controller's page follows its experiments in place (search.js); it
    // reloads only when the controller's own status changes.
    const state = holder.dataset.watch === "status" ? e.status
      : [e.status, e.last_iteration, page.log.total].join(" ");
    if (state !== seen) { reloading = true; window.location.reload(); }
  }, { every: 5000, wanted: () => !reloading });
})();
