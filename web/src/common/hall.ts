import { api } from './api';
import { byId, h, param, replace } from './dom';
import { HallProfile, HallSummary } from './types';

export const DEFAULT_HALL = '520102-H001';

/** The hall named by ?hall= (default 南明区政务服务中心) and its profile. */
export async function currentHall(): Promise<HallProfile> {
  const code = param('hall') ?? DEFAULT_HALL;
  return (await api.get<HallProfile>(`/api/halls/${encodeURIComponent(code)}`))!;
}

/** A labelled hall picker (county halls and the province centre) that reloads the page for the chosen hall. */
export async function hallPicker(current: string): Promise<HTMLElement> {
  const select = h('select', { id: 'hall-pick' });
  const halls = ((await api.get<HallSummary[]>('/api/halls?type=hall')) ?? []).sort((a, b) => a.code.localeCompare(b.code));
  for (const hall of halls) {
    const o = h('option', { value: hall.code }, `${hall.name}（${hall.code}）`);
    o.selected = hall.code === current;
    select.appendChild(o);
  }
  select.addEventListener('change', () => {
    const q = new URLSearchParams(location.search);
    q.set('hall', select.value);
    q.delete('window');
    location.search = q.toString();
  });
  return h('span', { class: 'row' }, h('label', { for: 'hall-pick' }, '大厅'), select);
}

export function title(text: string): void {
  document.title = `${text} · 通办`;
}

export function fatal(message: string): void {
  replace(byId('main'), h('p', { class: 'status-line', 'data-kind': 'error', role: 'alert' }, message));
}
