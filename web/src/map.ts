import 'leaflet/dist/leaflet.css';
import './common/style.css';
import './map.css';
import L from 'leaflet';
import Supercluster, { type ClusterFeature, type PointFeature } from 'supercluster';
import { api, errorText } from './common/api';
import { button, byId, fmtMinutes, fmtRate, fmtWait, h, replace, say } from './common/dom';
import { baseMap, textNode } from './common/geo';
import { Live } from './common/live';
import { citizenPage, elderMode, isElder, taskScreens } from './common/elder';
import { MapPoint, MapPointDetail, NearestResult, ServiceItem, TYPE_NAMES, waitColor } from './common/types';
import { ServicePanel } from './booking';

citizenPage();

const RADIUS: Record<string, number> = { hall: 8, subHall: 6, partner: 5, station: 4, selfService: 3 };
/** Clusters up to this zoom (the province and prefecture views); from a county view on every point is drawn. */
const CLUSTER_MAX_ZOOM = 11;

const main = byId('main');
const mapEl = h('div', { id: 'map', role: 'region', 'aria-label': '办事地图：点击地图任意位置查找附近网点' });
const itemInput = h('input', { id: 'item-q', type: 'search', placeholder: '事项名称或拼音首字母，如 sfz', autocomplete: 'off' });
const itemResults = h('ul', { id: 'item-results', class: 'item-results', 'aria-label': '事项搜索结果' });
const itemChosen = h('p', { id: 'item-chosen', class: 'muted' }, '未选择事项：显示全部网点');
const modeSelect = h('select', { id: 'mode' },
  h('option', { value: 'walk' }, '步行'), h('option', { value: 'drive' }, '驾车'), h('option', { value: 'transit' }, '公交'));
const typeBoxes = Object.entries(TYPE_NAMES).map(([type, name]) => {
  const box = h('input', { type: 'checkbox', value: type, id: `type-${type}`, checked: true });
  return { type, box, label: h('label', { for: `type-${type}` }, box, ` ${name}`) };
});
const status = h('p', { id: 'map-status', class: 'status-line', role: 'status', 'aria-live': 'polite' });
const nearestList = h('ol', { id: 'nearest', class: 'nearest', 'aria-label': '推荐网点（按路程加等候排序）' });
// Item names for the booking form (the catalogue is small: one read).
const itemNames = new Map<string, string>();
void api.get<ServiceItem[]>('/api/items').then((all) => (all ?? []).forEach((i) => itemNames.set(i.code, i.name))).catch(() => undefined);
const panel = new ServicePanel(() => item, (code) => itemNames.get(code) ?? code);

replace(main,
  h('div', { class: 'map-layout' },
    h('section', { class: 'side', 'aria-label': '查找' },
      h('h2', null, '找事项'),
      h('label', { for: 'item-q' }, '事项搜索'), itemInput, itemResults, itemChosen,
      h('h2', null, '离我最近'),
      h('div', { class: 'row' },
        button('📍 用我的位置', () => locateMe(), { id: 'locate' }),
        h('label', { for: 'mode' }, '出行方式'), modeSelect),
      h('p', { class: 'muted' }, '或在地图上点击出发地点。排序依据：路程时间 + 未开门时等开门的时间 + 预计等候。'),
      status,
      nearestList,
      panel.el,
      h('h2', null, '网点类型'),
      h('div', { class: 'row types' }, ...typeBoxes.map((t) => t.label)),
      h('h2', null, '预计等候'),
      h('div', { class: 'legend', 'aria-label': '颜色图例' },
        ...[['#1a7f37', '≤10 分钟'], ['#bf8700', '≤30 分钟'], ['#d1590b', '≤60 分钟'], ['#cf222e', '>60 分钟'], ['#8c959f', '暂无数据'], ['#6e7781', '已下班']]
          .map(([c, t]) => h('span', null, swatch(c), t))),
      h('p', { class: 'muted small' }, '数字圆圈：该处的网点数，外圈颜色为其中最长的预计等候；点击放大。'),
    ),
    mapEl,
  ),
);

