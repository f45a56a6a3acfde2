// The grade distribution of a grading run, drawn as SVG from the json_script data.
(function () {
  "use strict";
  var el = document.getElementById("grade-chart");
  var source = document.getElementById("grade-chart-data");
  if (!el || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    grid: { left: 32, right: 8, top: 16, bottom: 24 },
    xAxis: { type: "category", data: data.grades },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: data.counts, label: { show: true, position: "top" } }],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
