// Row labels and deep links shared by the views: a namespace, a process, a container,
// a mount, each the same everywhere.

import { badge, h, icon } from './dom.js';
import { cpuListText, isRealtime, nsText, policyText, procText, shortId } from './format.js';
import { containerOf, enclosing } from './model.js';

/** @typedef {import('./model.js').Namespace} Namespace */
/** @typedef {import('./model.js').Process} Process */
/** @typedef {import('./model.js').Container} Container */
/** @typedef {import('./model.js').Discovery} Discovery */
/** @typedef {import('./model.js').Mount} Mount */
/** @typedef {import('./model.js').MountPath} MountPath */

/**
 * @typedef {object} Changes   what appeared since the previous discovery
 * @property {Set<string>} namespaces   uids
 * @property {Set<string>} processes    keys
 * @property {Set<string>} containers   keys
 */

/**
 * @typedef {object} Ctx   what every view gets
 * @property {Discovery} d
 * @property {Changes} added
 * @property {{showShared: boolean, showSystem: boolean}} settings
 */

/**
 * @typedef {object} Item   what a tree row stands for (the details panel shows it)
 * @property {string} kind   ns, proc, task, container, engine, group, mounts, path, mount, cpu
 * @property {any} obj
 * @property {boolean} [shared]  a second appearance (not where search and deep links go)
 */

// ------------------------------------------------------------------ deep links

/** @param {Namespace} ns */
export function nsHref(ns) {
  return `${ns.type}?ns=${ns.type}:${ns.ino}`;
}

/** @param {Process} p */
export function procHref(p) {
  return `processes?pid=${p.pid}`;
}

/** @param {Container} c */
export function containerHref(c) {
  return `containers?container=${encodeURIComponent(c.id)}`;
}

/** @param {number} mntns @param {string} path */
export function mountHref(mntns, path) {
  return `mounts?mntns=${mntns}&path=${encodeURIComponent(path)}`;
}

/** A link that the app routes itself. @param {string} href @param {...any} content */
export function link(href, ...content) {
  return h('a', { href, class: 'deep' }, ...content);
}

// ------------------------------------------------------------------ labels

/** @param {Ctx} ctx @param {string} set @param {string} key */
function isNew(ctx, set, key) {
  return /** @type {any} */ (ctx.added)[set].has(key);
}

/** A "new" badge where an item appeared since the previous refresh. @param {boolean} yes */
export function newBadge(yes) {
  return yes ? badge('new', 'b-new', 'appeared since the previous refresh') : null;
}

/** Classes of a row for a namespace. @param {Ctx} ctx @param {Namespace} ns @param {boolean} [shared] */
export function nsClass(ctx, ns, shared) {
  const cls = [];
  if (shared) cls.push('shared');
  if (ns.initial) cls.push('initial');
  if (isNew(ctx, 'namespaces', ns.uid)) cls.push('added');
  return cls.join(' ');
}

/** Container names of a namespace, each with the container it runs in. @param {Namespace} ns */
export function containerBits(ns) {
  return ns.containers.map((c) => {
    const outer = enclosing(c);
    return h('span', { class: 'container-name', title: `${c.flavor} container ${c.id}` },
      icon('container'), c.name || shortId(c.id), outer ? h('span', { class: 'dim' }, ` in ${outer.name || shortId(outer.id)}`) : null);
  });
}

/** What a namespace is known by: its oldest process, else its threads, holders or ref. @param {Namespace} ns */
export function nsWho(ns) {
  if (ns.ealdorman) {
    const p = ns.ealdorman;
    const more = ns.leaders.length > 1 ? h('span', { class: 'dim' }, ` +${ns.leaders.length - 1} more`) : null;
    return h('span', { class: 'who' }, icon(p.pid === 1 ? 'crown' : 'process'), `"${p.name}" (${p.pid})`, more,
      p.cpucgroup && p.cpucgroup !== '/' ? h('span', { class: 'cgroup dim' }, ` ${p.cpucgroup}`) : null);
  }
  if (ns.looseThreads.length) {
    const t = ns.looseThreads[0];
    return h('span', { class: 'who' }, icon('thread'), `task "${t.name}" [${t.tid}] of "${t.process.name}" (${t.process.pid})`);
  }
  if (ns.holders.length) {
    const p = ns.holders[0];
    const how = ns.sources.includes('socket') && !ns.sources.includes('fd') ? 'socket of' : 'held open by';
    return h('span', { class: 'who' }, icon('fd'), `${how} "${p.name}" (${p.pid})`);
  }
  if (ns.ref.length) {
    const text = ns.ref.join(' » ');
    const bind = !ns.ref[0].startsWith('/proc/') || ns.ref.length > 1;
    return h('span', { class: 'who' }, icon(bind ? 'pin' : 'fd'), bind ? `bind-mounted at ${text}` : `referenced from ${text}`);
  }
  return h('span', { class: 'who dim' }, 'hidden (found only as ', ns.sources.join(', ') || 'a relation', ')');
}

/**
 * The label of a namespace row.
 * @param {Ctx} ctx
 * @param {Namespace} ns
 * @param {{shared?: boolean, noWho?: boolean}} [opts]
 */