// 长辈模式: one task at a time (找事项 / 离我最近 / 网点类型 / 预计等候), starting with 离我最近; the booking panel takes the screen.
taskScreens(main.querySelector<HTMLElement>('section.side')!, 1, panel.el);

function swatch(color: string): HTMLElement {
  const i = h('i');
  i.style.background = color;
  return i;
}

const points = new Map<string, { point: MapPoint; marker: L.CircleMarker }>();
let item: ServiceItem | null = null;
let origin: L.LatLng | null = null;
let originMarker: L.CircleMarker | null = null;
const live = new Live(byId('live-state'));
const { map } = await baseMap(mapEl);
const pointLayer = L.layerGroup().addTo(map);
const clusterLayer = L.layerGroup().addTo(map);
// A wider hit area than the drawn dot (canvas markers have no DOM box): 长辈模式 widens it to a 44 px target.
const pointRenderer = L.canvas({ padding: 0.2, tolerance: 6 });
main.dataset.ready = 'map';

/** True when some known point lists the chosen item; the directory may not carry item lists yet. */
function itemListed(): boolean {
  if (!item) return false;
  for (const e of points.values()) if (e.point.items.includes(item.code)) return true;
  return false;
}

function visible(p: MapPoint): boolean {
  if (!typeBoxes.some((t) => t.type === p.type && t.box.checked)) return false;
  return !item || !itemFilter || p.items.includes(item.code);
}

let itemFilter = false;

function upsert(p: MapPoint): void {
  const open = p.open && !p.suspended && !p.closed;
  const style: L.CircleMarkerOptions = {
    radius: (RADIUS[p.type] ?? 4) * (isElder() ? 1.5 : 1), color: '#24292f', weight: 1, fillColor: waitColor(p.predictedWaitMinutes, open), fillOpacity: open ? 0.9 : 0.5,
  };
  const known = points.get(p.code);
  if (known) {
    known.point = p;
    known.marker.setStyle(style);
    known.marker.setTooltipContent(textNode(tooltip(p)));
  } else {
    const marker = L.circleMarker([p.location.lat, p.location.lon], { ...style, renderer: pointRenderer });
    marker.bindTooltip(textNode(tooltip(p)));
    marker.on('click', () => void showDetails(p.code));
    points.set(p.code, { point: p, marker });
  }
}

function tooltip(p: MapPoint): string {
  const state = p.closed ? '已撤销' : p.suspended ? '暂停服务' : p.open ? '' : '已下班';
  const wait = p.always && p.waiting === null ? '24小时自助' : `等候 ${p.waiting ?? '—'} 人 · ${p.noWindow ? '无窗口办理' : `预计 ${fmtMinutes(p.predictedWaitMinutes)}`}`;
  return `${p.name}（${TYPE_NAMES[p.type] ?? p.type}）${state ? ' · ' + state : ''} · ${wait}`;
}

// --- clustering (Supercluster) ---------------------------------------------------------------------------------------
// At province and prefecture zoom ~2,700 dots would overlap: the visible points are grouped into one numbered circle
// per neighbourhood (its people waiting summed); a click zooms to where the group splits. data-points counts the
// points shown (in clusters or alone), data-markers the single dots drawn, data-clusters the numbered circles.

interface PointProps { code: string; waiting: number; wait: number | null }
/** People waiting in the group, and its longest predicted wait among open points (colours the ring). */
interface ClusterProps { waiting: number; wait: number | null }
let clusters: Supercluster<PointProps, ClusterProps> | null = null;
let drawn = new Set<string>();

/** Re-indexes the visible points (filters, new points, new figures) and redraws. */
function refilter(): void {
  const features: PointFeature<PointProps>[] = [];
  for (const e of points.values()) {
    if (!visible(e.point)) continue;
    const open = e.point.open && !e.point.suspended && !e.point.closed;
    features.push({ type: 'Feature', properties: { code: e.point.code, waiting: e.point.waiting ?? 0, wait: open ? e.point.predictedWaitMinutes : null },
      geometry: { type: 'Point', coordinates: [e.point.location.lon, e.point.location.lat] } });
  }
  clusters = new Supercluster<PointProps, ClusterProps>({
    radius: isElder() ? 72 : 56, maxZoom: CLUSTER_MAX_ZOOM, map: (p) => ({ waiting: p.waiting, wait: p.wait }),
    reduce: (a, b) => { a.waiting += b.waiting; a.wait = a.wait === null ? b.wait : b.wait === null ? a.wait : Math.max(a.wait, b.wait); },
  });
  clusters.load(features);
  main.dataset.points = String(features.length);
  drawMarkers();
}
typeBoxes.forEach((t) => t.box.addEventListener('change', refilter));

