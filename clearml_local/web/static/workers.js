// Workers and queues, live: counts and workers change in place; a changed queue order reloads.
(function () {
  const order = (queues) => queues.map((q) => q.id + ":" + q.entries.map((e) => e.id).join(",")).join(";");
  const shown = order(Array.from(document.querySelectorAll("[data-queue]"), (div) => ({
    id: div.dataset.queue,
    entries: Array.from(div.querySelectorAll("tr[data-task]"), (row) => ({ id: row.dataset.task })),
  })));

  function text(selector, value) {
    const node = document.querySelector(selector);
    if (node && node.textContent !== String(value)) node.textContent = value;
  }
  function update(page) {
    Object.entries(page.counts).forEach(([name, value]) => text('[data-count="' + name + '"]', value));
    page.queues.forEach((q) => text('[data-queue-count="' + CSS.escape(q.id) + '"]', q.pending));
    const rows = document.querySelectorAll("tr[data-worker]");
    const busy = document.activeElement && document.activeElement.matches("select, input");
    if (!busy && (order(page.queues) !== shown || rows.length !== page.workers.length)) {
      window.location.reload();
      return;
    }
    page.workers.forEach(function (w) {
      const row = document.querySelector('tr[data-worker="' + CSS.escape(w.id) + '"]');
      if (!row) return;
      const task = row.querySelector('[data-cell="task"]');
      const name = w.task ? w.task.name : "idle";
      if (task.textContent !== name) {
        task.replaceChildren();
        const node = document.createElement(w.task ? "a" : "span");
        if (w.task) node.href = w.task.url; else node.className = "muted";
        node.textContent = name;
        task.appendChild(node);
      }
      const stamp = w.last_report ? w.last_report.slice(0, 19).replace("T", " ") : "";
      row.querySelector('[data-cell="last_report"]').textContent =
        stamp + (w.seconds_ago != null ? " (" + w.seconds_ago + " s ago)" : "");
    });
  }
  pollTwin(update);
})();
