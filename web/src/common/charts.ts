// Charts for the report views: ECharts with only the parts they use (line and bar charts, grid, tooltip, legend,
// canvas renderer), so the bundle stays small. Every chart comes with words for screen readers: the container is an
// image named by a summary, and the figures themselves are in a data table beside it.

import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { h } from './dom';

echarts.use([LineChart, BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export interface Series { name: string; kind: 'line' | 'bar'; values: (number | null)[]; unit?: string }

const COLORS = ['#0550ae', '#bc4c00', '#1a7f37', '#8250df'];
const charts = new Set<echarts.ECharts>();
window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

/** A chart box: a titled figure with a canvas chart whose accessible name is <paramref name="summary"/>. */
export function chartFigure(id: string, title: string): { figure: HTMLElement; box: HTMLDivElement } {
  const box = h('div', { id, class: 'chart', role: 'img', 'aria-label': title });
  const figure = h('figure', { class: 'chart-figure' }, h('figcaption', null, title), box);
  return { figure, box };
}

/** Draws (or redraws) the chart; <paramref name="summary"/> becomes its accessible name. */
export function draw(box: HTMLDivElement, labels: string[], series: Series[], summary: string, yUnit = ''): void {
  box.setAttribute('aria-label', summary);
  const chart = echarts.getInstanceByDom(box) ?? echarts.init(box, null, { renderer: 'canvas' });
  charts.add(chart);
  chart.off('finished');
  chart.on('finished', () => { box.dataset.rendered = 'true'; });
  chart.setOption({
    animation: false,
    color: COLORS,
    grid: { left: 48, right: 16, top: 36, bottom: 28 },
    legend: { top: 0, textStyle: { color: '#1f2328' } },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: labels, axisLabel: { color: '#57606a' } },
    yAxis: { type: 'value', name: yUnit, axisLabel: { color: '#57606a' }, minInterval: 1 },
    series: series.map((s) => ({ name: s.name, type: s.kind, data: s.values, connectNulls: true, barMaxWidth: 24 })),
  }, true);
}
