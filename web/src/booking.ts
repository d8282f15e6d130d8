// 预约 and 线上取号 from the map: a panel in the side column for one service point. Booking uses the existing
// appointment API as the applicant (a citizen token whose subject is the applicant's ID number: one may book only
// for oneself); a remote ticket is the take-ticket route with kind "remote", signed in as the citizen. Both send an Idempotency-Key
// that stays the same while the citizen retries the same request, so a retry never books or takes twice. Answers
// and refusals are shown in plain Chinese, always as text.

import { ApiError, api } from './common/api';
import { tokenFor } from './common/auth';
import { button, fmtMinutes, h, replace, say } from './common/dom';
import { MapPointDetail, ServiceItem } from './common/types';

interface Slot { start: string; end: string; capacity: number; booked: number; bookable: boolean }
interface Appointment { appointmentId: string; hallCode: string; date: string; start: string; end: string; category: string; itemCode: string; state: string; applicant: { name: string; phone: string } }
interface Ticket { hallCode: string; ticketNo: string; category: string; position: number | null; predictedWaitMinutes: number | null; issuedAt: string }

const CODES: Record<string, string> = {
  slotFull: '该时段已约满，请选择其他时段。',
  slotPast: '该时段已开始，不能再预约，请选择稍后的时段。',
  duplicateBooking: '您当天已预约过该事项，无需重复预约。',
  hallClosed: '该网点当天不办公，请选择其他日期。',
  noAppointments: '该网点不提供预约。',
  dateInPast: '不能预约过去的日期。',
  beyondHorizon: '只能预约 14 天以内的日期。',
  notASlot: '请选择列表中的时段。',
};

/** A refusal in plain Chinese: the API's Chinese detail where it gives one, else a sentence per status. */
export function plainChinese(e: unknown, what: string): string {
  if (e instanceof ApiError) {
    const code = typeof e.body?.code === 'string' ? e.body.code : null;
    if (code && CODES[code]) return CODES[code];
    if (typeof e.body?.detailZh === 'string' && e.body.detailZh) return `${what}未成功：${e.body.detailZh}`;
    if (e.status === 409 && e.detail?.includes(' / ')) return `${what}未成功：${e.detail.split(' / ').pop()}`;
    if (e.status === 409) return `${what}未成功：网点当前不能办理（可能已暂停服务）。`;
    if (e.status === 400) return `${what}未成功：填写的信息有误，请检查姓名、身份证号、手机号和时段。`;
    if (e.status === 401 || e.status === 403) return `${what}未成功：只能为本人预约，请使用本人身份登录。`;
    if (e.status === 404) return `${what}未成功：该网点不办理所选事项或类别。`;
    if (e.status === 429) return `${what}太频繁，请稍后再试。`;
    return `${what}未成功：服务暂时不可用（${e.status}），请稍后再试。`;
  }
  return `${what}未成功：网络异常，请检查网络后重试。`;
}

