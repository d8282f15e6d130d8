// 好差评 rating pad: five levels (5 非常满意 … 1 非常不满意), an optional comment, posted to POST /api/ratings as the
// window's pad (channel windowPad, signed in with the window clerk's token; no rating token needed). Used by the clerk
// console after 办结 and by the citizen-facing /rate page. The comment is sent as data and never shown as markup.

import { ApiError, api, errorText } from './api';
import { h, replace, say } from './dom';

export const LEVELS: [number, string][] = [[5, '非常满意'], [4, '满意'], [3, '基本满意'], [2, '不满意'], [1, '非常不满意']];

export interface PadTarget { hallCode: string; ticketNo: string; day?: string | null }

interface Receipt { ratingId: string; level: number; levelName: string; replayed: boolean; followUp: { stageName: string } | null }

/** Same-browser hand-over from the clerk console to a /rate page on the window's citizen-facing screen. */
export function padChannel(hallCode: string, windowNo: number): BroadcastChannel | null {
  return typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(`tongban.pad:${hallCode}:${windowNo}`);
}

export class RatingPad {
  readonly el: HTMLElement;
  private target: PadTarget | null = null;
  private readonly heading: HTMLElement;
  private readonly form: HTMLFormElement;
  private readonly comment: HTMLTextAreaElement;
  private readonly submit: HTMLButtonElement;
  private readonly status: HTMLElement;

  constructor(private readonly token: () => Promise<string>, private readonly onRated?: (r: Receipt) => void) {
    this.heading = h('h2', { id: 'pad-h' }, '请对本次服务评价');
    const levels = h('fieldset', { class: 'levels' }, h('legend', null, '满意程度'),
      ...LEVELS.map(([level, name]) => h('label', { class: `level l${level}` },
        h('input', { type: 'radio', name: 'level', value: level, id: `level-${level}`, required: true }), h('span', null, name))));
    this.comment = h('textarea', { id: 'pad-comment', rows: 3, maxlength: 500, 'aria-describedby': 'pad-comment-hint' });
    this.submit = h('button', { type: 'submit', id: 'pad-submit', class: 'primary big' }, '提交评价');
    this.status = h('p', { id: 'pad-message', class: 'status-line', role: 'status', 'aria-live': 'polite' });
    this.form = h('form', { class: 'stack' }, levels,
      h('label', { for: 'pad-comment' }, '意见或建议（可不填）'), this.comment,
      h('span', { id: 'pad-comment-hint', class: 'muted small' }, '最多 500 字；请勿填写身份证号、手机号等个人信息。'),
      this.submit);
    this.form.addEventListener('submit', (e) => { e.preventDefault(); void this.send(); });
    this.el = h('section', { id: 'rating-pad', class: 'rating-pad panel', 'aria-labelledby': 'pad-h', hidden: true }, this.heading, this.form, this.status);
  }

  show(target: PadTarget): void {
    this.target = target;
    this.form.reset();
    this.form.hidden = false;
    this.submit.disabled = false;
    replace(this.heading, `请对本次服务评价（${target.ticketNo} 号）`);
    say(this.status, '');
    this.el.dataset.ticket = target.ticketNo;
    delete this.el.dataset.rated;
    this.el.hidden = false;
  }

  hide(): void {
    this.target = null;
    this.el.hidden = true;
  }

  private async send(): Promise<void> {
    const t = this.target;
    const chosen = this.form.querySelector<HTMLInputElement>('input[name=level]:checked');
    if (!t) return;
    if (!chosen) { say(this.status, '请选择满意程度', 'error'); return; }
    this.submit.disabled = true;
    try {
      const r = (await api.post<Receipt>('/api/ratings', {
        hallCode: t.hallCode, ticketNo: t.ticketNo, day: t.day ?? null, level: Number(chosen.value), channel: 'windowPad',
        comment: this.comment.value.trim() || null,
      }, await this.token()))!;
      this.form.hidden = true;
      this.el.dataset.rated = String(r.level);
      say(this.status, r.level >= 3
        ? `感谢您的评价：${r.levelName}`
        : `感谢您的评价：${r.levelName}。我们将在 1 个工作日内回访核实并整改。`, 'ok');
      this.onRated?.(r);
    } catch (e) {
      this.submit.disabled = false;
      say(this.status, e instanceof ApiError && e.status === 409 ? '该号已评价过，每次服务只评价一次。' : errorText(e), 'error');
    }
  }
}