/** Draws the current view: numbered circles for groups, the points' own dots for the rest. */
function drawMarkers(): void {
  if (!clusters) return;
  const b = map.getBounds().pad(0.2);
  const bbox: [number, number, number, number] = [Math.max(-180, b.getWest()), Math.max(-85, b.getSouth()), Math.min(180, b.getEast()), Math.min(85, b.getNorth())];
  const shown = new Set<string>();
  clusterLayer.clearLayers();
  for (const f of clusters.getClusters(bbox, Math.floor(map.getZoom()))) {
    const props = f.properties;
    if ('cluster' in props && props.cluster) clusterLayer.addLayer(clusterMarker(f as ClusterFeature<ClusterProps>));
    else shown.add((props as PointProps).code);
  }
  for (const code of drawn) if (!shown.has(code)) { const e = points.get(code); if (e) pointLayer.removeLayer(e.marker); }
  for (const code of shown) if (!drawn.has(code)) { const e = points.get(code); if (e) pointLayer.addLayer(e.marker); }
  drawn = shown;
  mapEl.dataset.markers = String(shown.size);
  mapEl.dataset.clusters = String(clusterLayer.getLayers().length);
  mapEl.dataset.zoom = String(map.getZoom());
}

function clusterMarker(f: ClusterFeature<ClusterProps>): L.Marker {
  const [lon, lat] = f.geometry.coordinates;
  const count = f.properties.point_count;
  // Bigger groups draw bigger; 长辈模式 never below a 44 px target.
  const size = Math.max(isElder() ? 48 : 30, Math.round(26 + 7 * Math.log10(count) * 2));
  const longest = f.properties.wait;
  const label = `${count} 个网点，等候 ${f.properties.waiting} 人${longest === null ? '' : `，最长预计等候 ${fmtMinutes(longest)}`}。点击放大查看`;
  const marker = L.marker([lat, lon], {
    icon: L.divIcon({ className: 'cluster', html: textNode(String(count)), iconSize: [size, size] }),
    keyboard: true, title: label,
  });
  marker.on('add', () => {
    const el = marker.getElement();
    if (!el) return;
    el.setAttribute('aria-label', label);
    el.dataset.count = String(count);
    el.style.boxShadow = `0 0 0 3px ${waitColor(longest, true)}`;
  });
  const open = () => {
    const zoom = Math.min(clusters?.getClusterExpansionZoom(f.properties.cluster_id) ?? map.getZoom() + 2, CLUSTER_MAX_ZOOM + 1);
    map.setView([lat, lon], Math.max(zoom, Math.floor(map.getZoom()) + 1));
  };
  marker.on('click', open);
  // A focused circle (role=button) opens with Enter or Space too.
  marker.on('keypress', (e) => {
    const key = (e as L.LeafletKeyboardEvent).originalEvent;
    if (key.key === 'Enter' || key.key === ' ') { key.preventDefault(); open(); }
  });
  return marker;
}

elderMode.onChange(() => {
  pointRenderer.options.tolerance = isElder() ? 16 : 6;
  for (const e of points.values()) e.marker.setRadius((RADIUS[e.point.type] ?? 4) * (isElder() ? 1.5 : 1));
  refilter();
});
pointRenderer.options.tolerance = isElder() ? 16 : 6;

async function watchViewport(): Promise<void> {
  if (!live.connected) return;
  const b = map.getBounds().pad(0.2);
  const west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
  const south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
  const list = await live.invoke<MapPoint[]>('WatchViewport', west, south, east, north);
  list.forEach(upsert);
  refilter();
}

