// 收件受理 at the window: the item's material checklist (copies, original checked, e-licence cited instead of
// paper), receipt, and then accept or issue the one-time notice (一次性告知) listing every gap. Personal data typed
// by the clerk goes only to the API; what the page shows back is the API's masked view.

import { ApiError, api, errorText } from './common/api';
import { button, h, replace, say } from './common/dom';

interface RequiredMaterial { id: string; name: string; originalRequired: boolean; copies: number; replaceableBy: string | null }
interface Item { code: string; name: string; departmentName: string; promisedLimitDays: number; allowsDeferredMaterials: boolean; materials: RequiredMaterial[] }
interface Licence { type: string; typeName: string; licenceNumber: string; validUntil: string | null; revoked: boolean }
interface Gap { materialId: string; problem: string; note: string | null }
interface CaseView {
  caseNo: string; itemName: string | null; status: string; statusName: string; version: number; applicant: { name: string; idNumber: string; phone: string };
  gaps: Gap[]; notice: { at: string; materials: Gap[] } | null; allowedActions: string[];
}
interface Citation { materialId: string; materialName: string | null; typeName: string; licenceNumber: string; verified: boolean; reason: string | null }

const PROBLEMS: Record<string, string> = {
  missing: '缺少', originalNotVerified: '原件未核验', tooFewCopies: '份数不足', defective: '不符合要求',
};

