import './common/style.css';
import { api, errorText } from './common/api';
import { tokenFor } from './common/auth';
import { button, byId, fmtMinutes, fmtRate, fmtTime, fmtWait, h, replace, say, scrollBox } from './common/dom';
import { currentHall, fatal, hallPicker, title } from './common/hall';
import { Live } from './common/live';
import { signedInClaims } from './common/reports';
import { HallProfile, HallSnapshot, PAUSE_REASONS, TicketCalled, WINDOW_STATES } from './common/types';

const main = byId('main');
let profile: HallProfile;
try {
  profile = await currentHall();
} catch (e) {
  fatal(errorText(e));
  throw e;
}
title(`大厅看板 · ${profile.name}`);

const kpis = h('div', { class: 'kpis', id: 'kpis', 'aria-live': 'off' });
const queues = h('tbody', { id: 'queues' });
const windows = h('tbody', { id: 'windows' });
const calls = h('ol', { id: 'calls', class: 'calls' });
const trend = h('div', { id: 'trend', class: 'trend' });
const suspendStatus = h('p', { class: 'status-line', role: 'status' });
const updated = h('span', { id: 'updated', class: 'muted' });
const suspendButton = button('暂停服务', () => void toggleSuspend(), { id: 'suspend' });
const followUps = h('tbody', { id: 'follow-ups' });
const windowStatus = h('p', { id: 'window-status', class: 'status-line', role: 'status' });
const followUpStatus = h('p', { id: 'follow-ups-status', class: 'status-line', role: 'status' });
const overdue = h('tbody', { id: 'overdue-cases' });
const overdueStatus = h('p', { id: 'overdue-status', class: 'status-line', role: 'status' });
const complaints = h('tbody', { id: 'hall-complaints' });
const complaintStatus = h('p', { id: 'hall-complaints-status', class: 'status-line', role: 'status' });
const alerts = h('tbody', { id: 'hall-alerts' });
const alertStatus = h('p', { id: 'hall-alerts-status', class: 'status-line', role: 'status' });

// Two views: 实时 (the live dashboard) and 历史 (reports, charts; loaded on first open, see hallHistory.ts).
const tabLive = h('button', { type: 'button', role: 'tab', id: 'tab-live', 'aria-controls': 'panel-live', 'aria-selected': 'true' }, '实时');
const tabHistory = h('button', { type: 'button', role: 'tab', id: 'tab-history', 'aria-controls': 'panel-history', 'aria-selected': 'false', tabindex: -1 }, '历史');
const historyPanel = h('div', { role: 'tabpanel', id: 'panel-history', 'aria-labelledby': 'tab-history', hidden: true });