let moveTimer = 0;
map.on('moveend', () => {
  drawMarkers();
  clearTimeout(moveTimer);
  moveTimer = window.setTimeout(() => void watchViewport().catch(() => undefined), 250);
});
live.on('pointsChanged', (list: MapPoint[]) => {
  list.forEach(upsert);
  refilter();
});
live.onSync(watchViewport);
void live.start();

// --- details popup -------------------------------------------------------------------------------------------------

async function showDetails(code: string): Promise<void> {
  const entry = points.get(code);
  if (!entry) return;
  const box = h('div', { class: 'popup' }, h('strong', null, entry.point.name), h('p', null, '加载中…'));
  L.popup({ maxWidth: 320, offset: [0, -4] }).setLatLng(entry.marker.getLatLng()).setContent(box).openOn(map);
  try {
    const d = (await api.get<MapPointDetail>(`/api/map/points/${encodeURIComponent(code)}`))!;
    const p = d.point;
    const state = p.closed ? '已撤销' : p.suspended ? '暂停服务' : p.open ? '服务中' : '已下班';
    replace(box,
      h('strong', null, p.name),
      h('div', { class: 'muted' }, `${TYPE_NAMES[p.type] ?? p.type} · ${d.regionName ?? ''} · ${state}`),
      h('div', null, d.address), d.phone ? h('div', null, `电话：${d.phone}`) : null,
      d.categories.length
        ? h('table', null, h('thead', null, h('tr', null, h('th', null, '类别'), h('th', { class: 'num' }, '等候'), h('th', { class: 'num' }, '预计'))),
            h('tbody', null, ...d.categories.map((c) => h('tr', null, h('td', null, c.name), h('td', { class: 'num' }, c.waiting ?? '—'), h('td', { class: 'num' }, fmtWait(c.predictedWaitMinutes, c.noWindow))))))
        : h('p', null, p.always ? '24小时自助服务，无需排队。' : '无排队信息。'),
      p.goodRate !== null ? h('div', null, `好评率：${fmtRate(p.goodRate)}`) : null,
      d.categories.length ? h('div', { class: 'row' },
        h('a', { href: `/hall?hall=${encodeURIComponent(p.code)}` }, '大厅看板'),
        h('a', { href: `/screen?hall=${encodeURIComponent(p.code)}` }, '叫号屏')) : null,
      d.categories.length && !p.always ? h('div', { class: 'row' },
        button('预约', () => panel.show(d, 'book'), { class: 'small', 'data-action': 'book' }),
        button('线上取号', () => panel.show(d, 'ticket'), { class: 'small', 'data-action': 'ticket' })) : null,
    );
  } catch (e) {
    replace(box, h('strong', null, entry.point.name), h('p', null, errorText(e)));
  }
}

// --- item search ---------------------------------------------------------------------------------------------------

let searchTimer = 0;
itemInput.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = window.setTimeout(() => void searchItems(itemInput.value.trim()), 250);
});

async function searchItems(q: string): Promise<void> {
  if (!q) { replace(itemResults); return; }
  try {
    const items = (await api.get<ServiceItem[]>(`/api/items?q=${encodeURIComponent(q)}`)) ?? [];
    replace(itemResults, ...items.slice(0, 8).map((it) =>
      h('li', null, button(`${it.name}`, () => chooseItem(it), { class: 'link', title: it.departmentName }))),
      items.length === 0 ? h('li', { class: 'muted' }, '没有找到事项') : null);
  } catch (e) {
    replace(itemResults, h('li', null, errorText(e)));
  }
}

function chooseItem(it: ServiceItem | null): void {
  item = it;
  itemFilter = itemListed();
  replace(itemResults);
  const note = !it ? '未选择事项：显示全部网点'
    : itemFilter ? `已选事项：${it.name}（只显示可办理的网点）` : `已选事项：${it.name}（网点可办事项清单尚未录入，显示全部网点）`;
  replace(itemChosen, note,
    it ? button('清除', () => chooseItem(null), { class: 'small' }) : null);
  refilter();
  if (origin) void nearest(origin);
}

// --- nearest -------------------------------------------------------------------------------------------------------

