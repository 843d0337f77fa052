// The application: routes (relative to <base href>), the app bar (refresh, auto refresh,
// expand/collapse, download, open a dump, theme, search), the views, the details panel.

import { clear, h, icon } from './dom.js';
import { details } from './details.js';
import { changeCount, diff, noDiff } from './diff.js';
import { count, plural } from './format.js';
import { buildDiscovery, DumpError, parseJson } from './model.js';
import { search } from './search.js';
import { Tree, treeState } from './tree.js';
import { allView } from './views/allns.js';
import { containersView } from './views/containers.js';
import { cpusView } from './views/cpus.js';
import { mountsView } from './views/mounts.js';
import { changesView, diagnosticsView, searchView, settingsPanel, settingsView } from './views/pages.js';
import { processesView } from './views/processes.js';
import { typedViews } from './views/typed.js';

/** @typedef {import('./model.js').Discovery} Discovery */
/** @typedef {import('./tree.js').TreeNode} TreeNode */
/** @typedef {import('./tree.js').TreeState} TreeState */

export const REFRESH_CHOICES = /** @type {Array<[number, string]>} */ ([
  [0, 'off'], [1000, '1 s'], [5000, '5 s'], [10000, '10 s'], [30000, '30 s'], [60000, '1 min'], [300000, '5 min'],
]);

/** @type {any[]} */
const VIEWS = [allView, containersView, ...typedViews, mountsView, processesView, cpusView,
  diagnosticsView, changesView, searchView, settingsView];
const NAV_GROUPS = [
  ['all', 'containers'], typedViews.map((v) => v.id), ['mounts', 'processes', 'cpus'], ['diagnostics', 'changes'], ['settings'],
];

const store = {
  /** @param {string} key @param {any} fallback */
  get(key, fallback) {
    try {
      const v = localStorage.getItem(`lxkns.${key}`);
      return v === null ? fallback : JSON.parse(v);
    } catch {
      return fallback;
    }
  },
  /** @param {string} key @param {any} value */
  set(key, value) {
    try {
      localStorage.setItem(`lxkns.${key}`, JSON.stringify(value));
    } catch {
      // storage may be off; the setting then lasts for this page only
    }
  },
};

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const state = {
  /** @type {Discovery | null} */
  d: null,
  /** @type {string} */
  text: '',
  /** @type {{kind: 'live' | 'dump', name: string, at: Date, ms: number}} */
  source: { kind: 'live', name: '', at: new Date(), ms: 0 },
  diff: noDiff(),
  hasPrevious: false,
  /** @type {Map<string, {tree: TreeState, init: boolean}>} */
  views: new Map(),
  /** @type {Tree | null} */
  tree: null,
  treeView: '',
  /** @type {any} */
  view: allView,
  /** @type {URLSearchParams} */
  params: new URLSearchParams(),
  revealed: '',
  loading: false,
  /** @type {number | undefined} */
  timer: undefined,
  interval: store.get('refresh', 0),
  settings: {
    theme: store.get('theme', 'system'),
    showShared: store.get('showShared', true),
    showSystem: store.get('showSystem', false),
  },
  /** @type {Record<string, number>} */
  stats: {},
};

// ------------------------------------------------------------------ routing

function basePath() {
  return new URL(document.baseURI).pathname;
}

