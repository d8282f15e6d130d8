// Small DOM helpers. Text always goes in as text nodes (never innerHTML), so data cannot inject markup.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith('on')) throw new Error('event handlers are attached with addEventListener');
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces an element's children. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
}

/**
 * A horizontally (or vertically) scrolling table box that keyboard users can reach and scroll: focusable, a named
 * region (axe: scrollable-region-focusable). `label` names the region; it must differ from the enclosing section's
 * name (axe: landmark-unique).
 */
export function scrollBox(label: string, table: HTMLTableElement, cls = ''): HTMLDivElement {
  return h('div', { class: `table-wrap ${cls}`.trim(), tabindex: 0, role: 'region', 'aria-label': label }, table);
}

export function param(name: string): string | null {
  return new URLSearchParams(location.search).get(name);
}

export function button(label: string, onClick: () => void, attrs?: Attrs): HTMLButtonElement {
  const b = h('button', { type: 'button', ...attrs }, label);
  b.addEventListener('click', onClick);
  return b;
}

export function fmtMinutes(m: number | null | undefined): string {
  return m === null || m === undefined ? '—' : `${Math.round(m)} 分钟`;
}

/** A predicted wait as a person reads it: 无窗口办理 when tickets wait and no open window serves the line (never 0). */
export function fmtWait(m: number | null | undefined, noWindow?: boolean): string {
  return noWindow ? '无窗口办理' : fmtMinutes(m);
}

export function fmtRate(r: number | null | undefined): string {
  return r === null || r === undefined ? '—' : `${(r * 100).toFixed(1)}%`;
}

export function fmtTime(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return d.toLocaleTimeString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' });
}

/** Shows a message in a role=status element (errors get role=alert styling). */
export function say(el: HTMLElement, text: string, kind: 'info' | 'error' | 'ok' = 'info'): void {
  el.dataset.kind = kind;
  el.textContent = text;
}
