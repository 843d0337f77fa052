// The views that are not trees: diagnostics, what changed, search results, settings.

import { badge, h } from '../dom.js';
import { ERRNO, nsText, plural, shortId } from '../format.js';
import { containerHref, link, nsHref, procHref } from '../parts.js';
import { search } from '../search.js';

/** @typedef {import('../parts.js').Ctx} Ctx */
/** @typedef {import('../diff.js').Diff} Diff */

export const diagnosticsView = {
  id: 'diagnostics',
  path: 'diagnostics',
  title: 'Diagnostics',
  icon: 'warning',
  help: 'What the discovery could not see, and why: denied reads, processes that vanished while it '
    + 'looked, kernel features missing, malformed input.',
  /** @param {Ctx} ctx */
  count(ctx) {
    return ctx.d.diagnostics.length;
  },
  /** @param {Ctx} ctx @param {HTMLElement} host */
  render(ctx, host) {
    const diags = ctx.d.diagnostics;
    if (!diags.length) {
      host.appendChild(h('p', { class: 'empty-view' }, ctx.d.schema === null
        ? 'This dump comes from a producer that records no diagnostics (the Go lxkns).'
        : 'Nothing to report: the discovery saw everything it looked for.'));
      return;
    }
    host.appendChild(h('table', { class: 'diagnostics' },
      h('thead', null, h('tr', null, ...['kind', 'stage', 'count', 'error', 'what', 'for example'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, ...diags.map((x) => h('tr', { class: `k-${x.kind}` },
        h('td', null, badge(x.kind, `b-${x.kind}`)), h('td', null, x.stage), h('td', { class: 'num' }, String(x.count)),
        h('td', null, x.errno ? `${ERRNO[x.errno] || 'errno'} (${x.errno})` : ''), h('td', null, x.message),
        h('td', null, h('ul', { class: 'examples' }, ...(x.examples || []).map((e) => h('li', null, h('code', null, e))))))))));
  },
};

/**
 * @param {string} title
 * @param {any[]} items
 * @param {(x: any) => Node} row
 * @param {boolean} gone
 */
function changeList(title, items, row, gone) {
  if (!items.length) return null;
  return h('section', { class: gone ? 'gone' : 'appeared' }, h('h3', null, `${title} (${items.length})`),
    h('ul', { class: 'changes' }, ...items.slice(0, 500).map((x) => h('li', null, row(x)))),
    items.length > 500 ? h('p', { class: 'dim' }, `and ${items.length - 500} more`) : null);
}

export const changesView = {
  id: 'changes',
  path: 'changes',
  title: 'What changed',
  icon: 'changes',
  help: 'Namespaces, processes and containers that appeared or went away between the last two refreshes. '
    + 'New ones are also marked "new" in every view.',
  /** @param {Ctx & {diff: Diff, hasPrevious: boolean}} ctx @param {HTMLElement} host */
  render(ctx, host) {
    const { appeared, gone, stable } = ctx.diff;
    if (!ctx.hasPrevious) {
      host.appendChild(h('p', { class: 'empty-view' }, 'Refresh (or turn on auto refresh) to see what changes between two discoveries.'));
      return;
    }
    const any = [appeared, gone].some((x) => x.namespaces.length || x.processes.length || x.containers.length);
    host.appendChild(h('p', { class: 'dim' }, stable
      ? 'Namespaces are compared by their 64-bit namespace IDs, which the kernel never reuses.'
      : 'Namespaces are compared by type and inode number (the discoveries carry no 64-bit namespace IDs; '
        + 'an inode number can be reused after a namespace is gone).'));
    if (!any) {
      host.appendChild(h('p', { class: 'empty-view' }, 'Nothing appeared or went away since the previous refresh.'));
      return;
    }
    const nsRow = (/** @type {any} */ ns, /** @type {boolean} */ isGone) => isGone
      ? h('span', null, nsText(ns), ns.ealdorman ? ` "${ns.ealdorman.name}" (${ns.ealdorman.pid})` : '')
      : link(nsHref(ns), nsText(ns), ns.ealdorman ? ` "${ns.ealdorman.name}" (${ns.ealdorman.pid})` : '');
    const procRow = (/** @type {any} */ p, /** @type {boolean} */ isGone) => isGone
      ? h('span', null, `"${p.name}" (${p.pid})`) : link(procHref(p), `"${p.name}" (${p.pid})`);
    const contRow = (/** @type {any} */ c, /** @type {boolean} */ isGone) => isGone
      ? h('span', null, c.name || shortId(c.id)) : link(containerHref(c), c.name || shortId(c.id));
    host.append(...[
      changeList('New namespaces', appeared.namespaces, (x) => nsRow(x, false), false),
      changeList('Namespaces gone', gone.namespaces, (x) => nsRow(x, true), true),
      changeList('New containers', appeared.containers, (x) => contRow(x, false), false),
      changeList('Containers gone', gone.containers, (x) => contRow(x, true), true),
      changeList('New processes', appeared.processes, (x) => procRow(x, false), false),
      changeList('Processes gone', gone.processes, (x) => procRow(x, true), true),
    ].filter((x) => x !== null).map((x) => /** @type {HTMLElement} */ (x)));
  },
};

export const searchView = {
  id: 'search',
  path: 'search',
  title: 'Search',
  icon: 'search',
  help: 'Every hit is a link that opens its view with the item revealed; copy it to share it.',
  /** @param {Ctx & {params: URLSearchParams}} ctx @param {HTMLElement} host */
  render(ctx, host) {
    const q = ctx.params.get('q') || '';
    const hits = search(ctx.d, q, 1000);
    host.appendChild(h('p', null, q ? `${plural(hits.length, 'hit')} for "${q}"` : 'Type a PID, a process name, a container, a namespace or a mount path into the search box.'));
    if (hits.length) {
      host.appendChild(h('ul', { class: 'hits' }, ...hits.map((x) => h('li', null, badge(x.kind, 'b-dim'), ' ',
        link(x.href, x.text), ' ', h('span', { class: 'dim' }, x.detail)))));
    }
  },
};

/**
 * @param {{theme: string, showShared: boolean, showSystem: boolean}} settings
 * @param {(key: string, value: any) => void} change
 */
export function settingsPanel(settings, change) {
  const radio = (/** @type {string} */ value, /** @type {string} */ text) => h('label', null,
    h('input', { type: 'radio', name: 'theme', value, checked: settings.theme === value, onchange: () => change('theme', value) }), ` ${text}`);
  const check = (/** @type {'showShared' | 'showSystem'} */ key, /** @type {string} */ text) => h('label', null,
    h('input', { type: 'checkbox', checked: settings[key], onchange: (/** @type {Event} */ e) => change(key, /** @type {HTMLInputElement} */ (e.target).checked) }), ` ${text}`);
  return h('div', { class: 'settings' },
    h('fieldset', null, h('legend', null, 'Theme'), radio('system', 'as the system'), radio('light', 'light'), radio('dark', 'dark')),
    h('fieldset', null, h('legend', null, 'Show'), check('showShared', 'namespaces shared with the parent (greyed)'),
      check('showSystem', 'kernel threads in the process tree')));
}

export const settingsView = {
  id: 'settings',
  path: 'settings',
  title: 'Settings',
  icon: 'gear',
  help: 'Kept in this browser.',
};
