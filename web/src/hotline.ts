import './common/style.css';
import { ApiError, api, errorText } from './common/api';
import { tokenFor } from './common/auth';
import { button, byId, h, replace, say, scrollBox } from './common/dom';
import { title } from './common/hall';
import { Live } from './common/live';

// 12345 坐席: look a case up with the caller's verification (last 4 of the registered phone or ID number), show the
// masked view the API returns, register 催办 / 投诉, and follow the open case live (WatchCase, allowed for 30 minutes
// after a verified look-up). Every value from the API goes in as text, never as markup.

interface Deadline { dueDate: string; overdue: boolean; overdueWorkingDays: number; remainingWorkingDays: number; suspended: boolean; provisional: boolean; stage: string }
interface Department { code: string; name: string | null; displayName: string; phone: string | null; via: string | null }
interface HallContact { code: string; name: string | null; phone: string | null; address: string | null }
interface TimelineItem {
  at: string; kind: string; title: string; statusName: string | null; actorRole: string; reason: string | null; comment: string | null;
  seq: number | null; responseDue: string | null; respondsTo: number | null; category: string | null;
}
interface OpenItem { seq: number; kind: string; at: string; responseDue: string; overdue: boolean; calls: number; text: string; category: string | null }
interface HotlineCase {
  caseNo: string; itemCode: string; itemName: string | null; status: string; statusName: string; stage: string; deadline: Deadline | null;
  department: Department; receivingHall: HallContact | null; applicant: { name: string; idNumber: string; phone: string };
  delivery: { status: string; method: string | null; trackingNumber: string | null; text: string }; openItems: OpenItem[]; timeline: TimelineItem[];
  version: number; submittedAt: string; updatedAt: string;
}
interface EntryCreated { caseNo: string; seq: number; kind: string; responseDue: string | null; calls: number; repeat: boolean }
interface CaseChanged { caseNo: string; status: string; version: number; stage: string }

const COMPLAINT_CATEGORIES: [string, string][] = [
  ['overdue', '超期未办'], ['attitude', '服务态度'], ['repeatedVisits', '多次跑动'], ['materials', '材料要求不一致'], ['other', '其他'],
];
const NOT_FOUND = '未找到该案件，或核验信息不符。请与来电人核对办件编号和登记的手机号/身份证号后四位。';

title('12345 坐席');
const agentId = sessionStorage.getItem('tongban.agent') ?? 'hotline-agent-01';
const token = () => tokenFor({ role: 'hotlineAgent', subject: agentId });

const main = byId('main');
const caseInput = h('input', {
  id: 'case-no', name: 'caseNo', required: true, maxlength: 32, autocomplete: 'off', spellcheck: 'false', placeholder: 'GZ5201022611270000011',
  'aria-describedby': 'case-no-hint',
});
const verifyInput = h('input', {
  id: 'verify', name: 'verify', required: true, maxlength: 4, minlength: 4, autocomplete: 'off', inputmode: 'text', pattern: '[0-9]{3}[0-9Xx]',
  'aria-describedby': 'verify-hint', class: 'short',
});
const lookupButton = h('button', { type: 'submit', id: 'lookup', class: 'primary' }, '查询');
const form = h('form', { id: 'lookup-form', class: 'panel stack', 'aria-labelledby': 'lookup-h' },
  h('h2', { id: 'lookup-h' }, '来电核验与查询'),
  h('div', { class: 'field' }, h('label', { for: 'case-no' }, '办件编号'), caseInput,
    h('span', { id: 'case-no-hint', class: 'muted small' }, '21 位，以 GZ 开头，来电人可从受理回执或短信中读出。')),
  h('div', { class: 'field' }, h('label', { for: 'verify' }, '核验：登记手机号或身份证号后四位'), verifyInput,
    h('span', { id: 'verify-hint', class: 'muted small' }, '由来电人读出；核验不符与案件不存在的提示相同，连续核验失败会被暂时锁定。')),
  h('div', { class: 'row' }, lookupButton, h('span', { class: 'muted small' }, `坐席：${agentId}`)));
const message = h('p', { id: 'message', class: 'status-line', role: 'status', 'aria-live': 'polite' });
const view = h('section', { id: 'case-view', 'aria-labelledby': 'case-h', hidden: true });

