// 月度统计 on the province page: the province's report for one month (GET /api/reports/province/520000, by day over
// the month): tickets, served, wait P90, good rate and the 一次办成 share, the month's totals as figures, a chart of the
// days and the days as a table (the chart's text fallback).

import { chartFigure, draw } from './common/charts';
import { errorText } from './common/api';
import { fmtRate, h, replace, say, scrollBox } from './common/dom';
import { chinaToday, minutesText, monthEnd, readReport, ReportRow, shortDay } from './common/reports';

export function mountMonth(section: HTMLElement, token: () => Promise<string>): void {
  const today = chinaToday();
  const month = h('input', { type: 'month', id: 'month-pick', value: today.slice(0, 7), max: today.slice(0, 7) });
  const status = h('p', { id: 'month-status', class: 'status-line', role: 'status' });
  const kpis = h('div', { class: 'kpis', id: 'month-kpis' });
  const chart = chartFigure('chart-month', '每日取号与办结（全省）');
  const body = h('tbody', { id: 'month-days' });
  const definition = h('p', { class: 'muted small', id: 'month-definition' });
  const kpi = (label: string, value: string | number, id: string) =>
    h('div', { class: 'kpi' }, h('div', { class: 'label' }, label), h('div', { class: 'value', id }, value));

  replace(section,
    h('h2', { id: 'month-h' }, '月度统计（全省）'),
    h('div', { class: 'row' }, h('label', { for: 'month-pick' }, '月份'), month),
    status, kpis, chart.figure,
    scrollBox('月度每日统计表', h('table', { id: 'month-table' },
      h('thead', null, h('tr', null, ...['日期', '取号', '办结', '等候 P90', '好评率', '一次办成率'].map((t, i) => h('th', { class: i ? 'num' : null, scope: 'col' }, t)))),
      body)),
    definition);

  const row = (r: ReportRow, label: string, attrs: Record<string, string>) => h('tr', attrs,
    h('th', { scope: 'row' }, label),
    h('td', { class: 'num', 'data-field': 'tickets' }, r.tickets),
    h('td', { class: 'num', 'data-field': 'served' }, r.served),
    h('td', { class: 'num' }, minutesText(r.waitP90Minutes)),
    h('td', { class: 'num' }, fmtRate(r.goodRate)),
    h('td', { class: 'num' }, fmtRate(r.oneVisitRate)));

  async function load(): Promise<void> {
    const m = month.value || today.slice(0, 7);
    const from = `${m}-01`;
    const end = monthEnd(m);
    const to = end > today ? today : end;
    say(status, '读取中…');
    try {
      const report = (await readReport('province', '520000', from, to, 'day', await token()))!;
      const t = report.total;
      replace(kpis,
        kpi('取号', t.tickets, 'm-tickets'), kpi('办结', t.served, 'm-served'), kpi('等候 P90', minutesText(t.waitP90Minutes), 'm-p90'),
        kpi('好评率', fmtRate(t.goodRate), 'm-good'), kpi('一次办成率', fmtRate(t.oneVisitRate), 'm-one-visit'));
      draw(chart.box, report.rows.map((r) => shortDay(r.from)), [
        { name: '取号', kind: 'bar', values: report.rows.map((r) => r.tickets) },
        { name: '办结', kind: 'bar', values: report.rows.map((r) => r.served) },
      ], `${m} 全省每日取号与办结柱状图：共取号 ${t.tickets} 张，办结 ${t.served} 件，等候 P90 ${minutesText(t.waitP90Minutes)}，好评率 ${fmtRate(t.goodRate)}，一次办成率 ${fmtRate(t.oneVisitRate)}。数据见月度每日统计表。`, '件');
      replace(body, ...report.rows.map((r) => row(r, r.from, { 'data-period': r.from })), row(t, '合计', { 'data-period': 'total', class: 'total' }));
      definition.textContent = `${report.definition} ${report.goodRateDefinition}${report.casesTruncated ? ' 案件数超过上限，案件指标不完整。' : ''}`;
      say(status, `${from} 至 ${to}`, 'ok');
    } catch (e) {
      say(status, `月度统计需监管人员权限：${errorText(e)}`, 'error');
    }
    section.dataset.loaded = 'true';
  }

  month.addEventListener('change', () => void load());
  void load();
}
