// Small DOM helpers: element builder, readable errors, toasts, busy buttons, tabs, times.

/** h('button.btn', {onclick, type: 'button'}, 'Text', child…) */
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className += (el.className ? ' ' : '') + v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);

/** A readable line for any error: a KaizalaError's message and code, never a raw object. */
export function errorText(e) {
  if (e === undefined || e === null) return 'Something went wrong.';
  if (typeof e === 'string') return e;
  let msg = typeof e.message === 'string' && e.message ? e.message : null;
  if (!msg) {
    try { msg = JSON.stringify(e); } catch { msg = String(e); }
  }
  const parts = [];
  if (e.code) parts.push(String(e.code));
  if (e.status) parts.push(`HTTP ${e.status}`);
  if (e.retryAfter) parts.push(`retry in ${e.retryAfter} s`);
  return parts.length ? `${msg} (${parts.join(', ')})` : msg;
}

let toastSeq = 0;
/** A toast at the top right; errors stay until closed, the rest fade after 4 s. */
export function toast(text, kind = 'info') {
  const box = $('#toasts');
  const id = `toast-${++toastSeq}`;
  const close = h('button.toast-close', { type: 'button', 'aria-label': 'Dismiss', onclick: () => t.remove() }, '×');
  const t = h(`div.toast.toast-${kind}`, { id, role: kind === 'error' ? 'alert' : undefined }, h('span', text), close);
  box.append(t);
  if (kind !== 'error') setTimeout(() => t.remove(), 4000);
  while (box.children.length > 4) box.firstElementChild.remove();
  return t;
}

export function showError(e, where) {
  const text = errorText(e);
  if (where) {
    where.textContent = text;
    where.hidden = false;
  } else {
    toast(text, 'error');
  }
  console.warn(e);
}

/**
 * Runs fn while the button shows it is busy; errors become readable messages in `errorEl` (or a
 * toast). Returns fn's result, or undefined when it failed.
 */
export async function busy(button, fn, errorEl) {
  if (errorEl) errorEl.hidden = true;
  const was = button && button.disabled;
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  }
  try {
    return await fn();
  } catch (e) {
    showError(e, errorEl);
    return undefined;
  } finally {
    if (button) {
      button.disabled = was;
      button.removeAttribute('aria-busy');
    }
  }
}

/** Wires a role=tablist: click and arrow keys select; onSelect(tab) after the switch. */
export function tabs(list, onSelect) {
  const all = () => [...list.querySelectorAll('[role=tab]')];
  const select = (tab, focus) => {
    for (const t of all()) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      const panel = document.getElementById(t.getAttribute('aria-controls'));
      if (panel) panel.hidden = !on;
    }
    if (focus) tab.focus();
    onSelect && onSelect(tab);
  };
  list.addEventListener('click', (e) => {
    const tab = e.target.closest('[role=tab]');
    if (tab) select(tab);
  });
  list.addEventListener('keydown', (e) => {
    const ts = all();
    const i = ts.indexOf(document.activeElement);
    if (i < 0) return;
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: ts.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    select(ts[(next + ts.length) % ts.length], true);
  });
  return { select: (tab) => select(tab) };
}

/** A date for display: accepts epoch ms, epoch s or an ISO string. */
export function toDate(v) {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'number') return new Date(v < 1e12 ? v * 1000 : v);
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function when(v) {
  const d = toDate(v);
  if (!d) return '';
  const same = d.toDateString() === new Date().toDateString();
  return same
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** "23 h 59 min", "4 min 03 s", "expired". */
export function countdown(ms) {
  if (!Number.isFinite(ms)) return '—';
  if (ms <= 0) return 'expired';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400), hr = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  if (d > 0) return `${d} d ${hr} h`;
  if (hr > 0) return `${hr} h ${String(m).padStart(2, '0')} min ${String(sec).padStart(2, '0')} s`;
  return `${m} min ${String(sec).padStart(2, '0')} s`;
}

export function initials(name) {
  return (name || '?').split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join('') || '?';
}

/** E.164 numbers from a free-form list ("+91…, +91…"). */
export function phones(text) {
  return String(text).split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
}

const ICONS = {
  like: 'M12 20.5s-7.5-4.4-7.5-10A4.5 4.5 0 0 1 12 7.4a4.5 4.5 0 0 1 7.5 3.1c0 5.6-7.5 10-7.5 10z',
  download: 'M12 4v11M7.5 10.5 12 15l4.5-4.5M5 19.5h14',
  upload: 'M12 15V4M7.5 8.5 12 4l4.5 4.5M5 19.5h14',
  comment: 'M4.5 5.5h15a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1H10l-4.5 3.5v-3.5h-1a1 1 0 0 1-1-1v-9a1 1 0 0 1 1-1z',
};
/** A small decorative line icon (aria-hidden). */
export function icon(name) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', `icon icon-${name}`);
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICONS[name]);
  svg.append(path);
  return svg;
}

/** A number for display, grouped the reader's way ("1,000"). */
export function num(n) {
  return Number(n || 0).toLocaleString();
}

/** An object URL for a text file; revoke it when it is no longer offered. */
export function textUrl(text, type = 'text/csv') {
  return URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
}

/** Saves text as a file (what a download link does, for text fetched on demand). */
export function download(text, fileName, type = 'text/csv') {
  const url = textUrl(text, type);
  const a = h('a', { href: url, download: fileName, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A name fit for a file: no path separators or characters file systems refuse. */
export function fileSafe(name) {
  return String(name || 'export').replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '-').trim() || 'export';
}