export function intakePanel(hallCode: string, token: () => string): HTMLElement {
  const q = h('input', { id: 'intake-q', type: 'search', maxlength: 50, autocomplete: 'off' });
  const results = h('div', { id: 'intake-items', class: 'row' });
  const name = h('input', { id: 'intake-name', maxlength: 50, autocomplete: 'off' });
  const idNo = h('input', { id: 'intake-id', maxlength: 18, autocomplete: 'off', spellcheck: 'false' });
  const phone = h('input', { id: 'intake-phone', maxlength: 20, autocomplete: 'off', inputmode: 'tel' });
  const checklist = h('tbody', { id: 'intake-materials' });
  const chosen = h('p', { id: 'intake-item', class: 'muted' }, '未选择事项');
  const status = h('p', { id: 'intake-message', class: 'status-line', role: 'status', 'aria-live': 'polite' });
  const result = h('div', { id: 'intake-case' });
  let item: Item | null = null;
  let licences: Licence[] = [];
  let current: CaseView | null = null;

  async function search(): Promise<void> {
    try {
      const found = (await api.get<Item[]>(`/api/items?provinceWide=true&q=${encodeURIComponent(q.value.trim())}`)) ?? [];
      replace(results, ...found.slice(0, 8).map((i) => button(i.name, () => void choose(i.code), { 'data-code': i.code })),
        found.length ? null : h('span', { class: 'muted' }, '没有找到事项'));
    } catch (e) { say(status, errorText(e), 'error'); }
  }

  async function choose(code: string): Promise<void> {
    item = (await api.get<Item>(`/api/items/${encodeURIComponent(code)}`))!;
    current = null;
    replace(result);
    replace(chosen, `已选：${item.name}（${item.departmentName}，${item.promisedLimitDays ? `承诺 ${item.promisedLimitDays} 个工作日` : '即办件'}）`);
    drawChecklist();
  }

  async function lookupLicences(): Promise<void> {
    try {
      licences = (await api.post<Licence[]>('/api/licences/lookup', { idNumber: idNo.value.trim() }, token())) ?? [];
      const today = new Date().toISOString().slice(0, 10);
      licences = licences.filter((l) => !l.revoked && (!l.validUntil || l.validUntil >= today));
      say(status, `证照库中有 ${licences.length} 个有效电子证照`, 'info');
      drawChecklist();
    } catch (e) { say(status, errorText(e), 'error'); }
  }

  function drawChecklist(): void {
    if (!item) return;
    replace(checklist, ...item.materials.map((m) => {
      const usable = licences.filter((l) => l.type === m.replaceableBy);
      const eSelect = m.replaceableBy
        ? h('select', { 'data-field': 'elicence', 'aria-label': `${m.name}：电子证照` },
          h('option', { value: '' }, usable.length ? '（不使用）' : '（无可用证照）'),
          ...usable.map((l) => h('option', { value: l.licenceNumber, 'data-type': l.type }, `${l.typeName} ${l.licenceNumber}`)))
        : h('span', { class: 'muted' }, '—');
      if (eSelect instanceof HTMLSelectElement && usable.length) eSelect.selectedIndex = 1;
      return h('tr', { 'data-material': m.id },
        h('th', { scope: 'row' }, h('label', null, h('input', { type: 'checkbox', 'data-field': 'received', checked: true }), ' ', m.name)),
        h('td', null, h('input', { type: 'number', min: 0, max: 20, value: m.copies, class: 'short', 'data-field': 'copies', 'aria-label': `${m.name}：份数` })),
        h('td', null, m.originalRequired ? h('input', { type: 'checkbox', 'data-field': 'original', 'aria-label': `${m.name}：原件已核验` }) : h('span', { class: 'muted' }, '不需要')),
        h('td', null, eSelect));
    }));
  }

  function materials(): { materialId: string; copies: number; originalVerified: boolean; eLicence: { type: string; licenceNumber: string } | null }[] {
    return [...checklist.querySelectorAll<HTMLTableRowElement>('tr')].flatMap((tr) => {
      const field = <T extends HTMLElement>(f: string) => tr.querySelector<T>(`[data-field=${f}]`);
      const e = field<HTMLSelectElement>('elicence');
      const licence = e && e.value ? { type: e.selectedOptions[0].dataset.type!, licenceNumber: e.value } : null;
      if (!field<HTMLInputElement>('received')!.checked && !licence) return [];
      return [{ materialId: tr.dataset.material!, copies: Number(field<HTMLInputElement>('copies')!.value || 0), originalVerified: !!field<HTMLInputElement>('original')?.checked, eLicence: licence }];
    });
  }

  async function receive(): Promise<void> {
    if (!item) { say(status, '请先选择事项', 'error'); return; }
    try {
      if (!current) {
        const created = (await api.post<{ caseNo: string; version: number }>('/api/cases', {
          itemCode: item.code, channel: 'window', receivingHallCode: hallCode, materials: materials(),
          applicant: { name: name.value.trim(), idNumber: idNo.value.trim(), phone: phone.value.trim() },
        }, token()))!;
        current = await load(created.caseNo);
        idNo.value = ''; phone.value = '';
      }
      await transition('receive', { materials: materials() });
    } catch (e) { say(status, errorText(e), 'error'); }
  }

  async function load(caseNo: string): Promise<CaseView> {
    return (await api.get<CaseView>(`/api/cases/${encodeURIComponent(caseNo)}`, token()))!;
  }

  async function transition(action: string, extra: Record<string, unknown> = {}): Promise<void> {
    if (!current) return;
    try {
      await api.post(`/api/cases/${encodeURIComponent(current.caseNo)}/transitions`, { action, expectedVersion: current.version, ...extra }, token());
      current = await load(current.caseNo);
      const words: Record<string, string> = { receive: '已收件', accept: '已受理', notifyMissing: '已出具一次性告知书' };
      say(status, `${words[action] ?? action}：${current.caseNo}`, 'ok');
      await drawCase();
    } catch (e) {
      say(status, e instanceof ApiError && e.status === 409 ? `${e.title}：${e.detail ?? ''}` : errorText(e), 'error');
    }
  }

  async function drawCase(): Promise<void> {
    if (!current || !item) return;
    const c = current;
    const nameOf = (id: string) => item!.materials.find((m) => m.id === id)?.name ?? id;
    const citations = (await api.get<Citation[]>(`/api/cases/${encodeURIComponent(c.caseNo)}/licences`, token()).catch(() => null)) ?? [];
    const gapList = (gaps: Gap[], id: string) => h('ul', { id }, ...gaps.map((g) => h('li', { 'data-material': g.materialId },
      `${nameOf(g.materialId)}：${PROBLEMS[g.problem] ?? g.problem}${g.note ? `（${g.note}）` : ''}`)));
    replace(result,
      h('h3', null, `办件 ${c.caseNo}`),
      h('p', null, h('span', { id: 'intake-status', class: 'badge big' }, c.statusName), ' ', `${c.applicant.name} · ${c.applicant.idNumber} · ${c.applicant.phone}`),
      citations.length ? h('ul', { id: 'intake-licences' }, ...citations.map((l) => h('li', { 'data-verified': String(l.verified) },
        `${l.materialName ?? l.materialId}：${l.typeName} ${l.licenceNumber} `,
        h('span', { class: `badge ${l.verified ? 'open' : 'paused'}` }, l.verified ? '已核验' : `未通过：${l.reason ?? ''}`)))) : null,
      c.gaps.length ? h('div', null, h('h4', null, '材料问题'), gapList(c.gaps, 'intake-gaps')) : h('p', { id: 'intake-gaps' }, '材料齐全'),
      c.notice ? h('div', { class: 'panel', id: 'intake-notice' }, h('h4', null, '一次性告知书'),
        h('p', null, '请补齐以下材料后再次到窗口办理（本件只告知一次）：'), gapList(c.notice.materials, 'notice-materials')) : null,
      h('div', { class: 'row' },
        c.allowedActions.includes('accept') ? button('受理', () => void transition('accept'), { id: 'intake-accept', class: 'primary' }) : null,
        c.allowedActions.includes('notifyMissing') && c.gaps.length
          ? button('出具一次性告知书', () => void transition('notifyMissing', { missingMaterials: c.gaps }), { id: 'intake-notify' }) : null,
        c.allowedActions.includes('receive') ? button('补齐后再收件', () => void transition('receive', { materials: materials() }), { id: 'intake-rereceive' }) : null,
        button('新的收件', () => { current = null; name.value = ''; licences = []; drawChecklist(); replace(result); say(status, ''); }, { id: 'intake-new' })));
  }

  q.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); void search(); } });
  return h('section', { id: 'intake', class: 'panel stack', 'aria-labelledby': 'intake-h' },
    h('h2', { id: 'intake-h' }, '收件受理'),
    h('div', { class: 'row' }, h('label', { for: 'intake-q' }, '事项（名称或拼音首字母）'), q, button('查找', () => void search(), { id: 'intake-search' })),
    results, chosen,
    h('div', { class: 'row' },
      h('label', { for: 'intake-name' }, '申请人'), name,
      h('label', { for: 'intake-id' }, '身份证号'), idNo,
      h('label', { for: 'intake-phone' }, '手机号'), phone,
      button('查询电子证照', () => void lookupLicences(), { id: 'intake-licence-lookup' })),
    h('h3', { id: 'intake-m-h' }, '材料清单'),
    h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'intake-m-h' }, h('table', null,
      h('thead', null, h('tr', null, ...['材料（已收）', '份数', '原件', '电子证照'].map((t) => h('th', { scope: 'col' }, t)))), checklist)),
    h('div', { class: 'row' }, button('收件', () => void receive(), { id: 'intake-receive', class: 'primary' })),
    status, result);
}