/** The view and parameters of the current location. */
function route() {
  const base = basePath();
  let rel = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : location.pathname.replace(/^\//, '');
  rel = rel.replace(/\/+$/, '');
  const view = VIEWS.find((v) => v.path === rel) || (rel === 'index.html' ? allView : null);
  return { view, rel, params: new URLSearchParams(location.search) };
}

/** Go to a URL relative to <base href> without loading the page. @param {string} href */
export function navigate(href, replace = false) {
  const url = new URL(href, document.baseURI);
  state.revealed = '';
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  show();
}

function ctx() {
  return {
    d: /** @type {Discovery} */ (state.d), added: state.diff.added, settings: state.settings,
    diff: state.diff, hasPrevious: state.hasPrevious, params: state.params,
  };
}

// ------------------------------------------------------------------ rendering

function renderNav() {
  const nav = $('nav-list');
  clear(nav);
  const c = state.d ? ctx() : null;
  for (const group of NAV_GROUPS) {
    const ul = h('ul', null);
    for (const id of group) {
      const v = VIEWS.find((x) => x.id === id);
      let n = null;
      if (c && v.count) n = v.count(c);
      if (c && id === 'changes' && state.hasPrevious) n = changeCount(state.diff);
      const current = state.view === v;
      ul.appendChild(h('li', null, h('a', {
        href: v.path || './', class: current ? 'current' : null, 'aria-current': current ? 'page' : null,
        'data-view': v.id,
      }, icon(v.icon), h('span', { class: 'nav-title' }, v.navTitle || v.title), n !== null ? h('span', { class: `nav-count${id === 'diagnostics' && n ? ' warn' : ''}${id === 'changes' && n ? ' hot' : ''}` }, count(n)) : null)));
    }
    nav.appendChild(ul);
  }
}

function renderStatus() {
  const el = $('status');
  clear(el);
  if (!state.d) return;
  const d = state.d;
  const src = state.source;
  const time = src.at.toLocaleTimeString();
  el.append(
    src.kind === 'live' ? h('span', null, `live discovery at ${time}`, src.ms ? ` (${Math.round(src.ms)} ms)` : '')
      : h('span', null, `dump ${src.name}, opened at ${time}`),
    h('span', null, plural(d.namespaces.size, 'namespace')),
    h('span', null, plural(d.processes.size, 'process', 'processes')),
    h('span', null, plural(d.containers.length, 'container')),
    d.producer ? h('span', { class: 'dim' }, d.producer) : h('span', { class: 'dim' }, 'Go lxkns format'),
  );
  const dump = $('dump-banner');
  if (src.kind === 'dump') {
    dump.hidden = false;
    clear(dump);
    dump.append(icon('file'), h('span', null, `Showing the dump "${src.name}". Auto refresh is stopped. `),
      h('button', { type: 'button', class: 'link', onclick: () => refresh(true) }, 'Back to this host\'s live discovery'));
  } else dump.hidden = true;
}

/** @param {string} [message] */
function showError(message) {
  const el = $('error');
  if (!message) {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  clear(el);
  el.append(icon('warning'), h('span', null, message),
    h('button', { type: 'button', class: 'link', 'aria-label': 'dismiss', onclick: () => showError() }, '×'));
}

/** @param {string} id */
function viewState(id) {
  let vs = state.views.get(id);
  if (!vs) {
    vs = { tree: treeState(), init: false };
    state.views.set(id, vs);
  }
  return vs;
}

/** Select what the location's parameters name, once per location. */
function revealFromParams() {
  const key = location.pathname + location.search;
  if (!state.tree || state.revealed === key || !state.d) return;
  const p = state.params;
  const d = state.d;
  /** @type {((n: TreeNode) => boolean) | null} */
  let pred = null;
  let what = '';
  if (p.has('ns')) {
    const v = /** @type {string} */ (p.get('ns'));
    const m = /^(?:([a-z]+):)?\[?(\d+)\]?$/.exec(v);
    const ns = m ? (m[1] ? d.namespaces.get(`${m[1]}:${m[2]}`) : [...d.namespaces.values()].find((x) => String(x.ino) === m[2] && (!state.view.type || x.type === state.view.type))) : null;
    what = `namespace ${v}`;
    pred = (n) => !!ns && !!n.item && n.item.kind === 'ns' && n.item.obj === ns && !n.item.shared;
  } else if (p.has('pid')) {
    const pid = Number(p.get('pid'));
    what = `process ${pid}`;
    pred = (n) => !!n.item && n.item.kind === 'proc' && n.item.obj.pid === pid && !n.item.shared;
  } else if (p.has('container')) {
    const id = p.get('container');
    what = `container ${id}`;
    pred = (n) => !!n.item && n.item.kind === 'container' && (n.item.obj.id === id || n.item.obj.name === id) && !n.item.shared;
  } else if (p.has('mntns')) {
    const ino = Number(p.get('mntns'));
    const path = p.get('path') || '/';
    what = `mount path ${path} in mnt:[${ino}]`;
    pred = (n) => !!n.item && n.item.kind === 'mount' && n.item.obj.path.table.ino === ino && n.item.obj.path.path === path;
  } else if (p.has('cpu')) {
    const cpu = Number(p.get('cpu'));
    what = `CPU ${cpu}`;
    pred = (n) => !!n.item && n.item.kind === 'cpu' && n.item.obj.cpu === cpu;
  }
  state.revealed = key;
  if (!pred) return;
  const path = state.tree.findPath(pred);
  if (!path || !state.tree.reveal(path)) showError(`Not in this discovery: ${what}.`);
}

function renderView() {
  const view = state.view;
  const host = $('view');
  $('title').textContent = view.title;
  $('help').textContent = view.help || '';
  document.title = `${view.title} · lxkns`;
  const treeButtons = !!view.roots;
  for (const id of ['expand-all', 'collapse-all']) /** @type {HTMLButtonElement} */ ($(id)).disabled = !treeButtons;
  if (!state.d) return;
  const c = ctx();
  if (view.roots) {
    const vs = viewState(view.id);
    if (!vs.init) {
      for (const k of view.initiallyExpanded ? view.initiallyExpanded(c) : []) vs.tree.expanded.add(k);
      vs.init = true;
    }
    const empty = view.empty ? view.empty(c) : null;
    if (state.treeView !== view.id || !state.tree) {
      clear(host);
      state.tree = new Tree(host, { label: view.title, state: vs.tree, onSelect: (n) => showDetails(n) });
      state.treeView = view.id;
    }
    const roots = view.roots(c);
    state.tree.setRoots(roots);
    let note = host.querySelector('.empty-view');
    if (empty || !roots.length) {
      if (!note) {
        note = h('p', { class: 'empty-view' });
        host.prepend(note);
      }
      note.textContent = empty || 'Nothing of this kind in this discovery.';
    } else if (note) note.remove();
    $('main').classList.add('with-details');
    const sel = vs.tree.selected ? state.tree.nodes.get(vs.tree.selected) : null;
    showDetails(sel || null);
    revealFromParams();
  } else {
    state.tree = null;
    state.treeView = '';
    clear(host);
    $('main').classList.remove('with-details');
    if (view === settingsView) host.appendChild(settingsPanel(state.settings, changeSetting));
    else view.render(c, host);
  }
}

/** @param {TreeNode | null} node */
function showDetails(node) {
  const panel = $('details-body');
  clear(panel);
  if (!state.d) return;
  panel.append(...details(ctx(), node && node.item));
}

function show() {
  const r = route();
  state.view = r.view || allView;
  state.params = r.params;
  if (!r.view) {
    showError(`There is no view "${r.rel}"; showing all namespaces.`);
    history.replaceState(null, '', new URL('./', document.baseURI));
  }
  renderNav();
  renderView();
  document.body.classList.remove('nav-open');
}

// ------------------------------------------------------------------ data

/**
 * Take a new discovery (from the service or a file).
 * @param {string} text
 * @param {{kind: 'live' | 'dump', name: string, ms: number}} source
 */
function accept(text, source) {
  const t0 = performance.now();
  const raw = parseJson(text);
  const t1 = performance.now();
  const d = buildDiscovery(raw);
  const t2 = performance.now();
  const prev = state.d;
  const sameKind = prev && state.source.kind === 'live' && source.kind === 'live';
  state.diff = prev && sameKind ? diff(prev, d) : noDiff();
  state.hasPrevious = !!sameKind;
  state.d = d;
  state.text = text;
  state.source = { ...source, at: new Date() };
  if (source.kind === 'dump') state.views.clear();
  renderNav();
  renderStatus();
  if (source.kind === 'dump') {
    state.tree = null;
    state.treeView = '';
  }
  renderView();
  const t3 = performance.now();
  state.stats = { parseMs: t1 - t0, buildMs: t2 - t1, renderMs: t3 - t2, totalMs: t3 - t0, fetchMs: source.ms };
  document.documentElement.dataset.loaded = String(Number(document.documentElement.dataset.loaded || 0) + 1);
  window.dispatchEvent(new CustomEvent('lxkns:rendered', { detail: state.stats }));
}

/** Fetch the live discovery. @param {boolean} [backToLive] */
export async function refresh(backToLive = false) {
  if (state.loading) return;
  if (state.source.kind === 'dump' && !backToLive && state.d) return;
  state.loading = true;
  const spinner = window.setTimeout(() => document.body.classList.add('busy'), 1000);
  /** @type {HTMLButtonElement} */ ($('refresh')).disabled = true;
  const t0 = performance.now();
  try {
    const res = await fetch('api/namespaces', { cache: 'no-store', headers: { Accept: 'application/json' } });
    const text = await res.text();
    if (!res.ok) {
      let msg = `${res.status} ${res.statusText}`;
      try {
        const body = JSON.parse(text);
        msg += `: ${body.error || ''}${body.detail ? ` (${body.detail})` : ''}`;
      } catch {
        // not JSON: the status says enough
      }
      throw new Error(`The service answered ${msg}`);
    }
    const wasDump = state.source.kind === 'dump';
    if (wasDump) state.views.clear();
    accept(text, { kind: 'live', name: '', ms: performance.now() - t0 });
    if (wasDump) {
      state.tree = null;
      state.treeView = '';
      renderView();
    }
    showError();
  } catch (e) {
    showError(e instanceof DumpError ? `The service sent something that is not a discovery: ${e.message}`
      : `Could not get the discovery: ${/** @type {Error} */ (e).message}`);
  } finally {
    window.clearTimeout(spinner);
    document.body.classList.remove('busy');
    /** @type {HTMLButtonElement} */ ($('refresh')).disabled = false;
    state.loading = false;
    schedule();
  }
}

function schedule() {
  window.clearTimeout(state.timer);
  state.timer = undefined;
  if (state.interval > 0 && state.source.kind === 'live') state.timer = window.setTimeout(() => refresh(), state.interval);
}

/** Open a dump from a file. @param {File} file */
async function openFile(file) {
  try {
    const text = await file.text();
    accept(text, { kind: 'dump', name: file.name, ms: 0 });
    window.clearTimeout(state.timer);
    state.timer = undefined;
    showError();
  } catch (e) {
    showError(`Could not open "${file.name}": ${/** @type {Error} */ (e).message}`);
  }
}

function download() {
  if (!state.text) return;
  const stamp = state.source.at.toISOString().replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
  const name = state.source.kind === 'dump' ? state.source.name : `lxkns-${location.hostname || 'host'}-${stamp}.json`;
  const url = URL.createObjectURL(new Blob([state.text], { type: 'application/json' }));
  const a = h('a', { href: url, download: name });
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ------------------------------------------------------------------ settings

function applyTheme() {
  const t = state.settings.theme;
  if (t === 'light' || t === 'dark') document.documentElement.dataset.theme = t;
  else delete document.documentElement.dataset.theme;
  const dark = t === 'dark' || (t === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  const btn = $('theme');
  btn.setAttribute('aria-pressed', String(dark));
  btn.title = `Theme: ${t === 'system' ? `as the system (${dark ? 'dark' : 'light'})` : t}; click for ${dark ? 'light' : 'dark'}`;
}

/** @param {string} key @param {any} value */
function changeSetting(key, value) {
  /** @type {any} */ (state.settings)[key] = value;
  store.set(key, value);
  if (key === 'theme') applyTheme();
  else {
    // rows depend on it: rebuild the trees
    state.tree = null;
    state.treeView = '';
  }
  renderView();
}

// ------------------------------------------------------------------ search box

function setupSearch() {
  const input = /** @type {HTMLInputElement} */ ($('search'));
  const box = $('search-hits');
  let active = -1;
  /** @type {import('./search.js').Hit[]} */
  let hits = [];
  const close = () => {
    box.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    active = -1;
  };
  const go = (/** @type {string} */ href) => {
    close();
    input.blur();
    navigate(href);
  };
  const paint = () => {
    clear(box);
    hits.slice(0, 10).forEach((x, i) => {
      box.appendChild(h('li', {
        role: 'option', id: `hit-${i}`, class: i === active ? 'active' : null, 'aria-selected': String(i === active),
        onmousedown: (/** @type {Event} */ e) => { e.preventDefault(); go(x.href); },
      }, h('span', { class: 'badge b-dim' }, x.kind), h('a', { href: x.href, tabindex: '-1' }, x.text), h('span', { class: 'dim' }, x.detail)));
    });
    const q = input.value.trim();
    box.appendChild(h('li', {
      role: 'option', id: 'hit-all', class: active === Math.min(hits.length, 10) ? 'active all' : 'all',
      onmousedown: (/** @type {Event} */ e) => { e.preventDefault(); go(`search?q=${encodeURIComponent(q)}`); },
    }, hits.length ? `all ${hits.length >= 200 ? '200+' : hits.length} hits` : 'no hits'));
    input.setAttribute('aria-activedescendant', active >= 0 ? (active < Math.min(hits.length, 10) ? `hit-${active}` : 'hit-all') : '');
  };
  input.addEventListener('input', () => {
    if (!state.d || !input.value.trim()) {
      close();
      return;
    }
    hits = search(state.d, input.value);
    active = -1;
    box.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    paint();
  });
  input.addEventListener('keydown', (e) => {
    const n = Math.min(hits.length, 10);
    if (e.key === 'ArrowDown' && !box.hidden) {
      active = Math.min(n, active + 1);
      paint();
      e.preventDefault();
    } else if (e.key === 'ArrowUp' && !box.hidden) {
      active = Math.max(-1, active - 1);
      paint();
      e.preventDefault();
    } else if (e.key === 'Enter') {
      const q = input.value.trim();
      if (!q) return;
      if (active >= 0 && active < n) go(hits[active].href);
      else if (active === -1 && hits.length === 1) go(hits[0].href);
      else go(`search?q=${encodeURIComponent(q)}`);
      e.preventDefault();
    } else if (e.key === 'Escape') {
      close();
      input.value = '';
    }
  });
  input.addEventListener('blur', () => window.setTimeout(close, 150));
}

// ------------------------------------------------------------------ start

function setup() {
  applyTheme();
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', applyTheme);
  const sel = /** @type {HTMLSelectElement} */ ($('interval'));
  for (const [ms, text] of REFRESH_CHOICES) sel.appendChild(h('option', { value: ms, selected: ms === state.interval }, text));
  if (!REFRESH_CHOICES.some(([ms]) => ms === state.interval)) state.interval = 0;
  sel.addEventListener('change', () => {
    state.interval = Number(sel.value);
    store.set('refresh', state.interval);
    if (state.source.kind === 'dump' && state.interval) refresh(true);
    else schedule();
  });
  $('refresh').addEventListener('click', () => refresh(true));
  $('expand-all').addEventListener('click', () => {
    if (!state.tree) return;
    const t0 = performance.now();
    state.tree.expandAll();
    state.stats.expandAllMs = performance.now() - t0;
  });
  $('collapse-all').addEventListener('click', () => state.tree && state.tree.collapseAll());
  $('download').addEventListener('click', download);
  const file = /** @type {HTMLInputElement} */ ($('file'));
  $('open').addEventListener('click', () => file.click());
  file.addEventListener('change', () => {
    if (file.files && file.files[0]) openFile(file.files[0]);
    file.value = '';
  });
  $('theme').addEventListener('click', () => {
    const dark = document.documentElement.dataset.theme === 'dark'
      || (!document.documentElement.dataset.theme && matchMedia('(prefers-color-scheme: dark)').matches);
    changeSetting('theme', dark ? 'light' : 'dark');
  });
  $('nav-toggle').addEventListener('click', () => {
    const open = document.body.classList.toggle('nav-open');
    $('nav-toggle').setAttribute('aria-expanded', String(open));
  });
  // drag and drop a dump anywhere
  let depth = 0;
  document.addEventListener('dragenter', (e) => {
    if (e.dataTransfer && [...e.dataTransfer.types].includes('Files')) {
      depth++;
      document.body.classList.add('dropping');
    }
  });
  document.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (!depth) document.body.classList.remove('dropping');
  });
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    document.body.classList.remove('dropping');
    const f = e.dataTransfer && e.dataTransfer.files[0];
    if (f) openFile(f);
  });
  // links inside the app route without reloading
  document.addEventListener('click', (e) => {
    const a = /** @type {HTMLElement} */ (e.target).closest('a');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.hasAttribute('download')) return;
    const url = new URL(a.href, document.baseURI);
    if (url.origin !== location.origin || !url.pathname.startsWith(basePath())) return;
    e.preventDefault();
    navigate(url.pathname + url.search);
  });
  window.addEventListener('popstate', () => {
    state.revealed = '';
    show();
  });
  document.addEventListener('keydown', (e) => {
    const t = /** @type {HTMLElement} */ (e.target);
    if (e.key === '/' && !(t instanceof HTMLInputElement) && !(t instanceof HTMLSelectElement)) {
      e.preventDefault();
      $('search').focus();
    }
  });
  setupSearch();
  // for tests and benchmarks: what the last render took
  /** @type {any} */ (window).lxkns = { stats: () => ({ ...state.stats }), refresh: () => refresh(true) };
  show();
  refresh(true);
}

setup();
