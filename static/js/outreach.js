// Outreach funnel charts. Data comes from {{ chart|json_script:"…" }}; no inline script (CSP).
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return;
  }
  window.Chart.defaults.locale = "vi-VN"; // axis ticks as 1.274 and 2,5
  var colours = ["#0d6efd", "#6f42c1", "#198754", "#fd7e14", "#dc3545"];
  var numberFormat = new Intl.NumberFormat("vi-VN");

  function readData(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  // Long labels on two or more lines instead of cut off (Chart.js draws an array as several lines).
  function wrap(label, width) {
    var words = String(label).split(" "), lines = [], line = "";
    words.forEach(function (word) {
      if (line && (line + " " + word).length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) {
      lines.push(line);
    }
    return lines.length > 1 ? lines : label;
  }

  function drawTotal(canvas, data) {
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.total.map(function (step) { return wrap(step.label, 16); }),
        datasets: [{
          data: data.total.map(function (step) { return step.value; }),
          backgroundColor: colours,
        }],
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (ctx) { return numberFormat.format(ctx.parsed.x); } } },
        },
        scales: {
          x: {
            type: "logarithmic",
            title: { display: true, text: data.logScaleLabel || "log" },
            ticks: {
              // Powers of ten only: the steps differ by orders of magnitude.
              callback: function (v) { return Math.log10(v) % 1 === 0 ? numberFormat.format(v) : ""; },
            },
          },
          y: { ticks: { autoSkip: false } },
        },
      },
    });
  }

  function drawGroups(canvas, data) {
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels.map(function (label) { return wrap(label, 18); }),
        datasets: data.series.filter(function (s) { return s.key !== "reached"; }).map(function (series, index) {
          return { label: series.label, data: series.values, backgroundColor: colours[(index + 1) % colours.length] };
        }),
      },
      options: {
        maintainAspectRatio: false,
        plugins: {
          tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + numberFormat.format(ctx.parsed.y); } } },
        },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { autoSkip: false, maxRotation: 60 } } },
      },
    });
  }

  document.querySelectorAll("canvas[data-outreach-chart]").forEach(function (canvas) {
    var data = readData(canvas.dataset.source);
    if (!data) {
      return;
    }
    if (canvas.dataset.outreachChart === "total") {
      drawTotal(canvas, data);
    } else {
      drawGroups(canvas, data);
    }
  });
})();
