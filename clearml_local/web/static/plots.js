// Reported plots and tables (report_plotly, report_table, ...): each event's Plotly figure.
(function () {
  document.querySelectorAll("[data-plots]").forEach(function (holder) {
    const plots = JSON.parse(document.getElementById(holder.dataset.plots).textContent);
    plots.forEach(function (plot) {
      const figure = plot.figure || {};
      const data = figure.data || [];
      const layout = Object.assign({}, figure.layout || {});
      const isTable = data.length > 0 && data.every((trace) => trace.type === "table");
      const isParcoords = data.some((trace) => trace.type === "parcoords");
      const rows = isTable ? Math.max(...data.map((t) => ((t.cells || {}).values || [[]])[0].length)) : 0;
      delete layout.width;
      layout.autosize = true;
      // Table cells wrap long text; leave each row room for two lines.
      layout.height = isTable ? Math.min(700, 120 + 44 * rows) : (layout.height || 450);
      layout.title = { text: plot.metric + " / " + plot.variant, x: 0.02 };
      layout.margin = Object.assign({ l: 60, r: 30, t: 50, b: 40 }, isTable ? { l: 10, r: 10 } : {},
        isParcoords ? { l: 70, r: 70, t: 100 } : {});
      const div = document.createElement("div");
      div.className = isTable ? "plot table-plot" : "plot";
      holder.appendChild(div);
      Plotly.newPlot(div, data, layout, { displaylogo: false, responsive: true });
    });
  });
})();
