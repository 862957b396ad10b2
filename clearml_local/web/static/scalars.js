// Scalar charts: one per metric, its series overlaid. Data: [{metric, series: [{name, x, y, t}]}].
// Above them, as in ClearML: smoothing, log scale, and the x-axis as iteration, time since the
// first report, or wall time. A click on a legend entry hides or shows that series.
(function () {
  const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#e7969c", "#637939", "#ad494a", "#6b6ecf",
    "#8c6d31", "#a55194", "#3182bd", "#e6550d", "#31a354"];
  const DASHES = ["solid", "dot", "dash", "dashdot", "longdash"];
  const AXES = { iter: "iteration", relative: "seconds since the first report", wall: "time" };

  // TensorBoard's (and ClearML's) debiased exponential moving average.
  function smooth(values, weight) {
    let last = 0;
    return values.map(function (value, i) {
      last = last * weight + (1 - weight) * value;
      return last / (1 - Math.pow(weight, i + 1));
    });
  }
  function xValues(series, axis) {
    if (axis === "iter" || !series.t || !series.t.length) return series.x;
    if (axis === "wall") return series.t.map((ms) => new Date(ms));
    return series.t.map((ms) => (ms - series.t[0]) / 1000);
  }
  function colorOf(series, index) {
    return PALETTE[(series.group !== undefined ? series.group : index) % PALETTE.length];
  }
  function traces(series, index, options) {
    const color = colorOf(series, index);
    const x = xValues(series, options.axis);
    const line = { color: color, dash: DASHES[(series.dash || 0) % DASHES.length], width: 2 };
    const raw = { type: "scatter", name: series.name, x: x, y: series.y, legendgroup: "s" + index,
      mode: series.x.length > 1 ? "lines" : "markers", line: line, marker: { color: color, size: 8 },
      hovertemplate: "%{y:.4g} at %{x}<extra>" + series.name.replace(/</g, "&lt;") + "</extra>" };
    if (!options.smoothing || series.x.length < 2) return [raw];
    raw.opacity = 0.25;
    raw.showlegend = false;
    raw.hoverinfo = "skip";
    delete raw.hovertemplate;
    const smoothed = Object.assign({}, raw, { y: smooth(series.y, options.smoothing), opacity: 1,
      showlegend: true, hoverinfo: undefined,
      hovertemplate: "%{y:.4g} at %{x} (smoothed)<extra>" + series.name.replace(/</g, "&lt;") + "</extra>" });
    return [raw, smoothed];
  }
  function layout(chart, options) {
    return { title: { text: chart.metric, x: 0.02 }, height: 340,
      margin: { l: 55, r: 20, t: 45, b: 40 }, hovermode: "closest",
      xaxis: { title: { text: AXES[options.axis] }, automargin: true,
        type: options.axis === "wall" ? "date" : "linear" },
      yaxis: { automargin: true, type: options.log ? "log" : "linear" },
      legend: { font: { size: 11 } }, showlegend: chart.series.length > 1 };
  }
  function draw(div, chart, options) {
    // Series the reader hid stay hidden when the chart is redrawn with other options.
    const hidden = new Set((div.data || []).filter((t) => t.visible === "legendonly")
      .map((t) => t.legendgroup));
    const data = chart.series.flatMap((series, i) => traces(series, i, options));
    data.forEach((t) => { if (hidden.has(t.legendgroup)) t.visible = "legendonly"; });
    Plotly.react(div, data, layout(chart, options), { displaylogo: false, responsive: true });
  }
  function controls(holder, redraw) {
    const bar = document.createElement("form");
    bar.className = "scalar-controls";
    bar.innerHTML = '<label>Smoothing <input type="range" name="smoothing" min="0" max="0.99"' +
      ' step="0.01" value="0"> <output name="shown">0</output></label>' +
      '<label><input type="checkbox" name="log"> Log scale</label>' +
      '<label>X axis <select name="axis"><option value="iter">Iteration</option>' +
      '<option value="relative">Relative time</option><option value="wall">Wall time</option>' +
      "</select></label>";
    bar.addEventListener("submit", (event) => event.preventDefault());
    bar.addEventListener("input", function () {
      bar.elements.shown.value = bar.elements.smoothing.value;
      redraw({ smoothing: Number(bar.elements.smoothing.value), log: bar.elements.log.checked,
        axis: bar.elements.axis.value });
    });
    holder.parentNode.insertBefore(bar, holder);
  }
  document.querySelectorAll("[data-scalars]").forEach(function (holder) {
    const charts = JSON.parse(document.getElementById(holder.dataset.scalars).textContent);
    if (!charts.length) return;
    const divs = charts.map(function () {
      const div = document.createElement("div");
      div.className = "chart";
      holder.appendChild(div);
      return div;
    });
    const redraw = (options) => charts.forEach((chart, i) => draw(divs[i], chart, options));
    controls(holder, redraw);
    redraw({ smoothing: 0, log: false, axis: "iter" });
  });
})();