replace(main,
  h('div', { class: 'row' }, h('h2', { id: 'hall-name' }, profile.name), await hallPicker(profile.code), updated),
  h('div', { role: 'tablist', 'aria-label': '看板视图', class: 'tabs' }, tabLive, tabHistory),
  h('div', { role: 'tabpanel', id: 'panel-live', 'aria-labelledby': 'tab-live' },
  kpis,
  h('div', { class: 'dash' },
    h('section', { 'aria-labelledby': 'q-h' },
      h('h2', { id: 'q-h' }, '各类别排队'),
      scrollBox('各类别排队表', h('table', null,
        h('thead', null, h('tr', null, ...['类别', '等候', '预计等候', '最长已等', '服务窗口', '今日已办', '过号', '预测误差'].map((t, i) => h('th', { class: i ? 'num' : null, scope: 'col' }, t)))),
        queues))),
    h('section', { 'aria-labelledby': 'w-h' },
      h('h2', { id: 'w-h' }, '窗口'),
      scrollBox('窗口状态表', h('table', null,
        h('thead', null, h('tr', null, ...['窗口', '状态', '工作人员', '当前号', '今日办结', '今日暂停', '服务类别'].map((t, i) => h('th', { class: i === 4 || i === 5 ? 'num' : null, scope: 'col' }, t)))),
        windows)),
      windowStatus),
    h('section', { 'aria-labelledby': 't-h' }, h('h2', { id: 't-h' }, '等候人数走势（本页打开以来）'), trend),
    h('section', { 'aria-labelledby': 'c-h' }, h('h2', { id: 'c-h' }, '最近叫号'), calls),
    h('section', { 'aria-labelledby': 's-h' }, h('h2', { id: 's-h' }, '大厅服务状态'),
      h('p', { class: 'muted' }, '暂停后不再发号（需大厅负责人权限）。'), suspendButton, suspendStatus),
    h('section', { 'aria-labelledby': 'al-h', class: 'wide' },
      h('h2', { id: 'al-h' }, '大厅预警（今日）'),
      alertStatus,
      scrollBox('大厅预警表', h('table', null,
        h('thead', null, h('tr', null, ...['类型', '对象', '内容', '开始', '解除'].map((t) => h('th', { scope: 'col' }, t)))),
        alerts))),
    h('section', { 'aria-labelledby': 'f-h', class: 'wide' },
      h('h2', { id: 'f-h' }, '差评整改（未办结）'),
      followUpStatus,
      scrollBox('差评整改表', h('table', null,
        h('thead', null, h('tr', null, ...['评价时间', '评价', '当前环节', '回访核实期限', '整改反馈期限', '状态'].map((t) => h('th', { scope: 'col' }, t)))),
        followUps))),
    h('section', { 'aria-labelledby': 'o-h', class: 'wide' },
      h('h2', { id: 'o-h' }, '本厅超期案件'),
      overdueStatus,
      scrollBox('超期案件表', h('table', null,
        h('thead', null, h('tr', null, ...['办件编号', '事项', '承办部门', '应办结日期', '超期', '与本厅关系'].map((t, i) => h('th', { class: i === 4 ? 'num' : null, scope: 'col' }, t)))),
        overdue))),
    h('section', { 'aria-labelledby': 'hc-h', class: 'wide' },
      h('h2', { id: 'hc-h' }, '12345 投诉：本厅服务（待答复）'),
      complaintStatus,
      scrollBox('针对本厅服务的投诉表', h('table', null,
        h('thead', null, h('tr', null, ...['办件编号', '投诉时间', '类别', '内容', '答复期限'].map((t) => h('th', { scope: 'col' }, t)))),
        complaints))),
  ),
  h('p', { class: 'muted' }, '好评率 =（非常满意 + 满意 + 基本满意）÷ 评价总数。超期案件：在本厅收件或由本厅所在地区部门承办、已过承诺办结日期仍未办结的案件（工作日计）。')),
  historyPanel,
);

let historyMounted = false;
function selectTab(history: boolean): void {
  for (const [tab, on] of [[tabLive, !history], [tabHistory, history]] as const) {
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    byId(tab.getAttribute('aria-controls')!).hidden = !on;
  }
  if (history && !historyMounted) {
    historyMounted = true;
    // The per-window (clerk) table is the manager's: a signed-in user must be this hall's manager; the demo mode acts as one.
    const claims = signedInClaims();
    const manager = claims === null || (claims.role.includes('hallManager') && claims.hallCode === profile.code);
    void import('./hallHistory').then(({ mountHistory }) => mountHistory(historyPanel, {
      hallCode: profile.code, windows: profile.windows, token: managerToken, manager,
    }));
  }
}
if (new URLSearchParams(location.search).get('tab') === 'history') selectTab(true);
tabLive.addEventListener('click', () => selectTab(false));
tabHistory.addEventListener('click', () => selectTab(true));
for (const tab of [tabLive, tabHistory]) {
  tab.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    const other = tab === tabLive ? tabHistory : tabLive;
    selectTab(other === tabHistory);
    other.focus();
  });
}

let last: HallSnapshot | null = null;

