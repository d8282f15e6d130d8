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
const voiceButton = h('button', { type: 'button', id: 'voice-toggle', class: 'voice-toggle' }, '开启语音');
const voiceNote = h('span', { id: 'voice-note', class: 'voice-note', role: 'status' });

replace(main,
  h('div', { class: 'screen-head' }, h('h2', null, profile.name), h('div', { class: 'voice' }, voiceButton, voiceNote), clock),
  h('div', { class: 'screen-grid' },
    h('section', { 'aria-label': '当前叫号' }, current),
    h('section', { 'aria-labelledby': 'r-h' }, h('h2', { id: 'r-h' }, '最近叫号'), recent)),
  h('section', { 'aria-labelledby': 'win-h' }, h('h2', { id: 'win-h' }, '各窗口'), serving),
  h('section', { 'aria-labelledby': 'wait-h' }, h('h2', { id: 'wait-h' }, '等候人数'), waiting),
);

setInterval(() => { clock.textContent = fmtTime(new Date()); }, 1000);
clock.textContent = fmtTime(new Date());

// Each ticket's window as last announced, by day (numbers restart daily): the same ticket called again to the same
// window is a 重呼. `at` is the hall's +08:00 time, so its first ten characters are the hall's date.
const announced = new Map<string, number>();

function announce(c: TicketCalled): void {
  const key = `${c.at.slice(0, 10)}/${c.ticketNo}`;
  const recall = announced.get(key) === c.windowNo;
  announced.set(key, c.windowNo);
  replace(current,
    h('div', { class: 'ticket', id: 'current-ticket' }, c.ticketNo),
    h('div', { class: 'arrow', 'aria-hidden': 'true' }, '→'),
    h('div', { class: 'window', id: 'current-window' }, `${c.windowNo} 号窗口`),
    h('div', { class: 'hint' }, callText(c.ticketNo, c.windowNo, recall)));
  current.dataset.announcement = callText(c.ticketNo, c.windowNo, recall);
  current.classList.remove('flash');
  void current.offsetWidth; // restart the highlight animation
  current.classList.add('flash');
  recent.prepend(h('li', { class: recall ? 'recall' : null }, h('span', { class: 't' }, c.ticketNo), h('span', { class: 'w' }, `${c.windowNo} 号窗口`),
    recall ? h('span', { class: 'again' }, '重呼') : null, h('span', { class: 'at' }, fmtTime(c.at))));
  while (recent.children.length > 6) recent.lastElementChild?.remove();
  speak(spokenText(c.ticketNo, c.windowNo, recall));
}

// --- 语音叫号 ------------------------------------------------------------------------------------------------------
// Browsers refuse speech until someone has touched the page (autoplay rules), so the screen starts silent with a
// 「开启语音」 button; one tap turns it on and confirms aloud. The choice is remembered: a screen that comes back after a
// reload tries to speak at once (kiosk browsers allow it) and, if refused, asks for the tap again.

const VOICE_KEY = 'tongban.screen.voice';
let voiceOn = localStorage.getItem(VOICE_KEY) === '1';

/** What the screen shows: 「请 A012 号到 3 号窗口办理」, a 重呼 marked as such. */
function callText(ticketNo: string, windowNo: number, recall: boolean): string {
  return `${recall ? '重呼：' : ''}请 ${ticketNo} 号到 ${windowNo} 号窗口办理`;
}

const DIGITS = '零一二三四五六七八九';

/** What is spoken: the ticket's digits one by one (A012 → A零一二, as halls read them), a 重呼 said twice. */
function spokenText(ticketNo: string, windowNo: number, recall: boolean): string {
  const ticket = ticketNo.replace(/[0-9]/g, (d) => DIGITS[Number(d)]);
  const once = `请 ${ticket} 号，到 ${windowNo} 号窗口办理`;
  return recall ? `重复呼叫，${once}。${once}` : once;
}

function showVoice(blocked = false): void {
  voiceButton.textContent = voiceOn && !blocked ? '关闭语音' : '开启语音';
  voiceButton.dataset.on = String(voiceOn && !blocked);
  voiceNote.textContent = !voiceOn ? '语音播报未开启' : blocked ? '浏览器需要轻触一次才能播报，请点「开启语音」' : '语音播报已开启';
}

function speak(text: string): void {
  current.dataset.spoken = text;
  if (!voiceOn || !('speechSynthesis' in window)) return;
  try {
    const u = new SpeechSynthesisUtterance(text);
    u.lang = 'zh-CN';
    u.rate = 0.9;
    const voice = speechSynthesis.getVoices().find((v) => v.lang.replace('_', '-').toLowerCase() === 'zh-cn');
    if (voice) u.voice = voice;
    u.addEventListener('error', (e) => { if (e.error === 'not-allowed') showVoice(true); });
    speechSynthesis.speak(u);
  } catch {
    // A display without speech simply stays silent; the screen still shows every call.
  }
}

voiceButton.addEventListener('click', () => {
  const wasBlocked = voiceButton.dataset.on === 'false' && voiceOn;
  voiceOn = wasBlocked || !voiceOn;
  localStorage.setItem(VOICE_KEY, voiceOn ? '1' : '0');
  showVoice();
  if (voiceOn) speak('语音播报已开启');
  else if ('speechSynthesis' in window) speechSynthesis.cancel();
});
showVoice();

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
