import L from 'leaflet';
import { api } from './api';
import { pageConfig } from './auth';

export const GUIZHOU_BOUNDS = L.latLngBounds([24.6, 103.6], [29.2, 109.6]);

/**
 * A Leaflet map whose base layer is our own county and prefecture polygons (works with no tile server);
 * a raster tile layer is added underneath when the server configures one.
 */
export async function baseMap(container: HTMLElement, countyStyle?: L.PathOptions): Promise<{ map: L.Map; counties: L.GeoJSON }> {
  const map = L.map(container, { preferCanvas: true, zoomSnap: 0.5, attributionControl: true });
  map.fitBounds(GUIZHOU_BOUNDS);
  const config = await pageConfig().catch(() => null);
  if (config?.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution ?? '', maxZoom: 18 }).addTo(map);
  }
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution('行政区划：DataV.GeoAtlas');
  const [countyData, prefectureData] = await Promise.all([
    api.get<GeoJSON.FeatureCollection>('/api/map/boundaries?level=county'),
    api.get<GeoJSON.FeatureCollection>('/api/map/boundaries?level=prefecture'),
  ]);
  const tiles = !!config?.tileUrl;
  const counties = L.geoJSON(countyData!, {
    style: () => ({ color: '#8c959f', weight: 0.8, fillColor: '#f6f8fa', fillOpacity: tiles ? 0.1 : 1, ...countyStyle }),
  }).addTo(map);
  container.dataset.regions = String(counties.getLayers().length);
  L.geoJSON(prefectureData!, { style: () => ({ color: '#424a53', weight: 2, fill: false }), interactive: false }).addTo(map);
  return { map, counties };
}

/** Text-only tooltip/popup content (Leaflet sets string content as HTML, so always pass an element). */
export function textNode(text: string): HTMLElement {
  const span = document.createElement('span');
  span.textContent = text;
  return span;
}