/** Today's ratings of the hall (public figures): read on every (re)connect, then pushed with ratingsChanged. */
interface RatingFigures { total: number; goodRate: number | null; badCount: number }
interface RatingsChanged { scope: string; id: string; today: RatingFigures; last30Days: RatingFigures }
let ratingsToday: RatingFigures | null = null;
async function readRatingsToday(): Promise<void> {
  ratingsToday = await api.get<RatingFigures>(`/api/ratings/summary?scope=hall&id=${encodeURIComponent(profile.code)}&period=today`);
}
const history: { at: number; waiting: number }[] = [];

function kpi(label: string, value: string | number, id: string): HTMLElement {
  return h('div', { class: 'kpi' }, h('div', { class: 'label' }, label), h('div', { class: 'value', id }, value));
}

function render(s: HallSnapshot): void {
  last = s;
  const windowNames = new Map(profile.windows.map((w) => [w.windowNo, w.name]));
  replace(kpis,
    kpi('等候总数', s.waitingTotal, 'k-waiting'),
    kpi('开放窗口', `${s.openWindows} / ${s.windows.length}`, 'k-open'),
    kpi('今日办结', s.servedToday, 'k-served'),
    kpi('平均等候', fmtMinutes(s.averageWaitMinutes), 'k-avg'),
    kpi('P90 等候', fmtMinutes(s.p90WaitMinutes), 'k-p90'),
    kpi('今日过号', s.noShowsToday, 'k-noshow'),
    kpi('今日预约 / 下一小时', `${s.appointmentsToday} / ${s.appointmentsNextHour}`, 'k-appt'),
    kpi('好评率（近30天）', fmtRate(s.goodRate), 'k-good'),
    kpi('今日评价 / 差评', ratingsToday ? `${ratingsToday.total} / ${ratingsToday.badCount}` : '—', 'k-rated-today'),
    kpi('今日好评率', fmtRate(ratingsToday?.goodRate), 'k-good-today'),
    kpi('服务状态', s.suspended ? '暂停服务' : '正常', 'k-status'));
  replace(queues, ...s.categories.map((c) => h('tr', { 'data-category': c.code },
    h('th', { scope: 'row' }, `${c.code} ${c.name}`),
    h('td', { class: 'num', 'data-field': 'waiting' }, c.waiting),
    h('td', { class: 'num', 'data-field': 'wait' }, fmtWait(c.predictedWaitMinutes, c.noWindow)),
    h('td', { class: 'num' }, fmtMinutes(c.longestWaitMinutes)),
    h('td', { class: 'num' }, Math.round(c.servingWindows)),
    h('td', { class: 'num' }, c.served),
    h('td', { class: 'num' }, c.noShows),
    h('td', { class: 'num', title: `基于 ${c.errorSampleCount ?? 0} 张已叫号票` },
      c.meanAbsoluteErrorMinutes === null ? '—' : `±${Math.round(c.meanAbsoluteErrorMinutes)}（${c.errorSampleCount ?? 0} 张）`))));
  replace(windows, ...s.windows.map((w) => h('tr', { 'data-window': w.windowNo },
    h('th', { scope: 'row' }, `${w.windowNo} ${windowNames.get(w.windowNo) ?? ''}`),
    h('td', null, h('span', { class: `badge ${w.state}` }, WINDOW_STATES[w.state] ?? w.state)),
    h('td', null, w.clerk ?? '—'),
    h('td', { 'data-field': 'ticket' }, w.servingTicket ?? '—'),
    h('td', { class: 'num' }, w.servedToday),
    h('td', { class: 'num', 'data-field': 'paused' }, fmtMinutes(w.pausedMinutesToday ?? 0),
      w.pauseReason ? h('div', { class: 'muted', 'data-field': 'pause-reason' }, PAUSE_REASONS[w.pauseReason] ?? w.pauseReason) : null),
    h('td', { 'data-field': 'categories' }, (w.categories ?? []).join(' → ') || '—', ' ',
      button('调整', () => void editCategories(w.windowNo, w.categories ?? []), { class: 'edit-categories', 'data-window': w.windowNo, 'aria-label': `调整 ${w.windowNo} 号窗口服务类别` })))));
  suspendButton.textContent = s.suspended ? '恢复服务' : '暂停服务';
  updated.textContent = `更新于 ${fmtTime(s.at)}`;
  history.push({ at: Date.now(), waiting: s.waitingTotal });
  if (history.length > 720) history.shift();
  drawTrend();
}

