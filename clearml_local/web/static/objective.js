// A search's objective against each searched parameter: one scatter per parameter (a log axis
// for a log-uniform one), a point per finished clone; clicking a point opens that clone.
(function () {
  document.querySelectorAll("[data-objective]").forEach(function (holder) {
    const panel = JSON.parse(document.getElementById(holder.dataset.objective).textContent);
    panel.parameters.forEach(function (p) {
      const div = document.createElement("div");
      div.className = "chart";
      div.dataset.param = p.name;
      holder.appendChild(div);
      Plotly.newPlot(div, [{
        type: "scatter", mode: "markers", x: p.x, y: p.y, text: p.names, customdata: p.urls,
        hovertemplate: "%{text}<br>" + p.name + " = %{x}<br>" + panel.label + " = %{y}<extra></extra>",
        marker: { size: 9, color: p.y, colorscale: "Viridis", reversescale: panel.reverse },
      }], {
        title: { text: p.name, font: { size: 14 } }, height: 300,
        margin: { l: 60, r: 20, t: 40, b: 45 },
        xaxis: { title: { text: p.name }, type: p.log ? "log" : "-" },
        yaxis: { title: { text: panel.label } },
      }, { displaylogo: false, responsive: true });
      div.on("plotly_click", function (event) {
        window.location.href = event.points[0].customdata;
      });
    });
  });
})();