export function nsLabel(ctx, ns, opts = {}) {
  /** @type {Array<Node | null>} */
  const parts = [
    icon(`ns-${ns.type}`), h('span', { class: `nstype t-${ns.type}` }, ns.type),
    h('span', { class: 'nsid', title: ns.nsid64 ? `namespace ID ${ns.nsid64}` : null }, `${nsText(ns)}`),
  ];
  if (ns.initial) parts.push(badge('initial', 'b-initial', 'a namespace of the host (PID 1)'));
  if (opts.shared) parts.push(badge('shared', 'b-shared', 'not owned here: shared with the parent'));
  parts.push(newBadge(isNew(ctx, 'namespaces', ns.uid)));
  if (ns.type === 'user' && ns.userId !== null) {
    parts.push(h('span', { class: 'owner-uid', title: 'UID of the creator' }, icon('person'),
      `UID ${ns.userId}`, ns.userName ? ` (${ns.userName})` : ''));
  }
  parts.push(...containerBits(ns));
  if (!opts.noWho) parts.push(nsWho(ns));
  return parts.filter(Boolean);
}

/**
 * The label of a process row.
 * @param {Ctx} ctx
 * @param {Process} p
 * @param {{pidns?: Namespace | null, sched?: boolean}} [opts]
 */
export function procLabel(ctx, p, opts = {}) {
  /** @type {Array<Node | null>} */
  const parts = [icon(p.pid === 1 ? 'crown' : 'process'), h('span', { class: 'pname' }, p.name || '?')];
  const pidns = opts.pidns;
  let local = null;
  if (pidns) {
    const chain = ctx.d.pidmap.get(p.pid);
    if (chain) for (const e of chain) if (e.nsid === pidns.ino) local = e.pid;
  }
  if (local !== null && local !== p.pid) {
    parts.push(h('span', { class: 'pid', title: `PID ${local} in pid:[${pidns && pidns.ino}], ${p.pid} in the top PID namespace` },
      `PID ${local}`, h('span', { class: 'dim' }, ` (${p.pid})`)));
  } else parts.push(h('span', { class: 'pid' }, `PID ${p.pid}`));
  parts.push(newBadge(isNew(ctx, 'processes', p.key)));
  if (p.container) parts.push(h('span', { class: 'container-name' }, icon('container'), p.container.name || shortId(p.container.id)));
  if (p.frozen) parts.push(badge('frozen', 'b-frozen', `freezer cgroup ${p.fridgecgroup} is frozen`));
  else if (p.frozenUnknown) parts.push(badge('freezer ?', 'b-dim', 'the freezer state could not be read'));
  if (p.state === 'Z') parts.push(badge('zombie', 'b-dim'));
  if (opts.sched) parts.push(...schedBits(ctx, p));
  if (p.cpucgroup && p.cpucgroup !== '/') parts.push(h('span', { class: 'cgroup dim', title: 'CPU cgroup' }, p.cpucgroup));
  return parts.filter(Boolean);
}

/** Scheduling badges of a process or thread. @param {Ctx} ctx @param {{policy: number, priority: number, nice: number, affinity: Array<[number, number]> | null}} x */
export function schedBits(ctx, x) {
  const out = [];
  if (x.policy) out.push(badge(policyText(x.policy), isRealtime(x.policy) ? 'b-rt' : 'b-dim', 'scheduling policy'));
  if (x.priority) out.push(badge(`prio ${x.priority}`, 'b-rt', 'real-time priority'));
  if (x.nice) out.push(badge(`nice ${x.nice}`, 'b-dim', 'nice value'));
  if (x.affinity) {
    const all = cpuListText(ctx.d.cpusOnline);
    const mine = cpuListText(x.affinity);
    out.push(badge(`CPU ${mine}`, mine === all ? 'b-dim' : 'b-pinned', mine === all ? 'may run on every online CPU' : 'pinned to these CPUs'));
  }
  return out;
}

/** @param {Ctx} ctx @param {Container} c */
export function containerLabel(ctx, c) {
  const outer = enclosing(c);
  return [
    icon('container'), h('span', { class: 'cname' }, c.name || shortId(c.id)),
    c.name !== c.id ? h('span', { class: 'dim mono' }, shortId(c.id)) : null,
    c.flavor && c.flavor !== c.type ? badge(c.flavor, 'b-dim', 'flavor') : null,
    c.paused ? badge('paused', 'b-paused', 'the container is paused (frozen)') : null,
    newBadge(isNew(ctx, 'containers', c.key)),
    h('span', { class: 'pid' }, `PID ${c.pid}`),
    outer ? h('span', { class: 'dim' }, `in container ${outer.name || shortId(outer.id)}`) : null,
  ].filter(Boolean);
}

/** Where a process belongs: its container, else nothing. @param {Process} p */
export function procContainerName(p) {
  const c = containerOf(p);
  return c ? c.name || shortId(c.id) : '';
}

/** @param {Mount} m */
export function propagationText(m) {
  const out = [];
  if (m.tags.shared) out.push(`shared:${m.tags.shared}`);
  if (m.tags.master) out.push(`master:${m.tags.master}`);
  if (m.tags.propagate_from) out.push(`propagate_from:${m.tags.propagate_from}`);
  if ('unbindable' in m.tags) out.push('unbindable');
  return out.length ? out.join(' ') : 'private';
}

/** @param {Mount} m */
export function isReadOnly(m) {
  return m.mountoptions.includes('ro');
}

export { procText };