function drawTrend(): void {
  const W = 600, H = 120;
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  const max = Math.max(5, ...history.map((p) => p.waiting));
  const t0 = history[0]?.at ?? Date.now();
  const span = Math.max(60_000, (history.at(-1)?.at ?? t0) - t0);
  const pts = history.map((p) => `${((p.at - t0) / span) * (W - 10) + 5},${H - 5 - (p.waiting / max) * (H - 20)}`).join(' ');
  const line = document.createElementNS(svgNs, 'polyline');
  line.setAttribute('points', pts);
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', '#0550ae');
  line.setAttribute('stroke-width', '2');
  svg.appendChild(line);
  const label = `等候人数，最高 ${max}，当前 ${history.at(-1)?.waiting ?? 0}`;
  svg.setAttribute('aria-label', label);
  replace(trend, svg, h('div', { class: 'muted' }, label));
}

// 差评整改 and overdue cases are for the hall's manager: read with the manager's token on every (re)connect, on the
// pushes that change them (ratingsChanged, hallCasesChanged) and once a minute (deadlines pass with the date).
interface FollowUpRow {
  ratingId: string; level: number; levelName: string; ratedAt: string; stage: string; stageName: string;
  returnVisitDue: string; replyDue: string; returnVisitOverdue: boolean; replyOverdue: boolean; appeal: string | null;
}
interface OverdueCase {
  caseNo: string; itemCode: string; itemName: string | null; status: string; departmentName: string | null; departmentCode: string;
  regionName: string | null; dueDate: string | null; overdueWorkingDays: number; relation: 'received' | 'responsible' | 'both';
}
const RELATION: Record<string, string> = { received: '本厅收件', responsible: '本地部门承办', both: '本厅收件·本地承办' };
const managerToken = () => tokenFor({ role: 'hallManager', hallCode: profile.code });

async function readFollowUps(): Promise<void> {
  try {
    const rows = (await api.get<FollowUpRow[]>('/api/ratings/follow-ups?open=true&limit=100', await managerToken())) ?? [];
    replace(followUps, ...rows.map((r) => {
      const late = r.returnVisitOverdue || r.replyOverdue;
      return h('tr', { 'data-rating': r.ratingId, class: late ? 'overdue' : null },
        h('td', null, fmtDateTime(r.ratedAt)),
        h('td', null, r.levelName),
        h('td', { 'data-field': 'stage' }, r.stageName + (r.appeal ? `（申诉：${r.appeal === 'pending' ? '待裁定' : r.appeal}）` : '')),
        h('td', { class: r.returnVisitOverdue ? 'late' : null }, r.returnVisitDue),
        h('td', { class: r.replyOverdue ? 'late' : null }, r.replyDue),
        h('td', { 'data-field': 'state' }, late ? h('strong', { class: 'late' }, r.returnVisitOverdue ? '回访已逾期' : '反馈已逾期') : '期限内'));
    }));
    say(followUpStatus, rows.length ? `${rows.length} 条未办结，其中 ${rows.filter((r) => r.returnVisitOverdue || r.replyOverdue).length} 条逾期` : '没有未办结的差评整改。', 'info');
  } catch (e) {
    replace(followUps);
    say(followUpStatus, `差评整改需大厅负责人权限：${errorText(e)}`, 'error');
  }
}

