import './common/style.css';
import { errorText } from './common/api';
import { tokenFor } from './common/auth';
import { byId, h, param, replace } from './common/dom';
import { currentHall, fatal, title } from './common/hall';
import { PadTarget, RatingPad, padChannel } from './common/ratingPad';
import { HallProfile } from './common/types';

// The window's citizen-facing rating pad (评价器). It rates as the window's pad, so it runs with that window's clerk
// token; the ticket comes from ?ticket= or, on a second screen of the clerk's PC, from the clerk console when it
// finishes a ticket (BroadcastChannel, same browser).
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
const pad = new RatingPad(() => tokenFor({ role: 'clerk', hallCode: profile.code, windowNo, subject }));
const waiting = h('p', { id: 'pad-idle', class: 'pad-idle' }, '办结后请在此评价本次服务，谢谢！');
replace(main,
  h('h2', { class: 'pad-where' }, `${profile.name} · ${windowNo} 号窗口`),
  waiting,
  pad.el);

function show(target: PadTarget): void {
  waiting.hidden = true;
  pad.show(target);
}

const ticket = param('ticket');
if (ticket) show({ hallCode: profile.code, ticketNo: ticket, day: param('day') });
padChannel(profile.code, windowNo)?.addEventListener('message', (e: MessageEvent<{ ticketNo: string; day?: string }>) => {
  if (typeof e.data?.ticketNo === 'string') show({ hallCode: profile.code, ticketNo: e.data.ticketNo, day: e.data.day ?? null });
});
main.dataset.ready = 'rate';
