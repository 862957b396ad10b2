// Parallel coordinates: an axis per differing hyperparameter, the chosen metric last and as
// the colour, one line per experiment. Brushing (dragging along an axis) is Plotly's own.
(function () {
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
  });
})();
