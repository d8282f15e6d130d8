import './common/style.css';
import './screen.css';
import { errorText } from './common/api';
import { byId, fmtMinutes, fmtTime, h, replace } from './common/dom';
import { currentHall, fatal, title } from './common/hall';
import { Live } from './common/live';
import { HallProfile, HallSnapshot, TicketCalled } from './common/types';

// The waiting-room display: large type, high contrast, readable across a room; no controls.
const main = byId('main');
let profile: HallProfile;
try {
  profile = await currentHall();
} catch (e) {
  fatal(errorText(e));
  throw e;
}
title(`叫号屏 · ${profile.name}`);

const current = h('div', { id: 'current-call', class: 'current', role: 'status', 'aria-live': 'assertive', 'aria-atomic': 'true' },
  h('div', { class: 'idle' }, '请留意叫号'));
const recent = h('ol', { id: 'recent', class: 'recent', 'aria-label': '最近叫号' });
const serving = h('div', { id: 'serving', class: 'serving' });
const waiting = h('div', { id: 'waiting', class: 'waiting' });
const clock = h('div', { class: 'clock', 'aria-hidden': 'true' });

replace(main,
  h('div', { class: 'screen-head' }, h('h2', null, profile.name), clock),
  h('div', { class: 'screen-grid' },
    h('section', { 'aria-label': '当前叫号' }, current),
    h('section', { 'aria-labelledby': 'r-h' }, h('h2', { id: 'r-h' }, '最近叫号'), recent)),
  h('section', { 'aria-labelledby': 'win-h' }, h('h2', { id: 'win-h' }, '各窗口'), serving),
  h('section', { 'aria-labelledby': 'wait-h' }, h('h2', { id: 'wait-h' }, '等候人数'), waiting),
);

setInterval(() => { clock.textContent = fmtTime(new Date()); }, 1000);
clock.textContent = fmtTime(new Date());

function announce(c: TicketCalled): void {
  replace(current,
    h('div', { class: 'ticket', id: 'current-ticket' }, c.ticketNo),
    h('div', { class: 'arrow', 'aria-hidden': 'true' }, '→'),
    h('div', { class: 'window', id: 'current-window' }, `${c.windowNo} 号窗口`),
    h('div', { class: 'hint' }, `请 ${c.ticketNo} 号到 ${c.windowNo} 号窗口办理`));
  current.classList.remove('flash');
  void current.offsetWidth; // restart the highlight animation
  current.classList.add('flash');
  recent.prepend(h('li', null, h('span', { class: 't' }, c.ticketNo), h('span', { class: 'w' }, `${c.windowNo} 号窗口`), h('span', { class: 'at' }, fmtTime(c.at))));
  while (recent.children.length > 6) recent.lastElementChild?.remove();
  speak(`请 ${c.ticketNo.split('').join(' ')} 号，到 ${c.windowNo} 号窗口办理`);
}

function speak(text: string): void {
  try {
    if (!('speechSynthesis' in window)) return;
    const u = new SpeechSynthesisUtterance(text);
    u.lang = 'zh-CN';
    speechSynthesis.speak(u);
  } catch {
    // A display without speech simply stays silent.
  }
}

function render(s: HallSnapshot): void {
  replace(serving, ...s.windows.filter((w) => w.state !== 'closed').map((w) =>
    h('div', { class: `win ${w.state}`, 'data-window': w.windowNo },
      h('div', { class: 'no' }, `${w.windowNo} 号`),
      h('div', { class: 'tk' }, w.state === 'paused' ? '暂停' : w.servingTicket ?? '空闲'))));
  replace(waiting, ...s.categories.map((c) =>
    h('div', { class: 'cat', 'data-category': c.code },
      h('div', { class: 'name' }, `${c.code} ${c.name}`),
      h('div', { class: 'count' }, h('span', { 'data-field': 'waiting' }, c.waiting), ' 人'),
      h('div', { class: 'pred' }, c.noWindow ? '无窗口办理' : c.predictedWaitMinutes === null ? '暂无预计' : `约 ${fmtMinutes(c.predictedWaitMinutes)}`))));
  if (s.suspended) replace(current, h('div', { class: 'idle' }, '暂停服务'));
}

const live = new Live(byId('live-state'));
live.on('hallSnapshot', (s: HallSnapshot) => { if (s.hallCode === profile.code) render(s); });
live.on('ticketCalled', (c: TicketCalled) => { if (c.hallCode === profile.code) announce(c); });
live.onSync(async () => render(await live.invoke<HallSnapshot>('WatchHall', profile.code)));
void live.start();
main.dataset.ready = 'screen';
