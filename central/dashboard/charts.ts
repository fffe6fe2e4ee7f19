/**
 * The dashboard's chart (browser bundle, dist/central/dashboard.js): ECharts through its tree-shaken
 * `echarts/core` imports, with ECharts' own Chinese locale. It draws from the JSON the page embeds;
 * the same figures are in the page's tables, which is what assistive technology reads.
 */
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import langZH from 'echarts/i18n/langZH-obj.js';

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);
echarts.registerLocale('ZH', langZH);

interface Embedded {
  lang: 'zh' | 'en';
  hours: Array<{ checkpointId: string; hour: string; screened: number; passed: number; held: number; fevers: number }>;
  labels: { screened: string; passed: string; held: string; fevers: string };
}

function draw(): void {
  const el = document.getElementById('hour-chart');
  const dataEl = document.getElementById('dashboard-data');
  if (!el || !dataEl?.textContent) return;
  const data = JSON.parse(dataEl.textContent) as Embedded;
  const hours = [...new Set(data.hours.map((h) => h.hour))].sort();
  const sum = (key: 'screened' | 'passed' | 'held' | 'fevers') => hours.map((hour) => data.hours.filter((h) => h.hour === hour).reduce((n, h) => n + h[key], 0));
  const chart = echarts.init(el, undefined, { locale: data.lang === 'zh' ? 'ZH' : 'EN', renderer: 'canvas' });
  // Colours with at least 3:1 contrast against white (WCAG 1.4.11 for graphical objects).
  chart.setOption({
    aria: { enabled: false },
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 40, bottom: 48 },
    xAxis: { type: 'category', data: hours.map((h) => h.slice(5).replace('T', ' ')) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: data.labels.screened, type: 'bar', data: sum('screened'), itemStyle: { color: '#1f4e9c' } },
      { name: data.labels.passed, type: 'bar', data: sum('passed'), itemStyle: { color: '#1b6e3a' } },
      { name: data.labels.held, type: 'bar', data: sum('held'), itemStyle: { color: '#b35900' } },
      { name: data.labels.fevers, type: 'bar', data: sum('fevers'), itemStyle: { color: '#b3261e' } },
    ],
  });
  window.addEventListener('resize', () => chart.resize());
  el.dataset.drawn = 'true';
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw);
else draw();
