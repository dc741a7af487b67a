// Home page dashboard: Chart.js charts fed by the json_script "dashboard-data" (no inline scripts: CSP).
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  Chart.defaults.locale = "vi-VN"; // axis ticks as 1.274 and 2,5
  var data = JSON.parse(source.textContent);
  var number = new Intl.NumberFormat("vi-VN");
  var common = {
    responsive: true,
    maintainAspectRatio: false,
    plugins: { tooltip: { callbacks: { label: function (ctx) {
      return (ctx.dataset.label ? ctx.dataset.label + ": " : "") + number.format(ctx.parsed.y !== undefined ? ctx.parsed.y : ctx.parsed);
    } } } },
  };

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) {
      new Chart(canvas, config);
    }
  }

  // Horizontal bars: unit names stay whole; counts are whole numbers on the axis.
  draw("chart-units", {
    type: "bar",
    data: {
      labels: data.units.labels,
      datasets: [
        { label: data.units.departedLabel, data: data.units.departed, backgroundColor: "#0d6efd" },
        { label: data.units.targetLabel, data: data.units.target, backgroundColor: "#adb5bd" },
      ],
    },
    options: Object.assign({}, common, {
      indexAxis: "y",
      plugins: { tooltip: { callbacks: { label: function (ctx) {
        return ctx.dataset.label + ": " + number.format(ctx.parsed.x);
      } } } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { ticks: { autoSkip: false } } },
    }),
  });
  draw("chart-monthly", {
    type: "line",
    data: {
      labels: data.monthly.labels,
      datasets: [
        { label: data.monthly.cumulativeLabel, data: data.monthly.cumulative, borderColor: "#0d6efd", tension: 0.1 },
        { label: data.monthly.proRataLabel, data: data.monthly.proRata, borderColor: "#dc3545", borderDash: [6, 4] },
      ],
    },
    options: Object.assign({}, common, { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }),
  });
  draw("chart-markets", {
    type: "doughnut",
    data: {
      labels: data.markets.labels,
      datasets: [{ data: data.markets.values, backgroundColor: ["#dc3545", "#0d6efd", "#198754", "#adb5bd"] }],
    },
    options: { responsive: true, maintainAspectRatio: false },
  });
  if (data.years) {
    draw("chart-years", {
      type: "bar",
      data: {
        labels: data.years.labels,
        datasets: [
          { label: data.years.registryLabel, data: data.years.registry, backgroundColor: "#0d6efd" },
          { label: data.years.historyLabel, data: data.years.history, backgroundColor: "#adb5bd" },
        ],
      },
      options: Object.assign({}, common, {
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      }),
    });
  }
  draw("chart-trend", {
    type: "line",
    data: {
      labels: data.trend.labels,
      datasets: [{ label: data.trend.label, data: data.trend.percent, borderColor: "#198754" }],
    },
    options: common,
  });
})();
