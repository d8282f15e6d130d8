// 长辈模式 (适老化, the national guidance for government service apps): on the citizen pages, text of at least 18 px,
// high contrast, touch targets of at least 44 px and one task per screen. The choice is kept in localStorage, so it
// holds on every citizen page and on the next visit; each citizen page has the toggle in its header. Styles live in
// style.css under html.elder; this module only switches the class and, for pages with several tasks, shows one at a time.

import { h } from './dom';

const KEY = 'tongban.elder';
const listeners: Array<() => void> = [];

function stored(): boolean {
  try {
    return localStorage.getItem(KEY) === '1';
  } catch {
    return false; // storage blocked: the page still works, in the standard mode
  }
}

function apply(on: boolean): void {
  document.documentElement.classList.toggle('elder', on);
  document.documentElement.dataset.mode = on ? 'elder' : 'standard';
  const toggle = document.getElementById('elder-toggle');
  toggle?.setAttribute('aria-pressed', String(on));
}

export function isElder(): boolean {
  return document.documentElement.classList.contains('elder');
}

export const elderMode = {
  /** Runs after every switch (this page's toggle or another tab's). */
  onChange(fn: () => void): void {
    listeners.push(fn);
  },
  set(on: boolean): void {
    try {
      localStorage.setItem(KEY, on ? '1' : '0');
    } catch {
      // not remembered, still applied
    }
    apply(on);
    listeners.forEach((fn) => fn());
  },
};

/** Applies the remembered choice and puts the toggle in the page header. Call first thing on a citizen page. */
export function citizenPage(): void {
  apply(stored());
  const header = document.querySelector('header.top');
  if (header && !document.getElementById('elder-toggle')) {
    const toggle = h('button', { type: 'button', id: 'elder-toggle', class: 'elder-toggle', 'aria-pressed': String(isElder()),
      title: '字更大、对比更强、按钮更大，一屏只办一件事' }, '长辈模式');
    toggle.addEventListener('click', () => elderMode.set(!isElder()));
    const live = header.querySelector('.live-state');
    header.insertBefore(toggle, live);
  }
  // Another tab switched: follow it.
  window.addEventListener('storage', (e) => {
    if (e.key === KEY) {
      apply(e.newValue === '1');
      listeners.forEach((fn) => fn());
    }
  });
}

/**
 * 长辈模式 one task per screen for a column of tasks: each h2 in <paramref name="container"/> starts a task (up to
 * the next h2). In the elderly mode a bar of large buttons, one per task, shows one task at a time; in the standard
 * mode everything stays visible and the bar is hidden. An <paramref name="overlay"/> (e.g. the booking panel) takes
 * the whole screen while it is shown.
 */
export function taskScreens(container: HTMLElement, startWith: number, overlay?: HTMLElement): void {
  const tasks: { title: string; els: HTMLElement[] }[] = [];
  for (const child of [...container.children] as HTMLElement[]) {
    if (child === overlay) continue;
    if (child.tagName === 'H2') tasks.push({ title: child.textContent ?? '', els: [] });
    tasks.at(-1)?.els.push(child);
  }
  const buttons = tasks.map((t, i) => {
    const b = h('button', { type: 'button', 'data-task': i, 'aria-pressed': 'false' }, t.title);
    b.addEventListener('click', () => show(i));
    return b;
  });
  const bar = h('div', { class: 'task-bar', role: 'group', 'aria-label': '一次办一件事：请选择' }, ...buttons);
  container.prepend(bar);

  function show(index: number): void {
    tasks.forEach((t, i) => t.els.forEach((el) => el.classList.toggle('task-off', i !== index)));
    buttons.forEach((b, i) => b.setAttribute('aria-pressed', String(i === index)));
    container.dataset.task = String(index);
  }
  show(startWith);

  if (overlay) {
    const sync = () => container.classList.toggle('task-overlay', !overlay.hidden);
    new MutationObserver(sync).observe(overlay, { attributes: true, attributeFilter: ['hidden'] });
    overlay.classList.add('task-overlay-el');
    sync();
  }
}
