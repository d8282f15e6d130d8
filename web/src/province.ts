import 'leaflet/dist/leaflet.css';
import './common/style.css';
import L from 'leaflet';
import { api, errorText } from './common/api';
import { byId, fmtRate, fmtTime, h, replace, scrollBox } from './common/dom';
import { baseMap, textNode } from './common/geo';
import { Live } from './common/live';
import { RegionAggregate } from './common/types';

type Metric = 'waiting' | 'openShare' | 'goodRate' | 'suspendedPoints';
const METRICS: Record<Metric, { label: string; value: (a: RegionAggregate) => number | null; format: (v: number | null) => string; higherIsWorse: boolean }> = {
  waiting: { label: '等候人数', value: (a) => a.waiting, format: (v) => (v === null ? '—' : `${v} 人`), higherIsWorse: true },
  openShare: { label: '网点开放率', value: (a) => (a.points ? a.openPoints / a.points : null), format: fmtRate, higherIsWorse: false },
  goodRate: { label: '好评率', value: (a) => a.goodRate, format: fmtRate, higherIsWorse: false },
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
const head = () => h('thead', null, h('tr', null, ...['地区', '网点', '开放', '等候', '暂停', '好评率'].map((t, i) => h('th', { class: i ? 'num' : null, scope: 'col' }, t))));

replace(main,
  h('div', { class: 'row' }, h('label', { for: 'metric' }, '着色指标'), metricSelect, legend, updated),
  h('div', { class: 'province-layout' },
    mapEl,
    h('section', { 'aria-labelledby': 'p-h' },
      h('h2', { id: 'p-h' }, '市州'), scrollBox('市州统计表', h('table', null, head(), prefBody)),
      h('h2', { id: 'c-h' }, '县区（按等候人数）'), scrollBox('县区统计表', h('table', { 'aria-labelledby': 'c-h' }, head(), countyBody), 'county-table'))),
  h('p', { class: 'muted' }, '按时办结率与跨区域（受理地→属地）流向将在案件统计接口提供后显示。'),
);

const { map, counties } = await baseMap(mapEl, { fillOpacity: 0.85 });
map.attributionControl.addAttribution('实时数据：通办');
let countyFigures = new Map<string, RegionAggregate>();

function row(a: RegionAggregate): HTMLElement {
  return h('tr', { 'data-code': a.code },
    h('th', { scope: 'row' }, a.name), h('td', { class: 'num' }, a.points), h('td', { class: 'num' }, a.openPoints),
    h('td', { class: 'num', 'data-field': 'waiting' }, a.waiting), h('td', { class: 'num' }, a.suspendedPoints), h('td', { class: 'num' }, fmtRate(a.goodRate)));
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
