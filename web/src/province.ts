import 'leaflet/dist/leaflet.css';
import './common/style.css';
import L from 'leaflet';
import { api, errorText } from './common/api';
import { tokenFor } from './common/auth';
import { byId, fmtRate, fmtTime, h, replace, say, scrollBox } from './common/dom';
import { baseMap, textNode } from './common/geo';
import { Live } from './common/live';
import { RegionAggregate } from './common/types';

// 按时办结率 and 受理地 → 属地 flows come from the case query model (supervisor token; definitions from the API).
interface OnTimeRow { code: string; name: string; level: string; finished: number; onTime: number; onTimeRate: number | null }
interface OnTimeAnswer { level: string; definition: string; regions: OnTimeRow[]; province: OnTimeRow }
interface FlowRow { fromCode: string; fromName: string; fromCenter: { lat: number; lon: number }; toCode: string; toName: string; toCenter: { lat: number; lon: number }; cases: number }
interface FlowsAnswer { level: string; definition: string; total: number; flows: FlowRow[] }
let onTime = new Map<string, OnTimeRow>();

type Metric = 'waiting' | 'openShare' | 'goodRate' | 'onTimeRate' | 'suspendedPoints';
const METRICS: Record<Metric, { label: string; value: (a: RegionAggregate) => number | null; format: (v: number | null) => string; higherIsWorse: boolean }> = {
  waiting: { label: '等候人数', value: (a) => a.waiting, format: (v) => (v === null ? '—' : `${v} 人`), higherIsWorse: true },
  openShare: { label: '网点开放率', value: (a) => (a.points ? a.openPoints / a.points : null), format: fmtRate, higherIsWorse: false },
  goodRate: { label: '好评率', value: (a) => a.goodRate, format: fmtRate, higherIsWorse: false },
  onTimeRate: { label: '按时办结率', value: (a) => onTime.get(a.code)?.onTimeRate ?? null, format: fmtRate, higherIsWorse: false },
  suspendedPoints: { label: '暂停服务网点', value: (a) => a.suspendedPoints, format: (v) => (v === null ? '—' : `${v} 个`), higherIsWorse: true },
};
// Sequential palette, light → dark (ColorBrewer-like blues); "worse" is always darker.
const PALETTE = ['#eff3ff', '#c6dbef', '#9ecae1', '#6baed6', '#3182bd', '#08519c'];

const main = byId('main');
const metricSelect = h('select', { id: 'metric' }, ...Object.entries(METRICS).map(([k, m]) => h('option', { value: k }, m.label)));
const legend = h('div', { id: 'legend', class: 'legend' });
const mapEl = h('div', { id: 'province-map', role: 'region', 'aria-label': '县域分布图' });
const prefBody = h('tbody', { id: 'prefectures' });
const countyBody = h('tbody', { id: 'counties' });
const updated = h('span', { class: 'muted', id: 'updated' });
const head = () => h('thead', null, h('tr', null, ...['地区', '网点', '开放', '等候', '暂停', '好评率', '按时办结率'].map((t, i) => h('th', { class: i ? 'num' : null, scope: 'col' }, t))));
const flowLevel = h('select', { id: 'flow-level' }, h('option', { value: 'county' }, '县区之间'), h('option', { value: 'prefecture' }, '市州之间'));
const flowLines = h('input', { type: 'checkbox', id: 'flow-lines', checked: true });
const flowBody = h('tbody', { id: 'flows' });
const flowStatus = h('p', { id: 'flows-status', class: 'status-line', role: 'status' });
const onTimeKpi = h('span', { id: 'province-on-time' }, '—');
const onTimeNote = h('p', { id: 'on-time-definition', class: 'muted small' });
const flowNote = h('p', { id: 'flow-definition', class: 'muted small' });
const monthSection = h('section', { 'aria-labelledby': 'month-h', id: 'month-view' });

