// Containers: engine -> group (compose project, pod, ...) -> container -> its namespaces.
// Namespaces a container shares with the host are greyed.

import { badge, h, icon } from '../dom.js';
import { TYPES } from '../model.js';
import { containerLabel, newBadge } from '../parts.js';
import { nsLeaf } from './allns.js';

/** @typedef {import('../parts.js').Ctx} Ctx */
/** @typedef {import('../model.js').Container} Container */
/** @typedef {import('../model.js').Engine} Engine */
/** @typedef {import('../tree.js').TreeNode} TreeNode */

/**
 * @param {Ctx} ctx
 * @param {Container} c
 * @param {string} parentKey
 * @param {boolean} shared   a second appearance (the container is in several groups)
 * @returns {TreeNode}
 */
function containerNode(ctx, c, parentKey, shared) {
  const key = `${parentKey}/c${c.id}`;
  return {
    key,
    label: () => containerLabel(ctx, c),
    cls: [c.paused ? 'paused' : '', ctx.added.containers.has(c.key) ? 'added' : ''].join(' ').trim(),
    item: { kind: 'container', obj: c, shared },
    children: () => {
      if (!c.process) return [];
      const out = [];
      for (const t of TYPES) {
        const ns = c.process.ns[t];
        if (!ns) continue;
        const withHost = ns.initial || (c.engine && c.engine.process && c.engine.process.ns[t] === ns);
        if (withHost && !ctx.settings.showShared) continue;
        out.push(nsLeaf(ctx, ns, key, !!withHost));
      }
      return out;
    },
  };
}

/** @param {Ctx} ctx @param {Engine} e @returns {TreeNode} */
function engineNode(ctx, e) {
  const key = `/e${e.id || e.api}`;
  return {
    key,
    label: () => [
      icon('engine'), h('span', { class: 'ename' }, e.type || 'engine'),
      e.version ? h('span', { class: 'dim' }, e.version) : null,
      h('span', { class: 'mono dim' }, e.api),
      e.pid ? h('span', { class: 'pid' }, `PID ${e.pid}`) : null,
      e.container ? h('span', { class: 'dim' }, `in container ${e.container.name}`) : null,
      badge(`${e.containers.length}`, 'count', 'containers'),
    ].filter(Boolean),
    item: { kind: 'engine', obj: e },
    children: () => {
      /** @type {TreeNode[]} */
      const out = [];
      const groups = new Map();
      for (const c of e.containers) for (const g of c.groups) groups.set(g, true);
      const sorted = [...groups.keys()].sort((a, b) => (a.type + a.name < b.type + b.name ? -1 : 1));
      for (const g of sorted) {
        const gkey = `${key}/g${g.type}:${g.name}`;
        out.push({
          key: gkey,
          label: () => [icon('group'), h('span', { class: 'gname' }, g.name), badge(g.flavor || g.type, 'b-dim', 'group type'),
            badge(`${g.containers.length}`, 'count', 'containers')],
          item: { kind: 'group', obj: g },
          children: () => g.containers.filter((/** @type {Container} */ c) => c.engine === e).sort(byName)
            .map((/** @type {Container} */ c) => containerNode(ctx, c, gkey, c.groups[0] !== g)),
        });
      }
      for (const c of e.containers.filter((x) => !x.groups.length).sort(byName)) out.push(containerNode(ctx, c, key, false));
      return out;
    },
  };
}

/** @param {Container} a @param {Container} b */
function byName(a, b) {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export const containersView = {
  id: 'containers',
  path: 'containers',
  title: 'Containers',
  icon: 'container',
  help: 'Container engines, their groups (compose projects, pods) and containers with their namespaces; '
    + 'greyed: namespaces a container shares with the host or its engine.',
  /** @param {Ctx} ctx */
  roots(ctx) {
    const roots = ctx.d.engines.slice().sort((a, b) => (a.type < b.type ? -1 : 1)).map((e) => engineNode(ctx, e));
    const orphans = ctx.d.containers.filter((c) => !c.engine);
    if (orphans.length) {
      roots.push({
        key: '/noengine', label: () => [icon('engine'), h('span', { class: 'dim' }, 'engine not known')],
        children: () => orphans.map((c) => containerNode(ctx, c, '/noengine', false)),
      });
    }
    return roots;
  },
  /** @param {Ctx} ctx */
  initiallyExpanded(ctx) {
    const keys = [];
    for (const e of ctx.d.engines) {
      const key = `/e${e.id || e.api}`;
      keys.push(key);
      for (const c of e.containers) for (const g of c.groups) keys.push(`${key}/g${g.type}:${g.name}`);
    }
    return keys;
  },
  /** @param {Ctx} ctx */
  empty(ctx) {
    return ctx.d.options['with-containers'] === false || !ctx.d.engines.length
      ? 'No container engines in this discovery.' : null;
  },
};

export { newBadge };