function today(): string {
  return new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The first day from today on which the point has sessions by its weekly hours (holidays are the API's to refuse). */
function firstOpenDay(detail: MapPointDetail): string {
  const hours = detail.openingHours;
  const start = today();
  for (let i = 0; i <= 14; i++) {
    const date = addDays(start, i);
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    const open = !hours || hours.always || (weekday >= 1 && weekday <= 5 ? hours.workdays.length > 0 : weekday === 6 ? hours.saturday.length > 0 : false);
    if (open) return date;
  }
  return start;
}

function hhmm(iso: string): string {
  return new Date(iso).toLocaleTimeString('zh-CN', { hour12: false, hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Shanghai' });
}

/** The side panel; <c>show</c> fills it for one point and focuses its heading. */
export class ServicePanel {
  readonly el: HTMLElement;
  private detail: MapPointDetail | null = null;
  private bookingKey: { request: string; key: string } | null = null;
  private ticketKey: { request: string; key: string } | null = null;

  constructor(private readonly chosenItem: () => ServiceItem | null, private readonly itemNames: (code: string) => string) {
    this.el = h('section', { id: 'service-panel', class: 'panel stack', 'aria-labelledby': 'service-h', hidden: true });
  }

  show(detail: MapPointDetail, focus: 'book' | 'ticket'): void {
    this.detail = detail;
    const p = detail.point;
    const open = p.open && !p.suspended && !p.closed;
    const categories = detail.categories.map((c) => h('option', { value: c.code }, `${c.code} ${c.name}`));
    const chosen = this.chosenItem();
    const items = p.items.map((code) => {
      const o = h('option', { value: code }, this.itemNames(code));
      o.selected = code === chosen?.code;
      return o;
    });

    // --- 线上取号 -------------------------------------------------------------------------------------------------
    const ticketCategory = h('select', { id: 'ticket-category' }, ...detail.categories.map((c) => h('option', { value: c.code }, `${c.code} ${c.name}`)));
    const ticketStatus = h('p', { id: 'ticket-result', class: 'status-line', role: 'status', 'aria-live': 'polite' });
    const ticketButton = h('button', { type: 'submit', id: 'take-ticket', class: 'primary' }, '线上取号');
    // A remote ticket is taken signed in, in one's own name (one open ticket per person and category).
    const ticketId = h('input', { id: 'ticket-id', required: true, maxlength: 18, autocomplete: 'off', spellcheck: 'false', inputmode: 'text' });
    const ticketForm = h('form', { id: 'ticket-form', class: 'stack', 'aria-labelledby': 'ticket-h', 'data-form': 'ticket' },
      h('h3', { id: 'ticket-h' }, '线上取号'),
      open
        ? h('p', { class: 'muted small' }, '取号后请按预计时间到达，过号需重新取号。')
        : h('p', { class: 'status-line', 'data-kind': 'error' }, p.suspended ? '该网点暂停服务，暂不能线上取号。' : '该网点当前不在办公时间，暂不能线上取号，可预约其他时间。'),
      h('div', { class: 'row' }, h('label', { for: 'ticket-id' }, '本人身份证号（登录）'), ticketId),
      h('div', { class: 'row' }, h('label', { for: 'ticket-category' }, '办理类别'), ticketCategory, ticketButton),
      ticketStatus);
    ticketButton.disabled = !open;
    ticketForm.addEventListener('submit', (e) => { e.preventDefault(); void this.takeTicket(ticketCategory.value, ticketId.value.trim().toUpperCase(), ticketButton, ticketStatus); });

    // --- 预约 -----------------------------------------------------------------------------------------------------
    const date = h('input', { id: 'book-date', type: 'date', required: true, min: today(), max: addDays(today(), 14), value: firstOpenDay(detail) });
    const category = h('select', { id: 'book-category', required: true }, ...categories);
    const item = h('select', { id: 'book-item', required: true }, ...items);
    const slot = h('select', { id: 'book-slot', required: true, 'aria-describedby': 'book-slot-hint' });
    const slotHint = h('span', { id: 'book-slot-hint', class: 'muted small' }, '选择日期和类别后显示可预约时段。');
    const name = h('input', { id: 'book-name', required: true, maxlength: 30, autocomplete: 'name' });
    const idNumber = h('input', { id: 'book-id', required: true, maxlength: 18, autocomplete: 'off', spellcheck: 'false', inputmode: 'text' });
    const phone = h('input', { id: 'book-phone', required: true, maxlength: 20, type: 'tel', autocomplete: 'tel' });
    const bookStatus = h('p', { id: 'book-result', class: 'status-line', role: 'status', 'aria-live': 'polite' });
    const bookButton = h('button', { type: 'submit', id: 'book-submit', class: 'primary' }, '确认预约');
    const field = (label: string, control: HTMLElement, extra?: HTMLElement) =>
      h('div', { class: 'field' }, h('label', { for: control.id }, label), control, extra ?? null);
    const bookForm = h('form', { id: 'book-form', class: 'stack', 'aria-labelledby': 'book-h', 'data-form': 'book' },
      h('h3', { id: 'book-h' }, '预约办理'),
      field('办理事项', item), field('办理类别', category), field('日期', date), field('时段', slot, slotHint),
      field('申请人姓名', name), field('身份证号', idNumber), field('手机号', phone),
      h('p', { class: 'muted small' }, '只能为本人预约；身份证号只用于核对本人，页面不保存。'),
      bookButton, bookStatus);
    const loadSlots = () => void this.loadSlots(date.value, category.value, slot, slotHint);
    date.addEventListener('change', loadSlots);
    category.addEventListener('change', loadSlots);
    bookForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.book({ date: date.value, start: slot.value, category: category.value, itemCode: item.value,
        applicant: { name: name.value.trim(), idNumber: idNumber.value.trim().toUpperCase(), phone: phone.value.trim() } }, bookButton, bookStatus);
    });

    // 长辈模式 shows one form at a time (CSS on data-focus); the switch button is there only in that mode.
    const other = () => (this.el.dataset.focus === 'ticket' ? '改为预约办理' : '改为线上取号');
    const swap = button(other(), () => {
      this.el.dataset.focus = this.el.dataset.focus === 'ticket' ? 'book' : 'ticket';
      swap.textContent = other();
    }, { id: 'service-swap', class: 'elder-only' });
    this.el.dataset.focus = focus;
    swap.textContent = other();
    replace(this.el,
      h('h2', { id: 'service-h', tabindex: -1 }, `办事服务 · ${p.name}`),
      button('关闭', () => { this.el.hidden = true; }, { id: 'service-close', class: 'small' }),
      detail.categories.length && !p.always && p.items.length ? swap : null,
      detail.categories.length === 0 || p.always
        ? h('p', null, '该网点为 24 小时自助服务，无需取号或预约。')
        : h('div', { class: 'stack' }, ticketForm, p.items.length ? bookForm : h('p', null, '该网点暂无可预约的事项。')));
    this.el.dataset.hall = p.code;
    this.el.hidden = false;
    if (detail.categories.length && p.items.length) loadSlots();
    (focus === 'ticket' ? ticketCategory : item).focus();
    this.el.scrollIntoView({ block: 'nearest' });
  }

  private async loadSlots(date: string, category: string, select: HTMLSelectElement, hint: HTMLElement): Promise<void> {
    const hall = this.detail!.point.code;
    replace(select);
    delete select.dataset.loaded;
    try {
      const slots = (await api.get<Slot[]>(`/api/halls/${encodeURIComponent(hall)}/appointments/slots?date=${encodeURIComponent(date)}&category=${encodeURIComponent(category)}`)) ?? [];
      const bookable = slots.filter((s) => s.bookable && s.booked < s.capacity);
      replace(select, ...bookable.map((s) => h('option', { value: s.start }, `${hhmm(s.start)}–${hhmm(s.end)}（余 ${s.capacity - s.booked} 个）`)));
      hint.textContent = bookable.length ? `${date} 可预约 ${bookable.length} 个时段。` : '该日期没有可预约的时段，请换一天。';
    } catch (e) {
      hint.textContent = plainChinese(e, '查询时段');
    }
    select.dataset.loaded = `${date}/${category}`;
  }

  /** The same key while the same request is retried; a changed request gets a new one. */
  private static key(slot: { request: string; key: string } | null, request: string): { request: string; key: string } {
    return slot && slot.request === request ? slot : { request, key: crypto.randomUUID() };
  }

  private async book(body: { date: string; start: string; category: string; itemCode: string; applicant: { name: string; idNumber: string; phone: string } },
    submit: HTMLButtonElement, status: HTMLElement): Promise<void> {
    const hall = this.detail!.point.code;
    if (!body.start) { say(status, '请先选择可预约的时段。', 'error'); return; }
    if (!body.applicant.name || !body.applicant.idNumber || !body.applicant.phone) { say(status, '请填写申请人姓名、身份证号和手机号。', 'error'); return; }
    this.bookingKey = ServicePanel.key(this.bookingKey, JSON.stringify([hall, body]));
    submit.disabled = true;
    say(status, '正在预约…');
    try {
      const token = await tokenFor({ role: 'citizen', subject: body.applicant.idNumber });
      const a = (await api.post<Appointment>(`/api/halls/${encodeURIComponent(hall)}/appointments`, body, token, { 'Idempotency-Key': this.bookingKey.key }))!;
      this.el.dataset.appointment = a.appointmentId;
      say(status, `预约成功：${a.date} ${hhmm(a.start)}–${hhmm(a.end)}，${this.itemNames(a.itemCode)}，预约号 ${a.appointmentId}（${a.applicant.name}，${a.applicant.phone}）。请在预约时段前后到网点签到取号。`, 'ok');
      this.bookingKey = null;
    } catch (e) {
      say(status, plainChinese(e, '预约'), 'error');
    } finally {
      submit.disabled = false;
    }
  }

  private async takeTicket(category: string, idNumber: string, submit: HTMLButtonElement, status: HTMLElement): Promise<void> {
    const hall = this.detail!.point.code;
    if (!idNumber) { say(status, '线上取号须本人登录：请填写本人身份证号。', 'error'); return; }
    this.ticketKey = ServicePanel.key(this.ticketKey, `${hall}/${category}/${idNumber}`);
    submit.disabled = true;
    say(status, '正在取号…');
    try {
      const token = await tokenFor({ role: 'citizen', subject: idNumber });
      const t = (await api.post<Ticket>(`/api/halls/${encodeURIComponent(hall)}/tickets`, { category, kind: 'remote' }, token, { 'Idempotency-Key': this.ticketKey.key }))!;
      this.el.dataset.ticket = t.ticketNo;
      say(status, `取号成功：${t.ticketNo} 号，当前排第 ${t.position ?? '—'} 位，预计等候 ${fmtMinutes(t.predictedWaitMinutes)}。请留意叫号屏或到网点后向工作人员出示号码。`, 'ok');
    } catch (e) {
      say(status, plainChinese(e, '取号'), 'error');
    } finally {
      submit.disabled = false;
    }
  }
}