map.on('click', (e: L.LeafletMouseEvent) => void nearest(e.latlng));
modeSelect.addEventListener('change', () => { if (origin) void nearest(origin); });

function locateMe(): void {
  if (!navigator.geolocation) { say(status, '此浏览器不支持定位，请在地图上点击出发地点。', 'error'); return; }
  say(status, '正在定位…');
  navigator.geolocation.getCurrentPosition(
    (pos) => void nearest(L.latLng(pos.coords.latitude, pos.coords.longitude)),
    () => say(status, '无法获取位置（未授权或无信号），请在地图上点击出发地点。', 'error'),
    { enableHighAccuracy: true, timeout: 10_000 });
}

async function nearest(at: L.LatLng): Promise<void> {
  origin = at;
  originMarker?.remove();
  originMarker = L.circleMarker(at, { radius: 7, color: '#0550ae', weight: 3, fillColor: '#fff', fillOpacity: 1 }).addTo(map)
    .bindTooltip(textNode('出发地点'));
  say(status, '正在计算…');
  const q = new URLSearchParams({ lat: at.lat.toFixed(6), lon: at.lng.toFixed(6), k: '5', mode: modeSelect.value });
  if (item && itemFilter) q.set('item', item.code);
  try {
    const results = (await api.get<NearestResult[]>(`/api/map/nearest?${q}`)) ?? [];
    replace(nearestList, ...results.map(renderResult));
    // The search proposes only points within reach of the mode (walk 5 km, transit 20 km, drive 100 km).
    const reach = modeSelect.value === 'walk' ? '步行 5 公里内' : modeSelect.value === 'transit' ? '公交 20 公里内' : '驾车 100 公里内';
    say(status, results.length ? `找到 ${results.length} 个推荐网点（${reach}）` : `${reach}没有符合条件的网点，可换一种出行方式`, results.length ? 'ok' : 'info');
  } catch (e) {
    replace(nearestList);
    say(status, errorText(e), 'error');
  }
}

function renderResult(r: NearestResult): HTMLElement {
  const li = h('li', { tabindex: 0, 'data-code': r.hallCode },
    h('strong', null, r.name),
    // A closed point says when it opens (「周一 09:00 开门」) and counts the wait until then.
    r.opensAtText ? h('div', { class: 'opens' }, r.opensAtText) : null,
    h('div', null, `合计 ${r.totalMinutes.toFixed(0)} 分钟 = 路程 ${r.travelMinutes.toFixed(0)} 分钟`
      + (r.waitUntilOpenMinutes ? ` + 等开门 ${r.waitUntilOpenMinutes.toFixed(0)} 分钟` : '') + ` + 等候 ${r.predictedWaitMinutes ?? '—'} 分钟`),
    h('div', { class: 'muted' }, `${(r.distanceMeters / 1000).toFixed(1)} 公里 · ${TYPE_NAMES[r.type] ?? r.type}${r.open ? '' : ' · ' + (r.closedReason ?? '到达时未开放')}`),
    h('div', { class: 'reason' }, r.reason.split(' | ')[0]));
  const go = () => {
    map.flyTo([r.location.lat, r.location.lon], Math.max(map.getZoom(), 12));
    void showDetails(r.hallCode);
  };
  li.addEventListener('click', go);
  li.addEventListener('keydown', (e) => { if (e.target === li && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); go(); } });
  if (r.type !== 'selfService') {
    // The buttons act on their own (the list item's click flies to the point).
    const serve = (focus: 'book' | 'ticket') => (e: Event) => {
      e.stopPropagation();
      api.get<MapPointDetail>(`/api/map/points/${encodeURIComponent(r.hallCode)}`)
        .then((d) => panel.show(d!, focus))
        .catch((err) => say(status, errorText(err), 'error'));
    };
    const book = h('button', { type: 'button', class: 'small', 'data-action': 'book' }, '预约');
    const take = h('button', { type: 'button', class: 'small', 'data-action': 'ticket' }, '线上取号');
    book.addEventListener('click', serve('book'));
    take.addEventListener('click', serve('ticket'));
    li.appendChild(h('div', { class: 'row' }, book, take));
  }
  return li;
}
