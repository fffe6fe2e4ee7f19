import { BarChart, LineChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TitleComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { Language } from '../../main/contract/messages.js';
import { CONSOLE_TEXT } from './console-text.js';

/**
 * Today's counts per hour, drawn by ECharts (tree-shaken `echarts/core`: bar + line charts, SVG
 * renderer, its built-in Chinese locale). No tooltip: it writes inline style attributes, which the
 * strict CSP refuses; the numbers are in the table beside the chart. ECharts' aria component gives
 * the chart a text description for screen readers.
 */
echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TitleComponent, AriaComponent, SVGRenderer]);

export interface HourCounts {
  hour: number;
  screened: number;
  passed: number;
  held: number;
  fever: number;
}

export function drawTodayChart(el: HTMLElement, hours: readonly HourCounts[], language: Language): () => void {
  const t = CONSOLE_TEXT[language];
  const chart = echarts.init(el, null, { renderer: 'svg', locale: language === 'zh' ? 'ZH' : 'EN' });
  chart.setOption({
    animation: false,
    aria: { enabled: true, decal: { show: true } },
    title: { text: t.chartTitle, left: 'center', textStyle: { color: '#111', fontSize: 16 } },
    legend: { bottom: 0, textStyle: { color: '#111' } },
    grid: { left: 40, right: 16, top: 40, bottom: 48 },
    xAxis: { type: 'category', data: hours.map((h) => `${String(h.hour).padStart(2, '0')}`), axisLabel: { color: '#222' } },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#222' } },
    series: [
      { name: t.passed, type: 'bar', stack: 'n', data: hours.map((h) => h.passed), itemStyle: { color: '#1b5e20' } },
      { name: t.held, type: 'bar', stack: 'n', data: hours.map((h) => h.held), itemStyle: { color: '#b3261e' } },
      { name: t.fever, type: 'line', data: hours.map((h) => h.fever), itemStyle: { color: '#8d4e00' }, lineStyle: { width: 2 } },
    ],
  });
  return () => chart.dispose();
}
