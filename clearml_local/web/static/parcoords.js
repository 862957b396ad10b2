// Parallel coordinates: an axis per differing hyperparameter, the chosen metric last and as
// the colour, one line per experiment. Brushing (dragging along an axis) is Plotly's own; the
// results table below fades the experiments the brushes leave out.
(function () {
  function within(value, range) {
    if (!range) return true;
    const ranges = Array.isArray(range[0]) ? range : [range];
    return ranges.some((r) => value >= r[0] && value <= r[1]);
  }

  function fadeTableRows(div, ids, note) {
    const dimensions = div.data[0].dimensions;
    const kept = new Set(ids.filter((id, i) =>
      dimensions.every((d) => within(d.values[i], d.constraintrange))));
    document.querySelectorAll("table.compare tbody tr[data-id]").forEach(function (row) {
      row.classList.toggle("brushed-out", ids.includes(row.dataset.id) && !kept.has(row.dataset.id));
    });
    note.textContent = kept.size < ids.length ? kept.size + " of " + ids.length + " lines kept." : "";
  }

  document.querySelectorAll("[data-parcoords]").forEach(function (div) {
    const p = JSON.parse(document.getElementById(div.dataset.parcoords).textContent);
    if (!p.dimensions.length) {
      div.textContent = "No experiment has a value for this metric.";
      div.className += " muted";
      return;
    }
    Plotly.newPlot(div, [{
      type: "parcoords",
      dimensions: p.dimensions,
      line: { color: p.color, colorscale: "Viridis", reversescale: p.reverse, showscale: true,
        colorbar: { title: { text: p.color_label, side: "right" }, thickness: 14 } },
      labelangle: 0, labelside: "top",
      labelfont: { size: 13 }, tickfont: { size: 11 },
    }], { height: 440, margin: { l: 70, r: 90, t: 70, b: 30 } },
    { displaylogo: false, responsive: true });
    const note = document.getElementById("brush-note");
    div.on("plotly_restyle", () => fadeTableRows(div, p.ids, note));
  });
})();
