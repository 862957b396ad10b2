// A search's experiments, live: the statuses and the leaderboard follow the search's JSON twin.
(function () {
  const holder = document.getElementById("search");
  if (!holder) return;
  const LABELS = { in_progress: "running", created: "draft", stopped: "aborted", queued: "pending" };
  const label = (status) => LABELS[status] || status;

  function number(value) {
    if (typeof value !== "number") return value == null ? "" : String(value);
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  }
  function cell(row, content, className) {
    const td = row.insertCell();
    if (className) td.className = className;
    if (content instanceof Node) td.appendChild(content); else td.textContent = content;
  }
  function pill(status) {
    const span = document.createElement("span");
    span.className = "status status-" + status;
    span.textContent = label(status);
    return span;
  }
  function link(row) {
    const a = document.createElement("a");
    a.href = row.url;
    a.textContent = row.name;
    return a;
  }
  function update(search) {
    holder.querySelector('[data-search="count"]').textContent = search.count;
    holder.querySelector('[data-search="statuses"]').textContent = Object.keys(search.statuses)
      .sort().map((name) => search.statuses[name] + " " + label(name)).join(", ");
    const table = holder.querySelector("table.leaderboard");
    // New columns (a hyperparameter starts to differ) need the server's layout.
    if (!table || table.tHead.rows[0].cells.length - 4 !== search.params.length) {
      if (search.count) window.location.reload();
      return;
    }
    const body = document.createElement("tbody");
    search.experiments.forEach(function (row) {
      const tr = body.insertRow();
      tr.dataset.id = row.id;
      cell(tr, String(row.rank), "n");
      cell(tr, link(row), "name");
      cell(tr, pill(row.status));
      cell(tr, number(row.score), "n");
      search.params.forEach((key) => cell(tr, row.params[key] == null ? "" : row.params[key], "n"));
    });
    table.replaceChild(body, table.tBodies[0]);
    holder.dataset.running = search.running ? "true" : "false";
  }
  pollTwin(update, { url: holder.dataset.twin, wanted: () => holder.dataset.running === "true" });
})();
