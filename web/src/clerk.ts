import './common/style.css';
import { api, errorText } from './common/api';
import { tokenFor } from './common/auth';
import { button, byId, fmtMinutes, h, param, replace, say, scrollBox } from './common/dom';
import { currentHall, fatal, hallPicker, title } from './common/hall';
import { Live } from './common/live';
import { RatingPad, padChannel } from './common/ratingPad';
import { intakePanel } from './intake';
import { HallProfile, HallSnapshot, PAUSE_REASONS, TICKET_STATES, WINDOW_STATES } from './common/types';

interface WindowState {
  windowNo: number; state: string; clerk: string | null; categories: string[]; currentTicket: string | null; currentState: string | null; servedToday: number;
  pauseReason?: string | null; pausedMinutesToday?: number; walkUpsToday?: number;
}
interface TicketReply { ticketNo: string; category: string; state?: string; windowNo: number; parked?: boolean; parkReason?: string | null }
interface ParkedTicket { ticketNo: string; category: string; reason: string | null; parkedAt: string | null; parkedBy: number | null }
interface WalkUpReply { id: string; category: string; item: string | null; servedToday: number }

const main = byId('main');
let profile: HallProfile;
try {
  profile = await currentHall();
} catch (e) {
  fatal(errorText(e));
  throw e;
}
title(`窗口工作台 · ${profile.name}`);

const requested = Number(param('window') ?? profile.windows[0]?.windowNo ?? 1);
const windowSelect = h('select', { id: 'window-pick' }, ...profile.windows.map((w) => {
  const o = h('option', { value: w.windowNo }, `${w.windowNo} 号 ${w.name}`);
  o.selected = w.windowNo === requested;
  return o;
}));
const clerkInput = h('input', { id: 'clerk-id', value: sessionStorage.getItem('tongban.clerk') ?? 'clerk-01', maxlength: 64, autocomplete: 'username' });
const signInButton = button('签到开窗', () => void signIn(), { id: 'sign-in', class: 'primary' });
const message = h('p', { id: 'message', class: 'status-line', role: 'status', 'aria-live': 'polite' });
const consoleEl = h('section', { id: 'console', 'aria-label': '窗口操作', hidden: true });

replace(main,
  h('div', { class: 'row' }, h('h2', null, profile.name), await hallPicker(profile.code)),
  h('form', { id: 'sign-in-form', class: 'row panel' },
    h('label', { for: 'window-pick' }, '窗口'), windowSelect,
    h('label', { for: 'clerk-id' }, '工号'), clerkInput, signInButton),
  message,
  consoleEl,
);
byId('sign-in-form').addEventListener('submit', (e) => { e.preventDefault(); void signIn(); });

let token = '';
let windowNo = requested;
let view: WindowState | null = null;
let snapshot: HallSnapshot | null = null;
const base = () => `/api/halls/${encodeURIComponent(profile.code)}/windows/${windowNo}`;

// After 办结 the rating pad (好差评) asks the citizen; it rates as this window's pad with the clerk's token. A /rate
// page open on the window's citizen-facing screen (same browser) gets the ticket too.
const pad = new RatingPad(async () => token);
message.after(pad.el);
let channel: BroadcastChannel | null = null;

const stateLine = h('div', { id: 'window-state', class: 'kpis' });
const queueBody = h('tbody', { id: 'my-queues' });
const transferCategory = h('select', { id: 'transfer-category' },
  h('option', { value: '' }, '（不改类别）'), ...profile.categories.map((c) => h('option', { value: c.code }, `${c.code} ${c.name}`)));
const transferWindow = h('select', { id: 'transfer-window' },
  h('option', { value: '' }, '（任意窗口）'), ...profile.windows.map((w) => h('option', { value: w.windowNo }, `${w.windowNo} 号`)));

