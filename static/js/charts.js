/* Charts of the report pages, drawn with the vendored ECharts in SVG (sharp on paper).
 *
 * Markup: <div class="chart" data-chart="trend|bars|lines|barline|heatmap" data-source="ID"></div>, where ID is the
 * id of a {{ data|json_script:"ID" }} element. No inline script: the CSP allows only 'self'.
 * A drawn chart gets data-drawn="true" (the browser tests wait for it).
 */
(function () {
  "use strict";

  var palette = ["#0d6efd", "#adb5bd", "#198754", "#dc3545", "#fd7e14", "#6f42c1"];
  var charts = [];

  function readData(el) {
    var source = document.getElementById(el.dataset.source);
    return source ? JSON.parse(source.textContent) : null;
  }

  function base() {
    return {
      animation: false,
      aria: { enabled: true },
      color: palette,
      tooltip: { trigger: "axis", confine: true },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true }
    };
  }

  var builders = {
    // 12-month trend: composite score on the left axis (from 0, see composite_axis), city rank (1 at the
    // top) on the right. The legend names both lines, so the axes carry no names that could collide with
    // the last month's labels. Months without a result are gaps, shaded and labelled as such.
    trend: function (d, el) {
      var option = base();
      // A month's "no result" label needs room: on a phone the shading and the note below the chart say it.
      var roomy = el.clientWidth / Math.max(d.months.length, 1) >= 56;
      var axis = d.composite_axis || { min: 0, max: 100 };
      option.grid = { left: 8, right: 8, top: 48, bottom: 8, containLabel: true };
      option.xAxis = { type: "category", data: d.months, axisLabel: { hideOverlap: true } };
      option.yAxis = [
        { type: "value", min: axis.min, max: axis.max, splitNumber: 5 },
        { type: "value", inverse: true, minInterval: 1, min: 1, max: d.rank_max || null, splitLine: { show: false } }
      ];
      var gaps = (d.gaps || []).map(function (month) {
        return [{ xAxis: month, name: d.labels.gap }, { xAxis: month }];
      });
      option.series = [
        {
          name: d.labels.composite, type: "line", data: d.composite, symbolSize: 6,
          label: { show: true, position: "top" }, labelLayout: { hideOverlap: true },
          markArea: {
            silent: true, itemStyle: { color: "rgba(173, 181, 189, 0.18)" },
            label: { show: roomy, position: "insideTop", color: "#6c757d", fontSize: 11 },
            data: gaps
          }
        },
        { name: d.labels.rank, type: "line", yAxisIndex: 1, data: d.rank, lineStyle: { type: "dashed" }, symbolSize: 6 }
      ];
      return option;
    },
    // Grouped bars: {categories: [...], series: [{name, data}]}.
    bars: function (d) {
      var option = base();
      option.xAxis = { type: "category", data: d.categories, axisLabel: { interval: 0, rotate: d.categories.length > 6 ? 30 : 0 } };
      option.yAxis = { type: "value" };
      option.series = d.series.map(function (s) {
        return { name: s.name, type: "bar", barMaxWidth: 48, data: s.data, label: { show: d.categories.length <= 12, position: "top" } };
      });
      return option;
    },
    // Lines over months: {categories: [months], series: [{name, data}]}; a gap where a month has no data.
    lines: function (d) {
      var option = base();
      option.legend = { top: 0, type: "scroll" };
      option.xAxis = { type: "category", data: d.categories };
      option.yAxis = { type: "value", scale: true };
      option.series = d.series.map(function (s, i) {
        return { name: s.name, type: "line", data: s.data, symbolSize: 5, lineStyle: { width: i === 0 ? 3 : 1.5 } };
      });
      return option;
    },
    // Counts as bars (left axis) and a rate as a line (right axis): {categories, bar: {name, data}, line: {name, data}}.
    barline: function (d) {
      var option = base();
      option.xAxis = { type: "category", data: d.categories };
      option.yAxis = [
        { type: "value", name: d.bar.name, minInterval: 1 },
        { type: "value", name: d.line.name, splitLine: { show: false } }
      ];
      option.series = [
        { name: d.bar.name, type: "bar", barMaxWidth: 32, data: d.bar.data },
        { name: d.line.name, type: "line", yAxisIndex: 1, data: d.line.data, symbolSize: 6 }
      ];
      return option;
    },
    // Weak-item heat map: x districts, y level-2 indicators, value = share of points lost (%).
    heatmap: function (d) {
      return {
        animation: false,
        aria: { enabled: true },
        tooltip: {
          position: "top",
          confine: true,
          // Names are data: escape them, the tooltip is HTML.
          formatter: function (p) {
            var esc = echarts.format.encodeHTML;
            return esc(d.y[p.value[1]]) + " · " + esc(d.x[p.value[0]]) + "：" + p.value[2] + "%";
          }
        },
        grid: { left: 8, right: 8, top: 8, bottom: 56, containLabel: true },
        xAxis: { type: "category", data: d.x, splitArea: { show: true }, axisLabel: { interval: 0, rotate: d.x.length > 6 ? 30 : 0 } },
        yAxis: { type: "category", data: d.y, inverse: true, splitArea: { show: true } },
        visualMap: {
          min: 0, max: Math.max(d.max, 1), calculable: true, orient: "horizontal", left: "center", bottom: 0,
          text: [d.label, ""], inRange: { color: ["#f8f9fa", "#ffc107", "#dc3545"] }
        },
        series: [{ type: "heatmap", data: d.cells, label: { show: true }, emphasis: { itemStyle: { borderColor: "#333", borderWidth: 1 } } }]
      };
    }
  };

  function draw(el) {
    var data = readData(el);
    var build = builders[el.dataset.chart];
    if (!data || !build || typeof echarts === "undefined") { return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(build(data, el));
    charts.push(chart);
    el.dataset.drawn = "true";
  }

  function resizeAll() {
    charts.forEach(function (chart) { chart.resize(); });
  }

  document.querySelectorAll("[data-chart]").forEach(draw);
  window.addEventListener("resize", resizeAll);
  // Printing changes the page width: redraw so the SVG fits the paper.
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);
})();
