// The charts of the reports page, drawn with Chart.js from the JSON the page embeds (#report-chart-data):
// tickets and closed per month (bars), the rates per month in % (lines, bars for a single month; a month
// without a denominator is a gap, never 0), satisfaction per tier-1 group (bars, 1–5). Labels come translated from the server.
(function () {
  'use strict';
  const source = document.getElementById('report-chart-data');
  if (!source || typeof window.Chart === 'undefined') { return; }
  const data = JSON.parse(source.textContent);
  const colours = ['#1d5fbf', '#2f9e6a', '#d9822b', '#8e44ad', '#c0262d', '#17a2b8'];
  const font = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  Chart.defaults.font.family = font;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  function datasets(series, kind) {
    return series.map(function (one, index) {
      const colour = colours[index % colours.length];
      return { label: one.label, data: one.data, backgroundColor: kind === 'line' ? colour : colour + 'cc',
               borderColor: colour, borderWidth: kind === 'line' ? 2 : 1, spanGaps: false, tension: 0.2 };
    });
  }

  function draw(id, type, labels, series, scale) {
    const canvas = document.getElementById(id);
    if (!canvas) { return; }
    return new Chart(canvas, {
      type: type,
      data: { labels: labels, datasets: datasets(series, type) },
      options: { scales: { x: { offset: true }, y: Object.assign({ beginAtZero: true }, scale || {}) },
                 plugins: { legend: { position: 'bottom' } } }
    });
  }

  window.reportCharts = [
    draw('chart-volume', 'bar', data.months, data.volume, { ticks: { precision: 0 } }),
    // one month has no line to draw: its rates read better side by side as bars
    draw('chart-rates', data.months.length > 1 ? 'line' : 'bar', data.months, data.rates, { max: 100 }),
    draw('chart-satisfaction', 'bar', data.groups, data.satisfaction, { max: 5 })
  ].filter(Boolean);
}());
