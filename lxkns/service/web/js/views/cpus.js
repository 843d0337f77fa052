// CPUs: for each online CPU the processes that may run on it: first those pinned to a
// subset of the CPUs or scheduled in real time, then the rest; threads whose affinity or
// scheduling differ from their process are shown below it.

import { badge, h, icon } from '../dom.js';
import { cpuInList, cpuListText, isRealtime } from '../format.js';
import { procLabel, schedBits } from '../parts.js';

/** @typedef {import('../parts.js').Ctx} Ctx */
/** @typedef {import('../model.js').Process} Process */
/** @typedef {import('../tree.js').TreeNode} TreeNode */

/** @param {Ctx} ctx @param {Process} p @param {string} parentKey @returns {TreeNode} */
function procRow(ctx, p, parentKey) {
  const mine = cpuListText(p.affinity);
  const odd = p.tasks.filter((t) => t.tid !== p.pid && ((t.affinity && cpuListText(t.affinity) !== mine)
    || t.policy !== p.policy || t.priority !== p.priority || t.nice !== p.nice));
  return {
    key: `${parentKey}/p${p.pid}`,
    label: () => procLabel(ctx, p, { sched: true, pidns: p.ns.pid }),
    item: { kind: 'proc', obj: p, shared: true },
    children: odd.length ? () => odd.map((t) => ({
      key: `${parentKey}/p${p.pid}/t${t.tid}`,
      label: () => [icon('thread'), h('span', { class: 'pname' }, t.name), h('span', { class: 'pid' }, `TID ${t.tid}`),
        ...schedBits(ctx, t)],
      item: { kind: 'task', obj: t },
    })) : null,
  };
}

export const cpusView = {
  id: 'cpus',
  path: 'cpus',
  title: 'CPUs',
  icon: 'cpu',
  help: 'Per online CPU: processes pinned to some CPUs only, or scheduled in real time, first; then those '
    + 'that may run anywhere. Affinity is known for the processes the discovery looked at.',
  /** @param {Ctx} ctx */
  roots(ctx) {
    const online = ctx.d.cpusOnline;
    const all = cpuListText(online);
    const procs = [...ctx.d.processes.values()].filter((p) => p.affinity);
    /** @type {TreeNode[]} */
    const roots = [];
    for (const [a, b] of online) {
      for (let cpu = a; cpu <= b; cpu++) {
        const here = procs.filter((p) => cpuInList(/** @type {any} */ (p.affinity), cpu));
        const special = here.filter((p) => cpuListText(p.affinity) !== all || isRealtime(p.policy));
        const rest = here.filter((p) => !special.includes(p));
        const key = `/cpu${cpu}`;
        roots.push({
          key,
          label: () => [icon('cpu'), h('span', { class: 'cpuname' }, `CPU ${cpu}`),
            badge(`${special.length} pinned or real-time`, special.length ? 'b-pinned' : 'b-dim'),
            badge(`${here.length} may run here`, 'count')],
          item: { kind: 'cpu', obj: { cpu, here, special } },
          children: () => [
            ...special.map((p) => procRow(ctx, p, key)),
            ...(rest.length ? [{
              key: `${key}/rest`,
              label: () => [h('span', { class: 'dim' }, `${rest.length} processes that may run on any CPU`)],
              children: () => rest.map((p) => procRow(ctx, p, `${key}/rest`)),
            }] : []),
          ],
        });
      }
    }
    return roots;
  },
  /** @param {Ctx} ctx */
  initiallyExpanded(ctx) {
    const keys = [];
    for (const [a, b] of ctx.d.cpusOnline) for (let cpu = a; cpu <= b; cpu++) keys.push(`/cpu${cpu}`);
    return keys;
  },
  /** @param {Ctx} ctx */
  empty(ctx) {
    return [...ctx.d.processes.values()].some((p) => p.affinity) ? null
      : 'No CPU affinity in this discovery (it was made without affinity and scheduling).';
  },
};
