// One view per namespace type: PID and user namespaces as hierarchies, the others as a
// list with a count. Each namespace lists its leader processes.

import { h } from '../dom.js';
import { plural } from '../format.js';
import { TYPES } from '../model.js';
import { nsClass, nsLabel, procLabel } from '../parts.js';

/** @typedef {import('../parts.js').Ctx} Ctx */
/** @typedef {import('../model.js').Namespace} Namespace */
/** @typedef {import('../tree.js').TreeNode} TreeNode */

/** @param {Ctx} ctx @param {Namespace} ns @param {string} parentKey @returns {TreeNode} */
function typedNode(ctx, ns, parentKey) {
  const key = `${parentKey}/n${ns.uid}`;
  const hier = ns.type === 'pid' || ns.type === 'user';
  const hasKids = ns.leaders.length || ns.looseThreads.length || ns.holders.length || (hier && ns.children.length);
  return {
    key,
    label: () => {
      const parts = nsLabel(ctx, ns);
      if (ns.type === 'user' && ns.possessions.length) parts.push(h('span', { class: 'dim' }, `owns ${ns.possessions.length}`));
      if (ns.members.length) parts.push(h('span', { class: 'dim' }, plural(ns.members.length, 'process', 'processes')));
      return parts;
    },
    cls: nsClass(ctx, ns),
    item: { kind: 'ns', obj: ns },
    children: hasKids ? () => {
      /** @type {TreeNode[]} */
      const out = [];
      if (hier) for (const c of ns.children) out.push(typedNode(ctx, c, key));
      for (const p of ns.leaders) {
        out.push({ key: `${key}/p${p.key}`, label: () => [h('span', { class: 'role' }, 'leader'), ...procLabel(ctx, p)],
          item: { kind: 'proc', obj: p, shared: true } });
      }
      for (const t of ns.looseThreads) {
        out.push({ key: `${key}/t${t.tid}`, label: () => [h('span', { class: 'role' }, 'thread'),
          h('span', { class: 'pname' }, t.name), h('span', { class: 'pid' }, `TID ${t.tid}`),
          h('span', { class: 'dim' }, `of "${t.process.name}" (${t.process.pid})`)], item: { kind: 'task', obj: t } });
      }
      for (const p of ns.holders) {
        out.push({ key: `${key}/h${p.key}`, label: () => [h('span', { class: 'role' }, 'holder'), ...procLabel(ctx, p)],
          item: { kind: 'proc', obj: p, shared: true } });
      }
      return out;
    } : null,
  };
}

/** @param {string} type */
function typedView(type) {
  const hier = type === 'pid' || type === 'user';
  return {
    id: type,
    path: type,
    title: `${type} namespaces`,
    navTitle: type,
    icon: `ns-${type}`,
    type,
    help: hier ? `The ${type} namespace hierarchy; each namespace with its leader processes.`
      : `Every ${type} namespace found, with its leader processes (or what else keeps it alive).`,
    /** @param {Ctx} ctx */
    roots(ctx) {
      const list = hier ? ctx.d.byType[type].filter((ns) => !ns.parent) : ctx.d.byType[type];
      return list.map((ns) => typedNode(ctx, ns, ''));
    },
    /** @param {Ctx} ctx */
    count(ctx) {
      return ctx.d.byType[type].length;
    },
    /** @param {Ctx} ctx */
    initiallyExpanded(ctx) {
      return hier ? ctx.d.byType[type].filter((ns) => !ns.parent).map((ns) => `/n${ns.uid}`) : [];
    },
  };
}

export const typedViews = TYPES.map(typedView);
