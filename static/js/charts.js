// Draws every <canvas data-chart="ID"> from the JSON in the element ID (chargepoints.charts.Chart.chart_js_data).
// The Chart instances are kept in window.portalCharts by canvas id, where the browser tests read the drawn data.
(function () {
  "use strict";
  // At least 3:1 against the white card (WCAG 2.1 1.4.11) and told apart by more than hue: lines have points.
  const PALETTE = ["#1f5fa8", "#b54708", "#2e7d32", "#6a3d9a", "#a31545", "#00727a", "#5c5c5c", "#8a6d00"];
  const TEXT = "#495057";
  const GRID = "#dee2e6";
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  window.portalCharts = {};
  // One colour per series label on the whole page: a partner is the same colour in every chart.
  const colours = {};
  function colourOf(label) {
    if (!(label in colours)) colours[label] = PALETTE[Object.keys(colours).length % PALETTE.length];
    return colours[label];
  }

  function axis(title, extra) {
    return Object.assign(
      { title: { display: Boolean(title), text: title, color: TEXT }, ticks: { color: TEXT }, grid: { color: GRID } },
      extra
    );
  }

  function draw(canvas) {
    const spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
    const datasets = spec.datasets.map(function (dataset) {
      const colour = colourOf(dataset.label);
      const line = dataset.type === "line";
      return Object.assign({}, dataset, {
        backgroundColor: colour,
        borderColor: colour,
        borderWidth: line ? 2 : 0,
        pointRadius: line ? 3 : 0,
        order: line ? 0 : 1, // lines in front of bars
      });
    });
    const categories = axis(spec.xLabel, { stacked: true, ticks: { color: TEXT, maxRotation: 60, autoSkip: true } });
    const values = axis(spec.yLabel, spec.percent ? { stacked: true, min: 0, max: 100 } : { stacked: true, beginAtZero: true });
    // A horizontal chart lists its categories down the y axis, where long labels (station names) have room.
    const scales = spec.horizontal ? { y: categories, x: values } : { x: categories, y: values };
    if (spec.y2Label) {
      scales.y2 = axis(spec.y2Label, {
        position: "right",
        beginAtZero: true,
        grid: { drawOnChartArea: false },
        ticks: { color: TEXT, precision: spec.y2Integer ? 0 : undefined },
      });
    }
    window.portalCharts[canvas.id] = new Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 300 },
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { labels: { color: TEXT, boxWidth: 12 } } },
        scales: scales,
      },
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
