// The experiments table: select rows to compare, and follow running experiments live.
(function () {
  const table = document.getElementById("experiments");
  if (!table) return;
  const boxes = () => Array.from(table.querySelectorAll("tbody input[name=ids]"));
  const button = document.getElementById("compare-selected");
  const selectAll = document.getElementById("select-all");

  const actionButtons = Array.from(document.querySelectorAll("#table-actions button[data-action]"));

  // Why an action's button is off for these rows, or "" (the rows say which actions they allow).
  function whyNot(button, rows) {
    const name = button.dataset.action;
    const able = rows.filter((row) => row.dataset.actions.split(" ").includes(name));
    if (!rows.length) return ["Select experiments first.", able];
    if (button.dataset.single === "true" && rows.length > 1)
      return [button.dataset.label + " works on one experiment at a time.", able];
    if (!able.length)
      return ["Not for the selected experiments: " + button.dataset.reason + ".", able];
    return ["", able];
  }
  function showActions(rows) {
    actionButtons.forEach(function (button) {
      const [why, able] = whyNot(button, rows);
      button.disabled = why !== "";
      button.title = why || (able.length < rows.length ? able.length + " of the " + rows.length +
        " selected: the others are left out" : "");
      const count = !why && able.length > 1 ? " " + able.length : "";
      button.textContent = button.dataset.label + count;
    });
  }
  function showSelection() {
    const chosen = boxes().filter((box) => box.checked);
    const count = chosen.length;
    button.disabled = count === 0;
    button.textContent = count ? "Compare " + count + " selected" : "Compare selected";
    showActions(chosen.map((box) => box.closest("tr")));
  }
  selectAll.addEventListener("change", function () {
    boxes().forEach((box) => { box.checked = selectAll.checked; });
    showSelection();
  });
  table.addEventListener("change", showSelection);
  showSelection();

  // While anything runs, poll this page's JSON twin and update the cells that change.
  const STATUS_LABELS = { in_progress: "running", created: "draft", stopped: "aborted",
    queued: "pending" };

  function number(value) {
    if (typeof value !== "number") return value == null ? "" : String(value);
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  }
  function duration(seconds) {
    if (seconds == null) return "";
    seconds = Math.floor(seconds);
    const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    if (h) return h + "h " + String(m).padStart(2, "0") + "m";
    return m ? m + "m " + String(s).padStart(2, "0") + "s" : s + "s";
  }
  function when(stamp) {
    return stamp ? stamp.slice(0, 19).replace("T", " ") : "";
  }
  function setCell(row, name, text) {
    const cell = row.querySelector('[data-cell="' + CSS.escape(name) + '"]');
    if (cell && cell.textContent !== text) cell.textContent = text;
    return cell;
  }
  function update(page) {
    const rows = Array.from(table.querySelectorAll("tbody tr[data-id]"));
    const same = rows.length === page.experiments.length &&
      rows.every((row, i) => row.dataset.id === page.experiments[i].id) &&
      page.columns.metrics.every((m) => table.querySelector('[data-cell="metric:' + CSS.escape(m.key) + '"]'));
    if (!same) { window.location.reload(); return; }
    page.experiments.forEach(function (experiment, i) {
      const row = rows[i];
      row.dataset.actions = experiment.actions.join(" ");
      const pill = row.querySelector('[data-cell="status"] .status');
      pill.className = "status status-" + experiment.status;
      pill.textContent = STATUS_LABELS[experiment.status] || experiment.status;
      setCell(row, "queue", experiment.queue ? experiment.queue.name : "");
      setCell(row, "started", when(experiment.started));
      setCell(row, "duration", duration(experiment.duration));
      page.columns.metrics.forEach(function (m) {
        const entry = experiment.metrics[m.key];
        setCell(row, "metric:" + m.key, entry ? number(entry.last) : "");
      });
    });
    table.dataset.running = page.running ? "true" : "false";
    showSelection();
  }
  pollTwin(update, { wanted: () => table.dataset.running === "true" });
})();
