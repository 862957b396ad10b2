// Scalar charts: one per metric, its series overlaid over iterations. Data: [{metric, series}].
(function () {
  const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#e7969c", "#637939", "#ad494a", "#6b6ecf",
    "#8c6d31", "#a55194", "#3182bd", "#e6550d", "#31a354"];
  const DASHES = ["solid", "dot", "dash", "dashdot", "longdash"];

  function trace(series) {
    const t = { type: "scatter", name: series.name, x: series.x, y: series.y,
      mode: series.x.length > 1 ? "lines" : "markers",
      hovertemplate: "%{y:.4g} at %{x}<extra>" + series.name.replace(/</g, "&lt;") + "</extra>" };
    if (series.group !== undefined) {
      const color = PALETTE[series.group % PALETTE.length];
      t.line = { color: color, dash: DASHES[series.dash % DASHES.length], width: 2 };
      t.marker = { color: color, size: 8 };
    }
    return t;
  }
  document.querySelectorAll("[data-scalars]").forEach(function (holder) {
    const charts = JSON.parse(document.getElementById(holder.dataset.scalars).textContent);
    charts.forEach(function (chart) {
      const div = document.createElement("div");
      div.className = "chart";
      holder.appendChild(div);
      Plotly.newPlot(div, chart.series.map(trace), {
        title: { text: chart.metric, x: 0.02 }, height: 340,
        margin: { l: 55, r: 20, t: 45, b: 40 }, hovermode: "closest",
        xaxis: { title: { text: "iteration" }, automargin: true },
        yaxis: { automargin: true },
        legend: { font: { size: 11 } },
        showlegend: chart.series.length > 1,
      }, { displaylogo: false, responsive: true });
    });
  });
})();
