import './common/style.css';
import { errorText } from './common/api';
import { tokenFor } from './common/auth';
import { byId, h, param, replace } from './common/dom';
import { currentHall, fatal, title } from './common/hall';
import { Live } from './common/live';
import { PadTarget, RatingPad, padChannel } from './common/ratingPad';
import { HallProfile } from './common/types';
import { citizenPage } from './common/elder';

citizenPage();

// The window's citizen-facing rating pad (评价器). It rates as the window's pad, so it runs with that window's clerk
// token; the ticket comes from ?ticket=, from the clerk console in the same browser (BroadcastChannel), or — on a
// pad that is a separate device — from the live hub: WatchWindowPad(hall, window) answers with the ticket just
// finished there and then pushes ratingOffer on every finish. An offer lapses after a few minutes (expiresAt), so a
// pad left alone goes back to its idle screen.
const main = byId('main');
let profile: HallProfile;
try {
  profile = await currentHall();
} catch (e) {
  fatal(errorText(e));
  throw e;
}
const windowNo = Number(param('window') ?? profile.windows[0]?.windowNo ?? 1);
title(`评价器 · ${profile.name} ${windowNo} 号窗口`);

const subject = sessionStorage.getItem('tongban.clerk') ?? 'clerk-01';
const padToken = () => tokenFor({ role: 'clerk', hallCode: profile.code, windowNo, subject });
const pad = new RatingPad(padToken, () => { rated = shown; });
const waiting = h('p', { id: 'pad-idle', class: 'pad-idle' }, '办结后请在此评价本次服务，谢谢！');
replace(main,
  h('h2', { class: 'pad-where' }, `${profile.name} · ${windowNo} 号窗口`),
  waiting,
  pad.el);

let shown: string | null = null;
let rated: string | null = null;
let expiry = 0;

function show(target: PadTarget): void {
  clearTimeout(expiry);
  waiting.hidden = true;
  shown = `${target.day ?? ''}/${target.ticketNo}`;
  pad.show(target);
}

interface RatingOffer { hallCode: string; windowNo: number; ticketNo: string; day: string; finishedAt: string; expiresAt: string }

/** Shows an offer of this window until it lapses; a ticket already rated here is not offered again. */
function offer(o: RatingOffer | null): void {
  if (!o || o.hallCode !== profile.code || o.windowNo !== windowNo) return;
  const left = new Date(o.expiresAt).getTime() - Date.now();
  const key = `${o.day}/${o.ticketNo}`;
  if (left <= 0 || key === rated || (key === shown && !pad.el.hidden)) return;
  show({ hallCode: profile.code, ticketNo: o.ticketNo, day: o.day });
  expiry = window.setTimeout(() => {
    if (shown !== key) return;
    pad.hide();
    shown = null;
    waiting.hidden = false;
  }, Math.min(left, 2_147_000_000));
}

const ticket = param('ticket');
if (ticket) show({ hallCode: profile.code, ticketNo: ticket, day: param('day') });
padChannel(profile.code, windowNo)?.addEventListener('message', (e: MessageEvent<{ ticketNo: string; day?: string }>) => {
  if (typeof e.data?.ticketNo === 'string') show({ hallCode: profile.code, ticketNo: e.data.ticketNo, day: e.data.day ?? null });
});
if (ticket) {
  byId('live-state').hidden = true;
} else {
  const live = new Live(byId('live-state'), padToken);
  live.on('ratingOffer', (o: RatingOffer) => offer(o));
  live.onSync(async () => offer(await live.invoke<RatingOffer | null>('WatchWindowPad', profile.code, windowNo)));
  void live.start();
}
main.dataset.ready = 'rate';
