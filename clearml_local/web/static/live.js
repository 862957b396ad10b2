// A running experiment's page reloads when its status, iteration or console grows.
(function () {
  const holder = document.querySelector("[data-live]");
  if (!holder || holder.dataset.live !== "true") return;
  const twin = document.querySelector("link[rel=alternate][type='application/json']").href;
  const seen = holder.dataset.state;
  function poll() {
    if (document.hidden) { setTimeout(poll, 5000); return; }
    fetch(twin, { headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then(function (page) {
        const e = page.experiment;
        // A search controller's page follows its experiments in place (search.js); it
        // reloads only when the controller's own status changes.
        const state = holder.dataset.watch === "status" ? e.status
          : [e.status, e.last_iteration, page.log.total].join(" ");
        if (state !== seen) window.location.reload();
        else setTimeout(poll, 5000);
      })
      .catch(() => setTimeout(poll, 5000));
  }
  setTimeout(poll, 5000);
})();
