// 历史 tab of the hall dashboard: the hall's report over the last 7 or 30 days (GET /api/reports/hall/{code}, by day)
// as charts with a text summary and a data table, and — for the hall's manager only — the figures of each window
// (GET /api/reports/window/{hallCode}-{windowNo}). Loaded when the tab is first opened, so ECharts stays out of the
// live dashboard's bundle.

import { chartFigure, draw } from './common/charts';
import { errorText } from './common/api';
import { fmtRate, h, replace, say, scrollBox } from './common/dom';
import { chinaToday, daysBefore, hours, minutesText, percent, readReport, Report, ReportRow, shortDay } from './common/reports';

export interface HistoryOptions {
  hallCode: string;
  windows: { windowNo: number; name: string }[];
  token: () => Promise<string>;
  /** Per-window (clerk) figures are for the hall's manager: other roles never get the table. */
  manager: boolean;
}

export function mountHistory(panel: HTMLElement, o: HistoryOptions): void {
  const range = h('select', { id: 'history-range' }, h('option', { value: '7' }, '最近 7 天'), h('option', { value: '30' }, '最近 30 天'));
  const status = h('p', { id: 'history-status', class: 'status-line', role: 'status' });
  const summary = h('p', { id: 'history-summary', class: 'history-summary' });
  const waits = chartFigure('chart-waits', '每日等候时间（P50 / P90，分钟）');
  const served = chartFigure('chart-served', '每日取号与办结');
  const staff = chartFigure('chart-staff', '每日在岗与暂停时长（小时）');
  const good = chartFigure('chart-good', '好评率走势（%）');
  const days = h('tbody', { id: 'history-days' });
  const clerks = h('tbody', { id: 'history-clerks' });
  const clerkStatus = h('p', { id: 'history-clerks-status', class: 'status-line', role: 'status' });
  const definition = h('p', { id: 'history-definition', class: 'muted small' });
  const num = (t: string, i: number) => h('th', { class: i ? 'num' : null, scope: 'col' }, t);

  replace(panel,
    h('div', { class: 'row' }, h('label', { for: 'history-range' }, '统计范围'), range,
      h('span', { class: 'muted small' }, '按自然日（北京时间）统计，含今天；报表暂无分时数据，等候按日给出 P50 / P90。')),
    status,
    summary,
    h('div', { class: 'charts' }, waits.figure, served.figure, staff.figure, good.figure),
    h('section', { 'aria-labelledby': 'hd-h' },
      h('h2', { id: 'hd-h' }, '每日数据'),
      scrollBox('每日数据表', h('table', { id: 'history-table' },
        h('thead', null, h('tr', null, ...['日期', '取号', '办结', '过号', '等候 P50', '等候 P90', '在岗（小时）', '暂停（小时）', '评价', '好评率'].map(num))),
        days))),
    o.manager ? h('section', { 'aria-labelledby': 'hk-h', id: 'history-clerks-section' },
      h('h2', { id: 'hk-h' }, '各窗口工作人员（仅大厅负责人可见）'),
      clerkStatus,
      scrollBox('各窗口工作人员统计表', h('table', null,
        h('thead', null, h('tr', null, ...['窗口', '办结', '平均办理', '等候 P90', '在岗（小时）', '暂停（小时）', '评价', '好评率'].map(num))),
        clerks))) : null,
    definition);

  const row = (r: ReportRow, label: string, attrs: Record<string, string>) => h('tr', attrs,
    h('th', { scope: 'row' }, label),
    h('td', { class: 'num', 'data-field': 'tickets' }, r.tickets),
    h('td', { class: 'num', 'data-field': 'served' }, r.served),
    h('td', { class: 'num' }, r.noShow),
    h('td', { class: 'num' }, minutesText(r.waitP50Minutes)),
    h('td', { class: 'num' }, minutesText(r.waitP90Minutes)),
    h('td', { class: 'num' }, hours(r.staffMinutes)),
    h('td', { class: 'num' }, hours(r.pausedMinutes)),
    h('td', { class: 'num' }, r.ratings),
    h('td', { class: 'num' }, fmtRate(r.goodRate)));

  function show(report: Report, dayCount: number): void {
    const t = report.total;
    const labels = report.rows.map((r) => shortDay(r.from));
    summary.textContent = `${report.from} 至 ${report.to}（${dayCount} 天）：取号 ${t.tickets} 张，办结 ${t.served} 件，过号 ${t.noShow} 张；` +
      `等候 P50 ${minutesText(t.waitP50Minutes)}、P90 ${minutesText(t.waitP90Minutes)}；在岗 ${hours(t.staffMinutes)} 小时，暂停 ${hours(t.pausedMinutes)} 小时；` +
      `评价 ${t.ratings} 条，好评率 ${fmtRate(t.goodRate)}。`;
    const most = (values: (number | null)[]) => Math.max(0, ...values.map((v) => v ?? 0));
    draw(waits.box, labels, [
      { name: '等候 P50', kind: 'line', values: report.rows.map((r) => r.waitP50Minutes) },
      { name: '等候 P90', kind: 'line', values: report.rows.map((r) => r.waitP90Minutes) },
    ], `每日等候时间折线图：全期 P50 ${minutesText(t.waitP50Minutes)}，P90 ${minutesText(t.waitP90Minutes)}，单日 P90 最高 ${minutesText(most(report.rows.map((r) => r.waitP90Minutes)))}。数据见每日数据表。`, '分钟');
    draw(served.box, labels, [
      { name: '取号', kind: 'bar', values: report.rows.map((r) => r.tickets) },
      { name: '办结', kind: 'bar', values: report.rows.map((r) => r.served) },
    ], `每日取号与办结柱状图：共取号 ${t.tickets} 张，办结 ${t.served} 件，单日办结最多 ${most(report.rows.map((r) => r.served))} 件。数据见每日数据表。`, '件');
    draw(staff.box, labels, [
      { name: '在岗', kind: 'bar', values: report.rows.map((r) => hours(r.staffMinutes)) },
      { name: '暂停', kind: 'bar', values: report.rows.map((r) => hours(r.pausedMinutes)) },
    ], `每日在岗与暂停时长柱状图：共在岗 ${hours(t.staffMinutes)} 小时，暂停 ${hours(t.pausedMinutes)} 小时。数据见每日数据表。`, '小时');
    draw(good.box, labels, [
      { name: '好评率', kind: 'line', values: report.rows.map((r) => percent(r.goodRate)) },
    ], `好评率折线图：全期 ${t.ratings} 条评价，好评率 ${fmtRate(t.goodRate)}。数据见每日数据表。`, '%');
    replace(days, ...report.rows.map((r) => row(r, r.from, { 'data-period': r.from })), row(t, '合计', { 'data-period': 'total', class: 'total' }));
    definition.textContent = `${report.definition} ${report.goodRateDefinition}`;
  }

  async function showWindows(from: string, to: string, token: string): Promise<void> {
    if (!o.manager) return;
    try {
      const reports = await Promise.all(o.windows.map((w) => readReport('window', `${o.hallCode}-${w.windowNo}`, from, to, 'day', token)));
      replace(clerks, ...o.windows.map((w, i) => {
        const t = reports[i]!.total;
        return h('tr', { 'data-window': w.windowNo },
          h('th', { scope: 'row' }, w.name || `${w.windowNo} 号窗口`),
          h('td', { class: 'num', 'data-field': 'served' }, t.served),
          h('td', { class: 'num' }, minutesText(t.serviceMeanMinutes)),
          h('td', { class: 'num' }, minutesText(t.waitP90Minutes)),
          h('td', { class: 'num' }, hours(t.staffMinutes)),
          h('td', { class: 'num' }, hours(t.pausedMinutes)),
          h('td', { class: 'num' }, t.ratings),
          h('td', { class: 'num' }, fmtRate(t.goodRate)));
      }));
      say(clerkStatus, `${o.windows.length} 个窗口`, 'info');
    } catch (e) {
      replace(clerks);
      say(clerkStatus, `各窗口统计：${errorText(e)}`, 'error');
    }
  }

  async function load(): Promise<void> {
    const dayCount = Number(range.value);
    const to = chinaToday();
    const from = daysBefore(to, dayCount - 1);
    say(status, '读取中…');
    panel.dataset.loaded = 'false';
    try {
      const token = await o.token();
      const report = await readReport('hall', o.hallCode, from, to, 'day', token);
      show(report!, dayCount);
      await showWindows(from, to, token);
      say(status, `已读取 ${from} 至 ${to} 的统计`, 'ok');
    } catch (e) {
      say(status, `历史统计需大厅负责人或监管人员权限：${errorText(e)}`, 'error');
    }
    panel.dataset.loaded = 'true';
  }

  range.addEventListener('change', () => void load());
  void load();
}
