// The live pages' one poller: fetch a page's JSON twin every few seconds, while the tab shows.
// pollTwin(update, {url, every, wanted}): update(page) gets each answer; polling goes on while
// wanted() is true (default: always); url defaults to this page's twin (<link rel=alternate>).
function pollTwin(update, options) {
  const opts = options || {};
  const url = opts.url || document.querySelector("link[rel=alternate][type='application/json']").href;
  const every = opts.every || 3000;
  const wanted = opts.wanted || (() => true);
  function poll() {
    if (!wanted()) return;
    if (document.hidden) { setTimeout(poll, every); return; }
    fetch(url, { headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then(update)
      .catch(() => {})
      .finally(() => setTimeout(poll, every));
  }
  setTimeout(poll, every);
}