// 来电人名下办件: the caller gives their ID number or mobile; the agent sees their cases (number, item, status, deadline:
// no personal data in the answer) and opens one with the same identifier's last four as the verification. The typed
// identifier is cleared after the search and only shown masked.
const callerKind = h('select', { id: 'caller-kind' }, h('option', { value: 'idNumber' }, '身份证号'), h('option', { value: 'phone' }, '手机号'));
const callerInput = h('input', { id: 'caller-id', name: 'callerId', required: true, maxlength: 20, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'caller-hint' });
const callerForm = h('form', { id: 'caller-form', class: 'panel stack', 'aria-labelledby': 'caller-h' },
  h('h2', { id: 'caller-h' }, '来电人名下办件'),
  h('div', { class: 'row' }, h('label', { for: 'caller-kind' }, '证件类型'), callerKind),
  h('div', { class: 'field' }, h('label', { for: 'caller-id' }, '来电人身份证号或手机号'), callerInput,
    h('span', { id: 'caller-hint', class: 'muted small' }, '由来电人报出；查询后输入框清空，页面只显示脱敏号码。')),
  h('div', { class: 'row' }, h('button', { type: 'submit', id: 'caller-search' }, '查找办件')));
const callerMessage = h('p', { id: 'caller-message', class: 'status-line', role: 'status', 'aria-live': 'polite' });
const callerList = h('ul', { id: 'caller-cases', class: 'caller-cases' });

// 一件事: the parent number with the caller's verification gives the combined progress and every child case.
const bundleInput = h('input', { id: 'bundle-no', name: 'bundleNo', required: true, maxlength: 32, autocomplete: 'off', spellcheck: 'false' });
const bundleVerify = h('input', { id: 'bundle-verify', name: 'bundleVerify', required: true, maxlength: 4, minlength: 4, autocomplete: 'off', class: 'short', pattern: '[0-9]{3}[0-9Xx]' });
const bundleForm = h('form', { id: 'bundle-form', class: 'panel stack', 'aria-labelledby': 'bundle-h' },
  h('h2', { id: 'bundle-h' }, '“一件事”办理进度'),
  h('div', { class: 'field' }, h('label', { for: 'bundle-no' }, '一件事编号'), bundleInput),
  h('div', { class: 'field' }, h('label', { for: 'bundle-verify' }, '核验：登记手机号或身份证号后四位'), bundleVerify),
  h('div', { class: 'row' }, h('button', { type: 'submit', id: 'bundle-lookup' }, '查询进度')));
const bundleMessage = h('p', { id: 'bundle-message', class: 'status-line', role: 'status', 'aria-live': 'polite' });
const bundleView = h('section', { id: 'bundle-view', 'aria-labelledby': 'bundle-view-h', hidden: true });

replace(main, h('div', { class: 'hotline-layout' },
  h('div', null, form, message, callerForm, callerMessage, callerList, bundleForm, bundleMessage),
  h('div', null, view, bundleView)));

interface CallerCase {
  caseNo: string; itemCode: string; itemName: string | null; status: string; statusName: string; deadlineStage: string;
  dueDate: string | null; overdue: boolean; departmentCode: string; regionCode: string; submittedAt: string;
}
interface BundleChild { itemCode: string; itemName: string | null; caseNo: string | null; status: string | null; statusName: string | null; departmentName: string | null; regionCode: string | null; failure: string | null }
interface Bundle {
  bundleNo: string; code: string; name: string; status: string; statusName: string; done: number; total: number; progressPercent: number;
  applicant: { name: string; idNumber: string; phone: string }; submittedAt: string; children: BundleChild[];
}

function maskIdentifier(kind: string, value: string): string {
  if (kind === 'phone') return value.length >= 11 ? `${value.slice(0, 3)}****${value.slice(-4)}` : '****';
  return value.length >= 8 ? `${value.slice(0, 4)}${'*'.repeat(value.length - 7)}${value.slice(-3)}` : '****';
}

callerForm.addEventListener('submit', (e) => {
  e.preventDefault();
  void searchCaller(callerKind.value, callerInput.value.replace(/[\s-]/g, '').toUpperCase());
});