replace(main,
  h('div', { class: 'row' }, h('label', { for: 'metric' }, '着色指标'), metricSelect, legend, updated),
  h('div', { class: 'province-layout' },
    mapEl,
    h('section', { 'aria-labelledby': 'p-h' },
      h('h2', { id: 'p-h' }, '市州'), scrollBox('市州统计表', h('table', null, head(), prefBody)),
      h('h2', { id: 'c-h' }, '县区（按等候人数）'), scrollBox('县区统计表', h('table', { 'aria-labelledby': 'c-h' }, head(), countyBody), 'county-table'))),
  h('section', { 'aria-labelledby': 'ot-h' },
    h('h2', { id: 'ot-h' }, '按时办结率'),
    h('p', null, '全省：', onTimeKpi), onTimeNote),
  h('section', { 'aria-labelledby': 'fl-h' },
    h('h2', { id: 'fl-h' }, '跨区域流向（受理地 → 属地）'),
    h('div', { class: 'row' }, h('label', { for: 'flow-level' }, '层级'), flowLevel,
      h('label', { for: 'flow-lines' }, flowLines, ' 在地图上显示流向')),
    flowStatus,
    scrollBox('跨区域流向表', h('table', null,
      h('thead', null, h('tr', null, ...['受理地', '属地', '件数'].map((t, i) => h('th', { class: i === 2 ? 'num' : null, scope: 'col' }, t)))),
      flowBody)),
    flowNote),
  monthSection,
);

const { map, counties } = await baseMap(mapEl, { fillOpacity: 0.85 });
map.attributionControl.addAttribution('实时数据：通办');
let countyFigures = new Map<string, RegionAggregate>();

function row(a: RegionAggregate): HTMLElement {
  return h('tr', { 'data-code': a.code },
    h('th', { scope: 'row' }, a.name), h('td', { class: 'num' }, a.points), h('td', { class: 'num' }, a.openPoints),
    h('td', { class: 'num', 'data-field': 'waiting' }, a.waiting), h('td', { class: 'num' }, a.suspendedPoints), h('td', { class: 'num' }, fmtRate(a.goodRate)),
    h('td', { class: 'num', 'data-field': 'on-time' }, onTimeText(onTime.get(a.code))));
}

function onTimeText(r: OnTimeRow | undefined): string {
  return r && r.finished > 0 ? `${fmtRate(r.onTimeRate)}（${r.onTime}/${r.finished}）` : '—';
}

const supervisorToken = () => tokenFor({ role: 'supervisor', regionCode: '520000' });
// The month view (province report, charts) loads after the map, in its own chunk with ECharts.
void import('./provinceMonth').then(({ mountMonth }) => mountMonth(monthSection, supervisorToken));
let flowLayer: L.LayerGroup | null = null;

/** Case figures: on-time rates per county and prefecture, and the top flows; a failure leaves the live figures intact. */
async function loadCaseFigures(): Promise<void> {
  try {
    const token = await supervisorToken();
    const [counties, prefectures, flows] = await Promise.all([
      api.get<OnTimeAnswer>('/api/metrics/on-time?level=county', token),
      api.get<OnTimeAnswer>('/api/metrics/on-time?level=prefecture', token),
      api.get<FlowsAnswer>(`/api/metrics/flows?level=${flowLevel.value}&limit=10`, token),
    ]);
    onTime = new Map([...counties!.regions, ...prefectures!.regions].map((r) => [r.code, r]));
    onTimeKpi.textContent = onTimeText(counties!.province);
    onTimeNote.textContent = counties!.definition;
    flowNote.textContent = flows!.definition;
    replace(flowBody, ...flows!.flows.map((f) => h('tr', { 'data-from': f.fromCode, 'data-to': f.toCode },
      h('td', null, f.fromName), h('td', null, f.toName), h('td', { class: 'num', 'data-field': 'cases' }, f.cases))));
    say(flowStatus, flows!.flows.length ? `共 ${flows!.total} 件异地受理，列出前 ${flows!.flows.length} 条流向` : '暂无跨区域受理的案件。');
    drawFlows(flows!.flows);
  } catch (e) {
    say(flowStatus, `按时办结率与流向需监管人员权限：${errorText(e)}`, 'error');
  }
}