async function readOverdue(): Promise<void> {
  try {
    const rows = (await api.get<OverdueCase[]>(`/api/halls/${encodeURIComponent(profile.code)}/overdue-cases`, await managerToken())) ?? [];
    replace(overdue, ...rows.map((c) => h('tr', { 'data-case': c.caseNo, class: 'overdue' },
      h('th', { scope: 'row' }, c.caseNo),
      h('td', null, c.itemName ?? c.itemCode),
      h('td', null, `${c.regionName ?? ''}${c.departmentName ?? c.departmentCode}`),
      h('td', null, c.dueDate ?? '—'),
      h('td', { class: 'num', 'data-field': 'overdue' }, h('strong', { class: 'late' }, `${c.overdueWorkingDays} 个工作日`)),
      h('td', null, RELATION[c.relation] ?? c.relation))));
    say(overdueStatus, rows.length ? `${rows.length} 件超期未办结` : '没有超期案件。', rows.length ? 'error' : 'ok');
  } catch (e) {
    replace(overdue);
    say(overdueStatus, `超期案件需大厅负责人权限：${errorText(e)}`, 'error');
  }
}

// 12345 complaints about the hall's conduct are answered by its manager (POST /api/hotline/cases/{caseNo}/responses).
interface HallComplaint { caseNo: string; seq: number; at: string; responseDue: string; overdue: boolean; text: string; category: string | null }
const CATEGORY: Record<string, string> = { overdue: '超期未办', attitude: '服务态度', repeatedVisits: '多次跑动', materials: '材料要求不一致', other: '其他' };

async function readComplaints(): Promise<void> {
  try {
    const rows = (await api.get<HallComplaint[]>(`/api/halls/${encodeURIComponent(profile.code)}/complaints`, await managerToken())) ?? [];
    replace(complaints, ...rows.map((c) => h('tr', { 'data-case': c.caseNo, 'data-seq': c.seq, class: c.overdue ? 'overdue' : null },
      h('th', { scope: 'row' }, c.caseNo),
      h('td', null, fmtDateTime(c.at)),
      h('td', null, CATEGORY[c.category ?? 'other'] ?? c.category ?? '其他'),
      h('td', null, c.text),
      h('td', { class: c.overdue ? 'late' : null }, c.responseDue))));
    say(complaintStatus, rows.length ? `${rows.length} 件待答复` : '没有待答复的投诉。', rows.length ? 'info' : 'ok');
  } catch (e) {
    replace(complaints);
    say(complaintStatus, `投诉需大厅负责人权限：${errorText(e)}`, 'error');
  }
}