async function searchCaller(kind: string, value: string): Promise<void> {
  if (!value) { say(callerMessage, '请填写来电人身份证号或手机号。', 'error'); return; }
  const last4 = value.slice(-4);
  const masked = maskIdentifier(kind, value);
  callerInput.value = '';
  say(callerMessage, '查找中…');
  try {
    const rows = (await api.post<CallerCase[]>('/api/hotline/callers/cases', kind === 'phone' ? { phone: value } : { idNumber: value }, await token())) ?? [];
    replace(callerList, ...rows.map((c) => {
      const open = button(`${c.caseNo} ${c.itemName ?? c.itemCode}`, () => {
        caseInput.value = c.caseNo;
        verifyInput.value = last4;
        void lookup(c.caseNo, last4);
      }, { class: 'link', 'data-case': c.caseNo });
      return h('li', { 'data-case': c.caseNo },
        open, ' ',
        h('span', { class: `badge s-${c.status}` }, c.statusName), ' ',
        h('span', { class: c.overdue ? 'late' : 'muted small' }, c.dueDate ? `${c.overdue ? '已超期，' : ''}应于 ${c.dueDate} 前办结` : '未开始计时'));
    }));
    say(callerMessage, rows.length ? `${masked} 名下 ${rows.length} 件办件（点击办件编号查看详情）` : `${masked} 名下没有办件。`, rows.length ? 'ok' : 'info');
  } catch (e) {
    replace(callerList);
    say(callerMessage, refusalText(e), 'error');
  }
}

bundleForm.addEventListener('submit', (e) => {
  e.preventDefault();
  void lookupBundle(bundleInput.value.trim().toUpperCase(), bundleVerify.value.trim());
});

async function lookupBundle(bundleNo: string, verify: string): Promise<void> {
  if (!bundleNo || !verify) { say(bundleMessage, '请填写一件事编号和核验信息。', 'error'); return; }
  say(bundleMessage, '查询中…');
  try {
    const b = (await api.get<Bundle>(`/api/hotline/bundles/${encodeURIComponent(bundleNo)}?verify=${encodeURIComponent(verify)}`, await token()))!;
    const bar = h('progress', { id: 'bundle-progress', max: b.total, value: b.done, 'aria-labelledby': 'bundle-progress-label' });
    replace(bundleView,
      h('h2', { id: 'bundle-view-h' }, `${b.name}（${b.bundleNo}）`),
      h('p', null, h('span', { id: 'bundle-status', class: 'badge big' }, b.statusName), ' ',
        h('span', { id: 'bundle-progress-label' }, `已办结 ${b.done} / ${b.total} 项（${b.progressPercent}%）`), ' ', bar),
      dl(['申请人', b.applicant.name, 'bundle-name'], ['身份证号', b.applicant.idNumber, 'bundle-id'], ['手机号', b.applicant.phone, 'bundle-phone'],
        ['申请时间', fmtDateTime(b.submittedAt)]),
      scrollBox('一件事子办件表', h('table', null,
        h('thead', null, h('tr', null, ...['事项', '办件编号', '状态', '承办部门'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', { id: 'bundle-children' }, ...b.children.map((c) => h('tr', { 'data-item': c.itemCode },
          h('th', { scope: 'row' }, c.itemName ?? c.itemCode),
          h('td', null, c.caseNo ? button(c.caseNo, () => {
            caseInput.value = c.caseNo!;
            verifyInput.value = verify;
            void lookup(c.caseNo!, verify);
          }, { class: 'link' }) : '—'),
          h('td', { 'data-field': 'status' }, c.statusName ?? (c.failure ? `未能申请：${c.failure}` : '未开始')),
          h('td', null, c.departmentName ?? '—')))))));
    bundleView.hidden = false;
    bundleView.dataset.status = b.status;
    say(bundleMessage, `已核验：${b.bundleNo}`, 'ok');
  } catch (e) {
    bundleView.hidden = true;
    say(bundleMessage, refusalText(e), 'error');
  }
}

let current: { caseNo: string; verify: string; data: HotlineCase } | null = null;

form.addEventListener('submit', (e) => {
  e.preventDefault();
  void lookup(caseInput.value.trim().toUpperCase(), verifyInput.value.trim());
});

async function lookup(caseNo: string, verify: string): Promise<void> {
  if (!caseNo || !verify) {
    say(message, '请填写办件编号和核验信息。', 'error');
    return;
  }
  lookupButton.disabled = true;
  say(message, '查询中…');
  try {
    const data = (await api.get<HotlineCase>(`/api/hotline/cases/${encodeURIComponent(caseNo)}?verify=${encodeURIComponent(verify)}`, await token()))!;
    current = { caseNo: data.caseNo, verify, data };
    render(data);
    say(message, `已核验：${data.caseNo}`, 'ok');
    await watch();
  } catch (e) {
    current = null;
    view.hidden = true;
    say(message, refusalText(e), 'error');
  } finally {
    lookupButton.disabled = false;
  }
}

