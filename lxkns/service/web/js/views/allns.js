// All namespaces: the user namespace hierarchy; below each user namespace its child
// user namespaces, then the namespaces it owns grouped by tenant (the oldest process
// using them), the tenant's other namespaces greyed as shared, then process-less ones.

import { h, icon } from '../dom.js';
import { TYPES } from '../model.js';
import { nsClass, nsLabel, procLabel } from '../parts.js';

/** @typedef {import('../parts.js').Ctx} Ctx */
/** @typedef {import('../model.js').Namespace} Namespace */
/** @typedef {import('../model.js').Process} Process */
/** @typedef {import('../tree.js').TreeNode} TreeNode */

/**
 * @param {Ctx} ctx
 * @param {Namespace} ns
 * @param {string} parentKey
 * @param {boolean} [shared]
 * @returns {TreeNode}
 */
export function nsLeaf(ctx, ns, parentKey, shared = false) {
  return {
    key: `${parentKey}/n${ns.uid}${shared ? 's' : ''}`,
    label: () => nsLabel(ctx, ns, { shared }),
    cls: nsClass(ctx, ns, shared),
    item: { kind: 'ns', obj: ns, shared },
  };
}

/**
 * @param {Ctx} ctx
 * @param {Namespace} user
 * @param {string} parentKey
 * @returns {TreeNode}
 */
function userNode(ctx, user, parentKey) {
  const key = `${parentKey}/u${user.uid}`;
  return {
    key,
    label: () => [...nsLabel(ctx, user), user.possessions.length
      ? h('span', { class: 'dim' }, `owns ${user.possessions.length}`) : null].filter(Boolean),
    cls: nsClass(ctx, user),
    item: { kind: 'ns', obj: user },
    children: () => userChildren(ctx, user, key),
  };
}

/**
 * @param {Ctx} ctx
 * @param {Namespace} user
 * @param {string} key
 * @returns {TreeNode[]}
 */
function userChildren(ctx, user, key) {
  const out = user.children.map((u) => userNode(ctx, u, key));
  /** @type {Map<Process, Namespace[]>} */
  const tenants = new Map();
  /** @type {Namespace[]} */
  const loose = [];
  for (const ns of user.possessions) {
    if (ns.ealdorman) {
      const list = tenants.get(ns.ealdorman);
      if (list) list.push(ns);
      else tenants.set(ns.ealdorman, [ns]);
    } else loose.push(ns);
  }
  const ordered = [...tenants.keys()].sort((a, b) => a.starttime - b.starttime || a.pid - b.pid);
  for (const p of ordered) {
    const tkey = `${key}/t${p.key}`;
    out.push({
      key: tkey,
      label: () => [h('span', { class: 'tenant-tag' }, 'tenant'), ...procLabel(ctx, p)],
      cls: 'tenant',
      item: { kind: 'proc', obj: p, shared: true },
      children: () => tenantChildren(ctx, user, p, tkey),
    });
  }
  loose.sort((a, b) => TYPES.indexOf(/** @type {any} */ (a.type)) - TYPES.indexOf(/** @type {any} */ (b.type)) || a.ino - b.ino);
  for (const ns of loose) out.push(nsLeaf(ctx, ns, key));
  return out;
}

/**
 * A tenant's namespaces: those it leads in this user namespace, and (greyed) the others
 * it is in.
 * @param {Ctx} ctx
 * @param {Namespace} user
 * @param {Process} p
 * @param {string} key
 * @returns {TreeNode[]}
 */
function tenantChildren(ctx, user, p, key) {
  const out = [];
  for (const t of TYPES) {
    const ns = p.ns[t];
    if (!ns || ns === user) continue;
    const own = ns.owner === user && ns.ealdorman === p;
    if (own) out.push(nsLeaf(ctx, ns, key));
    else if (ctx.settings.showShared) out.push(nsLeaf(ctx, ns, key, true));
  }
  return out;
}

export const allView = {
  id: 'all',
  path: '',
  title: 'All namespaces',
  icon: 'all',
  help: 'User namespaces as a hierarchy; below each the namespaces it owns, grouped by tenant '
    + '(the oldest process in them). Greyed: namespaces of a tenant owned elsewhere (shared).',
  /** @param {Ctx} ctx */
  roots(ctx) {
    const roots = ctx.d.userRoots.map((u) => userNode(ctx, u, ''));
    // namespaces without a user namespace we know (no ownership discovered)
    /** @type {Namespace[]} */
    const orphans = [];
    for (const ns of ctx.d.namespaces.values()) if (ns.type !== 'user' && !ns.owner) orphans.push(ns);
    if (orphans.length) {
      roots.push({
        key: '/orphans',
        label: () => [icon('ns-user'), h('span', { class: 'dim' }, `owner not known: ${orphans.length} namespaces`)],
        children: () => orphans.map((ns) => nsLeaf(ctx, ns, '/orphans')),
      });
    }
    return roots;
  },
  /** @param {Ctx} ctx @returns {string[]} keys expanded on first sight */
  initiallyExpanded(ctx) {
    return ctx.d.userRoots.map((u) => `/u${u.uid}`);
  },
};
