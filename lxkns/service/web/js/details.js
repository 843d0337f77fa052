// The details panel: every field of the selected namespace, process, container, engine,
// group or mount, with links to what it is related to.

import { badge, h } from './dom.js';
import { cpuListText, nsText, policyText, shortId } from './format.js';
import { enclosing, propagationIndex, TYPES } from './model.js';
import { containerHref, link, mountHref, nsHref, procHref, propagationText } from './parts.js';

/** @typedef {import('./parts.js').Ctx} Ctx */
/** @typedef {import('./parts.js').Item} Item */
/** @typedef {import('./model.js').Namespace} Namespace */
/** @typedef {import('./model.js').Process} Process */
/** @typedef {import('./model.js').Mount} Mount */

/** @param {Array<[string, any]>} rows */
function table(rows) {
  return h('dl', { class: 'fields' }, ...rows.filter(([, v]) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && !v.length))
    .map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

/** @param {Namespace} ns */
const nsLink = (ns) => link(nsHref(ns), nsText(ns));
/** @param {Process} p */
const procLink = (p) => link(procHref(p), `"${p.name}" (${p.pid})`);
/** @param {any[]} list @param {(x: any) => Node} f */
const list = (list, f) => (list.length ? h('span', { class: 'list' }, ...list.map((x, i) => [i ? ', ' : '', f(x)])) : null);

/** @param {Ctx} ctx @param {Namespace} ns */
function nsDetails(ctx, ns) {
  return [
    h('h2', null, nsText(ns), ns.initial ? badge('initial', 'b-initial') : null),
    table([
      ['type', ns.type], ['inode', String(ns.ino)], ['namespace ID', ns.nsid64],
      ['found from', ns.sources.join(', ')],
      ['reference', ns.ref.length ? h('code', null, ns.ref.join(' » ')) : null],
      ['owner', ns.owner ? nsLink(ns.owner) : null],
      ['creator UID', ns.userId !== null ? `${ns.userId}${ns.userName ? ` (${ns.userName})` : ''}` : null],
      ['parent', ns.parent ? nsLink(ns.parent) : null],
      ['children', list(ns.children, nsLink)],
      ['ealdorman', ns.ealdorman ? procLink(ns.ealdorman) : null],
      ['leaders', list(ns.leaders.slice(0, 50), procLink)],
      ['processes', ns.members.length ? String(ns.members.length) : null],
      ['loose threads', list(ns.looseThreads, (t) => h('span', null, `"${t.name}" [${t.tid}] of `, procLink(t.process)))],
      ['held by', list(ns.holders, procLink)],
      ['containers', list(ns.containers, (c) => link(containerHref(c), c.name || shortId(c.id)))],
      ['owns', ns.type === 'user' ? list(ns.possessions.slice(0, 100), nsLink) : null],
      ['mounts', ns.type === 'mnt' && ctx.d.mounts.has(ns.ino) ? link(mountHref(ns.ino, '/'), `${ctx.d.mounts.get(ns.ino)?.count} mounts`) : null],
    ]),
  ];
}

/** @param {Ctx} ctx @param {Process} p */
function procDetails(ctx, p) {
  const chain = ctx.d.pidmap.get(p.pid);
  return [
    h('h2', null, `${p.name} (${p.pid})`),
    table([
      ['PID', String(p.pid)],
      ['PIDs in PID namespaces', chain && chain.length > 1 ? chain.map((e) => `${e.pid} in pid:[${e.nsid}]`).join(', ') : null],
      ['parent', p.parent ? procLink(p.parent) : p.ppid ? String(p.ppid) : null],
      ['command line', p.cmdline.length ? h('code', null, p.cmdline.join(' ')) : '(kernel thread or none)'],
      ['state', p.state], ['start time', `${p.starttime} ticks after boot`],
      ['effective UID', p.euid !== null ? String(p.euid) : null],
      ['CPU cgroup', p.cpucgroup], ['freezer cgroup', p.fridgecgroup],
      ['freezer', p.frozenUnknown ? 'not known' : p.frozen ? 'frozen' : 'thawed'],
      ['affinity', p.affinity ? `CPUs ${cpuListText(p.affinity)}` : null],
      ['scheduling', `${policyText(p.policy)}${p.priority ? `, priority ${p.priority}` : ''}${p.nice ? `, nice ${p.nice}` : ''}`],
      ['container', p.container ? link(containerHref(p.container), p.container.name) : null],
      ['threads', p.tasks.length > 1 ? `${p.tasks.length} (${p.tasks.slice(0, 20).map((t) => `${t.name} [${t.tid}]`).join(', ')})` : null],
      ...TYPES.map((t) => /** @type {[string, any]} */ ([`${t} namespace`, p.ns[t] ? nsLink(p.ns[t]) : null])),
      ...Object.entries(p.forChildren).map(([t, ns]) => /** @type {[string, any]} */ ([`${t} for children`, nsLink(ns)])),
    ]),
  ];
}

/** @param {Ctx} ctx @param {import('./model.js').Container} c */
function containerDetails(ctx, c) {
  const outer = enclosing(c);
  return [
    h('h2', null, c.name || shortId(c.id), c.paused ? badge('paused', 'b-paused') : null),
    table([
      ['ID', h('code', null, c.id)], ['type', c.type], ['flavor', c.flavor],
      ['PID', c.process ? procLink(c.process) : String(c.pid)],
      ['engine', c.engine ? `${c.engine.type} ${c.engine.version} (${c.engine.api})` : null],
      ['runs in container', outer ? link(containerHref(outer), outer.name) : null],
      ['groups', list(c.groups, (g) => h('span', null, `${g.name} (${g.flavor || g.type})`))],
      ...TYPES.map((t) => /** @type {[string, any]} */ ([`${t} namespace`, c.process && c.process.ns[t] ? nsLink(c.process.ns[t]) : null])),
      ['labels', Object.keys(c.labels).length ? h('ul', { class: 'labels' }, ...Object.entries(c.labels).sort().map(([k, v]) => h('li', null, h('code', null, k), ' = ', v))) : null],
    ]),
  ];
}

/** A mount named by its namespace and path. @param {Mount} m */
function mountLink(m) {
  const ino = m.path.table.ino;
  return link(mountHref(ino, m.path.path), `mnt:[${ino}] ${m.path.path}`, h('span', { class: 'dim' }, ` #${m.mountid}`));
}

/** @param {Ctx} ctx @param {Mount} m */
function mountDetails(ctx, m) {
  const idx = propagationIndex(ctx.d);
  const peers = m.tags.shared ? (idx.shared.get(m.tags.shared) || []).filter((x) => x !== m) : [];
  const masters = m.tags.master ? idx.shared.get(m.tags.master) || [] : [];
  const slaves = m.tags.shared ? idx.masters.get(m.tags.shared) || [] : [];
  const others = m.path.mounts;
  return [
    h('h2', null, m.mountpoint, m.hidden ? badge('hidden', 'b-hidden') : null),
    table([
      ['mount namespace', m.path.table.ns ? nsLink(m.path.table.ns) : `mnt:[${m.path.table.ino}]`],
      ['mount ID', String(m.mountid)], ['parent mount ID', String(m.parentid)],
      ['device', `${m.major}:${m.minor}`], ['filesystem', m.fstype], ['source', h('code', null, m.source)],
      ['root', h('code', null, m.root)], ['options', m.mountoptions.join(',')], ['super options', m.superoptions],
      ['visibility', m.hidden ? (others.length > 1 && others[others.length - 1] !== m ? 'hidden: overmounted on the same path' : 'hidden by a mount higher up') : 'visible'],
      ['on this path', others.length > 1 ? `${others.length} mounts, bottom to top: ${others.map((x) => `#${x.mountid}`).join(', ')}` : null],
      ['propagation', propagationText(m)],
      ['peers', list(peers, mountLink)],
      ['masters', list(masters, mountLink)],
      ['slaves', list(slaves, mountLink)],
    ]),
  ];
}

/**
 * The panel's content for an item.
 * @param {Ctx} ctx
 * @param {Item | null | undefined} item
 * @returns {Node[]}
 */
export function details(ctx, item) {
  if (!item) return [h('p', { class: 'dim' }, 'Select a row to see its details here.')];
  switch (item.kind) {
    case 'ns': return nsDetails(ctx, item.obj);
    case 'proc': return procDetails(ctx, item.obj);
    case 'task': {
      const t = item.obj;
      return [h('h2', null, `${t.name} [${t.tid}]`), table([
        ['process', procLink(t.process)], ['affinity', t.affinity ? `CPUs ${cpuListText(t.affinity)}` : null],
        ['scheduling', `${policyText(t.policy)}${t.priority ? `, priority ${t.priority}` : ''}${t.nice ? `, nice ${t.nice}` : ''}`],
        ...TYPES.map((ty) => /** @type {[string, any]} */ ([`${ty} namespace`, t.ns[ty] ? nsLink(t.ns[ty]) : null])),
      ])];
    }
    case 'container': return containerDetails(ctx, item.obj);
    case 'engine': {
      const e = item.obj;
      return [h('h2', null, `${e.type} ${e.version}`), table([
        ['ID', h('code', null, e.id)], ['API', h('code', null, e.api)],
        ['PID', e.process ? procLink(e.process) : e.pid ? String(e.pid) : null],
        ['runs in container', e.container ? link(containerHref(e.container), e.container.name) : null],
        ['containers', String(e.containers.length)],
      ])];
    }
    case 'group': {
      const g = item.obj;
      return [h('h2', null, g.name), table([['type', g.type], ['flavor', g.flavor],
        ['containers', list(g.containers, (c) => link(containerHref(c), c.name))]])];
    }
    case 'mount': return mountDetails(ctx, item.obj);
    case 'cpu': {
      const x = item.obj;
      return [h('h2', null, `CPU ${x.cpu}`), table([['processes that may run here', String(x.here.length)],
        ['pinned or real-time', list(x.special, procLink)]])];
    }
    default: return [];
  }
}