/** One wording per refusal: a wrong answer and an unknown case read the same; a lock says how long to wait. */
function refusalText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 404) return NOT_FOUND;
    if (e.status === 429) {
      const minutes = /(\d+)\s*分钟后再试/.exec(e.detail ?? '')?.[1];
      return `核验失败次数过多，该办件编号已暂时锁定，请 ${minutes ?? '稍后'}${minutes ? ' 分钟后再试' : '再试'}。请勿反复尝试，可请来电人核对办件编号后再拨。`;
    }
    if (e.status === 400) return `输入格式有误：${e.detail ?? e.title}`;
    if (e.status === 401 || e.status === 403) return '无坐席权限：请以 12345 坐席身份登录。';
  }
  return errorText(e);
}

async function refresh(): Promise<void> {
  if (!current) return;
  try {
    const data = (await api.get<HotlineCase>(`/api/hotline/cases/${encodeURIComponent(current.caseNo)}?verify=${encodeURIComponent(current.verify)}`, await token()))!;
    current.data = data;
    render(data);
  } catch (e) {
    say(message, refusalText(e), 'error');
  }
}

function fmtDateTime(iso: string): string {
  return new Date(iso).toLocaleString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

function dl(...pairs: [string, string | Node, string?][]): HTMLDListElement {
  return h('dl', { class: 'facts' }, ...pairs.flatMap(([k, v, id]) => [h('dt', null, k), h('dd', { id: id ?? null }, v)]));
}

function deadlineText(d: Deadline | null): { text: string; kind: string } {
  if (!d) return { text: '尚未受理，未开始计时', kind: 'info' };
  if (d.suspended) return { text: `暂停计时（补正中），原定 ${d.dueDate} 前办结`, kind: 'warn' };
  if (d.overdue) return { text: `已超期 ${d.overdueWorkingDays} 个工作日（应于 ${d.dueDate} 前办结）`, kind: 'bad' };
  return { text: `${d.dueDate} 前办结，剩余 ${d.remainingWorkingDays} 个工作日${d.provisional ? '（暂定）' : ''}`, kind: 'ok' };
}

function render(c: HotlineCase): void {
  view.hidden = false;
  view.dataset.version = String(c.version);
  view.dataset.status = c.status;
  const deadline = deadlineText(c.deadline);
  const dept = c.department;
  const timeline = h('ol', { id: 'timeline', class: 'timeline' }, ...c.timeline.map((t) => h('li', { 'data-kind': t.kind },
    h('time', { datetime: t.at }, fmtDateTime(t.at)), ' ',
    h('strong', null, t.title),
    t.statusName ? h('span', { class: 'muted' }, ` → ${t.statusName}`) : null,
    t.reason ? h('div', { class: 'small' }, `原因：${t.reason}`) : null,
    t.comment ? h('div', { class: 'small' }, t.kind === 'case' ? `意见：${t.comment}` : t.comment) : null,
    t.responseDue ? h('div', { class: 'small muted' }, `答复期限：${t.responseDue}`) : null)));
  const open = c.openItems.length
    ? h('ul', { id: 'open-items' }, ...c.openItems.map((o) => h('li', null,
      `${o.kind === 'urge' ? '催办' : '投诉'} 第${o.seq}号：${o.text || '（无内容）'}；答复期限 ${o.responseDue}${o.overdue ? '（已逾期）' : ''}${o.calls > 1 ? `；来电 ${o.calls} 次` : ''}`)))
    : h('p', { id: 'open-items', class: 'muted' }, '无待答复的催办或投诉。');
  replace(view,
    h('h2', { id: 'case-h' }, `办件 ${c.caseNo}`),
    h('p', { class: 'case-status' }, h('span', { id: 'case-status', class: `badge big s-${c.status}` }, c.statusName), ' ', h('span', { id: 'case-stage' }, c.stage)),
    dl(
      ['事项', c.itemName ? `${c.itemName}（${c.itemCode}）` : c.itemCode, 'case-item'],
      ['申请人', c.applicant.name, 'case-name'],
      ['身份证号', c.applicant.idNumber, 'case-id'],
      ['手机号', c.applicant.phone, 'case-phone'],
      ['承办部门', dept.displayName, 'case-dept'],
      ['部门联系', [dept.phone, dept.via ? `（经${dept.via}）` : null].filter(Boolean).join(' ') || '—', 'case-contact'],
      ['收件大厅', c.receivingHall ? [c.receivingHall.name ?? c.receivingHall.code, c.receivingHall.phone].filter(Boolean).join(' · ') : '网上申请', 'case-hall'],
      ['办理时限', h('span', { 'data-kind': deadline.kind, class: `deadline ${deadline.kind}` }, deadline.text), 'case-deadline'],
      ['送达', c.delivery.text, 'case-delivery'],
      ['申请时间', fmtDateTime(c.submittedAt)],
      ['最近更新', fmtDateTime(c.updatedAt), 'case-updated'],
    ),
    h('h3', null, '待答复'), open,
    h('h3', null, '办理过程'), timeline,
    actions(),
  );
}

const urgeText = h('textarea', { id: 'urge-text', rows: 2, maxlength: 500 });
const complaintCategory = h('select', { id: 'complaint-category' }, ...COMPLAINT_CATEGORIES.map(([v, t]) => h('option', { value: v }, t)));
const complaintText = h('textarea', { id: 'complaint-text', rows: 2, maxlength: 500 });
const actionMessage = h('p', { id: 'action-message', class: 'status-line', role: 'status', 'aria-live': 'polite' });

function actions(): HTMLElement {
  return h('div', { class: 'hotline-actions' },
    h('form', { class: 'panel stack', id: 'urge-form', 'aria-labelledby': 'urge-h' },
      h('h3', { id: 'urge-h' }, '登记催办'),
      h('label', { for: 'urge-text' }, '来电诉求'), urgeText,
      button('提交催办', () => void register('urge'), { id: 'act-urge', class: 'primary' })),
    h('form', { class: 'panel stack', id: 'complaint-form', 'aria-labelledby': 'complaint-h' },
      h('h3', { id: 'complaint-h' }, '登记投诉'),
      h('label', { for: 'complaint-category' }, '投诉类别'), complaintCategory,
      h('label', { for: 'complaint-text' }, '投诉内容'), complaintText,
      button('提交投诉', () => void register('complaint'), { id: 'act-complaint' })),
    actionMessage);
}

async function register(kind: 'urge' | 'complaint'): Promise<void> {
  if (!current) return;
  const path = `/api/hotline/cases/${encodeURIComponent(current.caseNo)}/${kind === 'urge' ? 'urge' : 'complaints'}`;
  const body = kind === 'urge'
    ? { verify: current.verify, text: urgeText.value.trim() || '来电催办，请尽快办理' }
    : { verify: current.verify, category: complaintCategory.value, text: complaintText.value.trim() };
  try {
    const r = (await api.post<EntryCreated>(path, body, await token(), { 'Idempotency-Key': crypto.randomUUID() }))!;
    const what = kind === 'urge' ? '催办' : '投诉';
    say(actionMessage, `已登记${what} 第${r.seq}号${r.responseDue ? `，部门应于 ${r.responseDue} 前答复` : ''}${r.repeat ? `（重复来电，累计 ${r.calls} 次）` : ''}`, 'ok');
    if (kind === 'urge') urgeText.value = ''; else complaintText.value = '';
    await refresh();
  } catch (e) {
    say(actionMessage, refusalText(e), 'error');
  }
}

// Live: a verified agent may watch the case; caseChanged re-reads the masked view. A reconnect joins again and redraws.
const live = new Live(byId('live-state'), token);
live.on('caseChanged', (c: CaseChanged) => {
  if (current && c.caseNo === current.caseNo && c.version !== current.data.version) void refresh();
});
live.onSync(async () => {
  if (!current) return;
  await watch();
  await refresh();
});

/** Joins the open case's group; the grant from the look-up lasts 30 minutes, after which a new look-up is needed. */
async function watch(): Promise<void> {
  if (!current || !live.connected) return;
  try {
    await live.invoke('WatchCase', current.caseNo);
    view.dataset.watching = 'true';
  } catch {
    view.dataset.watching = 'false';
    say(message, '实时跟踪已过期：请重新核验查询以继续接收更新。', 'info');
  }
}

void live.start();
main.dataset.ready = 'hotline';