const parkReason = h('input', { id: 'park-reason', placeholder: '挂起原因（必填），如：缺少身份证复印件', maxlength: 200 });
const callNumber = h('input', { id: 'call-ticket', placeholder: '票号，如 A012', maxlength: 8, size: 8 });
const walkUpCategory = h('select', { id: 'walk-up-category' });
const walkUpItem = h('input', { id: 'walk-up-item', placeholder: '事项编码（可选）', maxlength: 64 });
const pauseReason = h('select', { id: 'pause-reason' }, ...Object.entries(PAUSE_REASONS).map(([v, label]) => h('option', { value: v }, label)));
const parkedBody = h('tbody', { id: 'parked' });

const actions: [string, string, string][] = [
  ['call-next', '叫号', 'primary'], ['recall', '重呼', ''], ['start', '开始办理', ''], ['finish', '办结', 'primary'],
  ['no-show', '过号', ''], ['skip', '顺延', ''],
];
replace(consoleEl,
  stateLine,
  h('div', { class: 'row actions', role: 'group', 'aria-label': '叫号操作' },
    ...actions.map(([route, label, cls]) => button(label, () => void act(route, label), { id: `act-${route}`, class: cls || null }))),
  h('div', { class: 'row panel', role: 'group', 'aria-label': '转办' },
    h('label', { for: 'transfer-category' }, '转到类别'), transferCategory,
    h('label', { for: 'transfer-window' }, '指定窗口'), transferWindow,
    button('转办', () => void transfer(), { id: 'act-transfer' })),
  h('div', { class: 'row panel', role: 'group', 'aria-label': '挂起与指定叫号' },
    h('label', { for: 'park-reason' }, '挂起'), parkReason, button('挂起当前号', () => void park(), { id: 'act-park' }),
    h('label', { for: 'call-ticket' }, '指定叫号'), callNumber, button('叫此号', () => void callTicket(), { id: 'act-call' })),
  h('div', { class: 'row panel', role: 'group', 'aria-label': '补录' },
    h('label', { for: 'walk-up-category' }, '补录（无号办理）类别'), walkUpCategory,
    h('label', { for: 'walk-up-item' }, '事项'), walkUpItem,
    button('补录', () => void walkUp(), { id: 'act-walk-up' })),
  h('div', { class: 'row', role: 'group', 'aria-label': '窗口状态' },
    h('label', { for: 'pause-reason' }, '暂停原因'), pauseReason,
    button('暂停', () => void setState('pause', '已暂停', { reason: pauseReason.value }), { id: 'act-pause' }),
    button('恢复', () => void setState('open', '已恢复'), { id: 'act-open' }),
    button('签退关窗', () => void setState('close', '已签退'), { id: 'act-close' })),
  h('h2', { id: 'pk-h' }, '本厅挂起的号'),
  scrollBox('挂起号表', h('table', null,
    h('thead', null, h('tr', null, ...['票号', '原因', '挂起窗口', '挂起时间', ''].map((t) => h('th', { scope: 'col' }, t)))),
    parkedBody)),
  h('h2', { id: 'mq-h' }, '本窗口服务的队列'),
  scrollBox('本窗口队列表', h('table', null,
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, '类别'), h('th', { class: 'num', scope: 'col' }, '等候'), h('th', { class: 'num', scope: 'col' }, '预计等候'))),
    queueBody)),
  intakePanel(profile.code, () => token),
);

async function signIn(): Promise<void> {
  windowNo = Number(windowSelect.value);
  const subject = clerkInput.value.trim() || 'clerk-01';
  sessionStorage.setItem('tongban.clerk', subject);
  try {
    token = await tokenFor({ role: 'clerk', hallCode: profile.code, windowNo, subject });
    view = await api.post<WindowState>(`${base()}/open`, {}, token);
    consoleEl.hidden = false;
    channel?.close();
    channel = padChannel(profile.code, windowNo);
    say(message, `已签到：${windowNo} 号窗口`, 'ok');
    history.replaceState(null, '', `?hall=${encodeURIComponent(profile.code)}&window=${windowNo}`);
    render();
  } catch (e) {
    say(message, errorText(e), 'error');
  }
}