function drawFlows(flows: FlowRow[]): void {
  flowLayer?.remove();
  flowLayer = null;
  mapEl.dataset.flows = '0';
  if (!flowLines.checked || !flows.length) return;
  const most = Math.max(...flows.map((f) => f.cases));
  flowLayer = L.layerGroup(flows.map((f) => L.polyline([[f.fromCenter.lat, f.fromCenter.lon], [f.toCenter.lat, f.toCenter.lon]], {
    color: '#8250df', weight: 2 + (6 * f.cases) / most, opacity: 0.8, interactive: true,
  }).bindTooltip(textNode(`${f.fromName} → ${f.toName}：${f.cases} 件`)))).addTo(map);
  mapEl.dataset.flows = String(flows.length);
}

function paint(): void {
  const metric = METRICS[metricSelect.value as Metric];
  const values = [...countyFigures.values()].map(metric.value).filter((v): v is number => v !== null);
  // Stretch the palette over the counties' actual range, so small differences still show.
  const min = values.length ? Math.min(...values) : 0, max = values.length ? Math.max(...values) : 1;
  const colorOf = (v: number | null) => {
    if (v === null) return '#d0d7de';
    let t = max === min ? 0 : (v - min) / (max - min);
    if (!metric.higherIsWorse) t = 1 - t;
    return PALETTE[Math.min(PALETTE.length - 1, Math.floor(t * PALETTE.length))];
  };
  counties.eachLayer((layer) => {
    const f = (layer as L.GeoJSON).feature as GeoJSON.Feature;
    const a = countyFigures.get(String(f.properties?.code));
    const v = a ? metric.value(a) : null;
    (layer as L.Path).setStyle({ fillColor: colorOf(v), fillOpacity: 0.85 });
    (layer as L.Path).bindTooltip(textNode(`${f.properties?.name ?? ''}：${metric.label} ${metric.format(v)}`));
  });
  const whole = metric.format === fmtRate ? (v: number) => v : Math.round;
  const swatch = (color: string) => { const i = h('i'); i.style.background = color; i.style.borderRadius = '2px'; return i; };
  replace(legend, ...PALETTE.map((color, i) => {
    // Darker is worse: for "higher is worse" bucket i starts at lo; otherwise it ends at hi.
    const step = ((max - min) * i) / PALETTE.length;
    return h('span', null, swatch(color), metric.higherIsWorse ? `≥${metric.format(whole(min + step))}` : `≤${metric.format(whole(max - step))}`);
  }), h('span', null, swatch('#d0d7de'), '无数据'));
}

async function load(): Promise<void> {
  await loadCaseFigures();
  const [countiesData, prefData] = await Promise.all([
    api.get<RegionAggregate[]>('/api/map/aggregates?level=county'),
    api.get<RegionAggregate[]>('/api/map/aggregates?level=prefecture'),
  ]);
  countyFigures = new Map((countiesData ?? []).map((a) => [a.code, a]));
  replace(prefBody, ...(prefData ?? []).map(row));
  replace(countyBody, ...[...countyFigures.values()].sort((a, b) => b.waiting - a.waiting).map(row));
  updated.textContent = `更新于 ${fmtTime(new Date())}`;
  paint();
}
metricSelect.addEventListener('change', paint);
flowLevel.addEventListener('change', () => void loadCaseFigures());
flowLines.addEventListener('change', () => void loadCaseFigures());

// Live: the province group signals changes; figures are re-read at most every 2 s.
let pending = 0;
const live = new Live(byId('live-state'));
live.on('pointsChanged', () => {
  if (pending) return;
  pending = window.setTimeout(() => { pending = 0; void load().catch((e) => console.warn(errorText(e))); }, 2000);
});
live.onSync(async () => {
  await live.invoke('WatchRegion', '520000');
  await load();
});
void live.start();
main.dataset.ready = 'province';