function fmtDateTime(iso: string): string {
  return new Date(iso).toLocaleString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

// Alerts to the hall manager (GET /api/halls/{hallCode}/alerts): open ones first, then today's cleared ones.
interface HallAlert { id: string; kind: string; subject: string; message: string; openedAt: string; clearedAt: string | null }
interface HallAlertList { open: HallAlert[]; history: HallAlert[] }
const ALERT_KIND: Record<string, string> = {
  waitingCount: '排队人数', predictedWait: '预计等候', noOpenWindow: '无窗口办理', windowPaused: '窗口暂停', followUpDeadline: '差评整改临期', caseDeadline: '办件临期',
};

async function readAlerts(): Promise<void> {
  try {
    const list = await api.get<HallAlertList>(`/api/halls/${encodeURIComponent(profile.code)}/alerts`, await managerToken());
    const rows = [...(list?.open ?? []), ...(list?.history ?? [])];
    replace(alerts, ...rows.map((a) => h('tr', { 'data-alert': a.kind, 'data-subject': a.subject, class: a.clearedAt ? null : 'overdue' },
      h('th', { scope: 'row' }, ALERT_KIND[a.kind] ?? a.kind),
      h('td', null, a.subject),
      h('td', null, a.message),
      h('td', null, fmtDateTime(a.openedAt)),
      h('td', { 'data-field': 'cleared' }, a.clearedAt ? fmtDateTime(a.clearedAt) : '未解除'))));
    const open = list?.open.length ?? 0;
    say(alertStatus, open ? `${open} 条预警未解除` : '没有未解除的预警。', open ? 'error' : 'ok');
  } catch (e) {
    replace(alerts);
    say(alertStatus, `预警需大厅负责人权限：${errorText(e)}`, 'error');
  }
}

let alertsTimer = 0;
function alertsSoon(): void {
  clearTimeout(alertsTimer);
  alertsTimer = window.setTimeout(() => void readAlerts(), 1000);
}

let casesTimer = 0;
function soon(read: () => Promise<void>): void {
  clearTimeout(casesTimer);
  casesTimer = window.setTimeout(() => void read(), 300);
}
setInterval(() => { void readFollowUps(); void readOverdue(); void readComplaints(); void readAlerts(); }, 60_000);

/** The manager changes the categories a window serves (preference order); the next call-next uses them. */
async function editCategories(windowNo: number, current: string[]): Promise<void> {
  const known = profile.categories.map((c) => c.code).join('、');
  const text = window.prompt(`${windowNo} 号窗口服务的类别（按优先顺序，逗号分隔；本厅有 ${known}）`, current.join(','));
  if (text === null) return;
  const categories = text.split(/[,，\s]+/).map((c) => c.trim().toUpperCase()).filter((c) => c);
  try {
    await api.put(`/api/halls/${encodeURIComponent(profile.code)}/windows/${windowNo}/categories`, { categories }, await managerToken());
    say(windowStatus, `${windowNo} 号窗口改为服务 ${categories.join(' → ')}，下次叫号生效`, 'ok');
  } catch (e) {
    say(windowStatus, errorText(e), 'error');
  }
}

async function toggleSuspend(): Promise<void> {
  if (!last) return;
  try {
    const token = await tokenFor({ role: 'hallManager', hallCode: profile.code });
    const suspend = !last.suspended;
    await api.put(`/api/halls/${encodeURIComponent(profile.code)}/status`, { suspended: suspend, reason: suspend ? '大厅负责人暂停' : null }, token);
    say(suspendStatus, suspend ? '已暂停服务' : '已恢复服务', 'ok');
  } catch (e) {
    say(suspendStatus, errorText(e), 'error');
  }
}

const live = new Live(byId('live-state'));
// The alert grain evaluates every floor the hall pushes: read the alerts shortly after a snapshot.
live.on('hallSnapshot', (s: HallSnapshot) => { if (s.hallCode === profile.code) { render(s); alertsSoon(); } });
live.on('hallAlert', (a: { hallCode: string }) => { if (a.hallCode === profile.code) alertsSoon(); });
live.on('ticketCalled', (c: TicketCalled) => {
  if (c.hallCode !== profile.code) return;
  calls.prepend(h('li', null, `${fmtTime(c.at)} ${c.ticketNo} → ${c.windowNo} 号窗口`));
  while (calls.children.length > 10) calls.lastElementChild?.remove();
});
// Watching answers with the current snapshot: a reconnect redraws everything it may have missed.
live.on('ratingsChanged', (r: RatingsChanged) => {
  if (r.scope !== 'hall' || r.id !== profile.code) return;
  ratingsToday = r.today;
  if (last) render({ ...last, goodRate: r.last30Days.goodRate ?? last.goodRate });
  void readFollowUps();
});
live.on('hallCasesChanged', (c: { hallCode: string }) => { if (c.hallCode === profile.code) soon(readOverdue); });
live.on('hallComplaintChanged', (c: { hallCode: string }) => { if (c.hallCode === profile.code) void readComplaints(); });
live.onSync(async () => {
  await readRatingsToday().catch(() => { ratingsToday = null; });
  render(await live.invoke<HallSnapshot>('WatchHall', profile.code));
  await Promise.all([readFollowUps(), readOverdue(), readComplaints(), readAlerts()]);
});
void live.start();
main.dataset.ready = 'hall';