async function refresh(): Promise<void> {
  view = await api.get<WindowState>(`${base()}/`, token);
  render();
  await readParked();
}

/** The hall's parked tickets (挂起): a clerk whose window serves the category returns one to the front of its line. */
async function readParked(): Promise<void> {
  const rows = (await api.get<ParkedTicket[]>(`/api/halls/${encodeURIComponent(profile.code)}/parked`, token)) ?? [];
  const mine = view?.categories ?? [];
  replace(parkedBody, ...rows.map((p) => h('tr', { 'data-parked': p.ticketNo },
    h('th', { scope: 'row' }, p.ticketNo),
    h('td', null, p.reason ?? '—'),
    h('td', null, p.parkedBy ? `${p.parkedBy} 号` : '—'),
    h('td', null, p.parkedAt ? new Date(p.parkedAt).toLocaleTimeString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' }) : '—'),
    h('td', null, mine.includes(p.category)
      ? button('恢复排队', () => void unpark(p.ticketNo), { class: 'unpark', 'data-ticket': p.ticketNo })
      : h('span', { class: 'muted' }, '非本窗口类别')))));
  if (!rows.length) replace(parkedBody, h('tr', null, h('td', { colspan: 5, class: 'muted' }, '没有挂起的号')));
}

async function park(): Promise<void> {
  const reason = parkReason.value.trim();
  if (!reason) { say(message, '请填写挂起原因', 'error'); parkReason.focus(); return; }
  try {
    const reply = await api.post<TicketReply>(`${base()}/park`, { reason }, token, { 'Idempotency-Key': crypto.randomUUID() });
    say(message, `已挂起：${reply?.ticketNo ?? ''}（${reason}）`, 'ok');
    parkReason.value = '';
    await refresh();
  } catch (e) {
    say(message, errorText(e), 'error');
  }
}

async function unpark(ticketNo: string): Promise<void> {
  try {
    await api.post<TicketReply>(`${base()}/unpark`, { ticketNo }, token, { 'Idempotency-Key': crypto.randomUUID() });
    say(message, `${ticketNo} 已恢复排队（排在最前）`, 'ok');
    await refresh();
  } catch (e) {
    say(message, errorText(e), 'error');
  }
}

async function callTicket(): Promise<void> {
  const ticketNo = callNumber.value.trim().toUpperCase();
  if (!ticketNo) { say(message, '请输入要叫的票号', 'error'); callNumber.focus(); return; }
  try {
    const reply = await api.post<TicketReply>(`${base()}/call`, { ticketNo }, token, { 'Idempotency-Key': crypto.randomUUID() });
    pad.hide();
    say(message, `已指定叫号：${reply?.ticketNo ?? ticketNo}`, 'ok');
    callNumber.value = '';
    await refresh();
  } catch (e) {
    say(message, errorText(e), 'error');
  }
}

async function walkUp(): Promise<void> {
  const item = walkUpItem.value.trim() || null;
  try {
    const reply = await api.post<WalkUpReply>(`${base()}/walk-up`, { category: walkUpCategory.value, item }, token, { 'Idempotency-Key': crypto.randomUUID() });
    say(message, `已补录：${reply?.id ?? ''}，今日已办 ${reply?.servedToday ?? ''}`, 'ok');
    walkUpItem.value = '';
    await refresh();
  } catch (e) {
    say(message, errorText(e), 'error');
  }
}

async function act(route: string, label: string): Promise<void> {
  try {
    const reply = await api.post<TicketReply>(`${base()}/${route}`, {}, token, { 'Idempotency-Key': crypto.randomUUID() });
    if (route === 'call-next') {
      pad.hide();
      say(message, reply ? `已叫号：${reply.ticketNo}` : '当前没有等候的号', reply ? 'ok' : 'info');
    } else if (route === 'finish' && reply?.ticketNo) {
      say(message, `${label}：${reply.ticketNo}，请群众评价`, 'ok');
      pad.show({ hallCode: profile.code, ticketNo: reply.ticketNo });
      channel?.postMessage({ ticketNo: reply.ticketNo });
    } else {
      say(message, reply?.ticketNo ? `${label}：${reply.ticketNo}` : `${label}完成`, 'ok');
    }
    await refresh();
  } catch (e) {
    say(message, errorText(e), 'error');
  }
}

async function transfer(): Promise<void> {
  const toCategory = transferCategory.value || null;
  const toWindow = transferWindow.value ? Number(transferWindow.value) : null;
  if (!toCategory && !toWindow) { say(message, '请选择转到的类别或窗口', 'error'); return; }
  try {
    const reply = await api.post<TicketReply>(`${base()}/transfer`, { toCategory, toWindow }, token);
    say(message, `已转办：${reply?.ticketNo ?? ''}`, 'ok');
    await refresh();
  } catch (e) {
    say(message, errorText(e), 'error');
  }
}

async function setState(route: string, done: string, body: object = {}): Promise<void> {
  try {
    view = await api.post<WindowState>(`${base()}/${route}`, body, token);
    say(message, done, 'ok');
    render();
  } catch (e) {
    say(message, errorText(e), 'error');
  }
}

function render(): void {
  if (!view) return;
  const live = snapshot?.windows.find((w) => w.windowNo === windowNo);
  const state = view.state;
  replace(stateLine,
    h('div', { class: 'kpi' }, h('div', { class: 'label' }, '窗口'), h('div', { class: 'value' }, `${windowNo} 号`)),
    h('div', { class: 'kpi' }, h('div', { class: 'label' }, '状态'), h('div', { class: 'value', id: 'w-state' }, WINDOW_STATES[state] ?? state)),
    h('div', { class: 'kpi' }, h('div', { class: 'label' }, '当前号'),
      h('div', { class: 'value', id: 'w-ticket' }, view.currentTicket ?? '—'),
      view.currentState ? h('div', { class: 'label' }, TICKET_STATES[view.currentState] ?? view.currentState) : null),
    h('div', { class: 'kpi' }, h('div', { class: 'label' }, '今日办结'), h('div', { class: 'value', id: 'w-served' }, live?.servedToday ?? view.servedToday),
      view.walkUpsToday ? h('div', { class: 'label' }, `含补录 ${view.walkUpsToday}`) : null),
    h('div', { class: 'kpi' }, h('div', { class: 'label' }, '今日暂停'), h('div', { class: 'value', id: 'w-paused' }, fmtMinutes(view.pausedMinutesToday ?? 0)),
      view.pauseReason ? h('div', { class: 'label', id: 'w-pause-reason' }, PAUSE_REASONS[view.pauseReason] ?? view.pauseReason) : null));
  const mine = view.categories.length ? view.categories : profile.windows.find((w) => w.windowNo === windowNo)?.categories ?? [];
  if (walkUpCategory.dataset.for !== mine.join(',')) {
    walkUpCategory.dataset.for = mine.join(',');
    replace(walkUpCategory, ...mine.map((code) => h('option', { value: code }, `${code} ${profile.categories.find((c) => c.code === code)?.name ?? ''}`)));
  }
  const cats = snapshot?.categories.filter((c) => mine.includes(c.code)) ?? [];
  replace(queueBody, ...cats.map((c) => h('tr', { 'data-category': c.code },
    h('th', { scope: 'row' }, `${c.code} ${c.name}`),
    h('td', { class: 'num', 'data-field': 'waiting' }, c.waiting),
    h('td', { class: 'num' }, fmtMinutes(c.predictedWaitMinutes)))));
}

let live: Live | null = null;
function startLive(): void {
  live = new Live(byId('live-state'));
  live.on('hallSnapshot', (s: HallSnapshot) => { if (s.hallCode === profile.code) { snapshot = s; render(); } });
  live.onSync(async () => {
    snapshot = await live!.invoke<HallSnapshot>('WatchHall', profile.code);
    if (token) await refresh(); else render();
  });
  void live.start();
}
startLive();
main.dataset.ready = 'clerk';
