// Processes: the process tree of each PID namespace, PIDs as seen inside it, child PID
// namespaces below the process that started them; cgroups and freezer state on each row.

import { h } from '../dom.js';
import { plural } from '../format.js';
import { nsClass, nsLabel, procLabel } from '../parts.js';

/** @typedef {import('../parts.js').Ctx} Ctx */
/** @typedef {import('../model.js').Namespace} Namespace */
/** @typedef {import('../model.js').Process} Process */
/** @typedef {import('../tree.js').TreeNode} TreeNode */

/** System processes the Go UI hides by default: PID 1 and 2 are kept, threads of the kernel not. */
function isSystem(/** @type {Process} */ p) {
  if (p.pid === 1 || p.pid === 2) return false;
  return p.ppid === 2 || (p.pid > 2 && p.cmdline.length === 0 && p.ppid === 0);
}

/**
 * Processes of a PID namespace whose parent is elsewhere, and where each child PID
 * namespace goes (under the lowest PID that started one of its processes, or the namespace).
 * @param {Namespace} pidns
 */
function layout(pidns) {
  const roots = pidns.members.filter((p) => !p.parent || p.parent.ns.pid !== pidns).sort((a, b) => a.pid - b.pid);
  return roots;
}

/** @param {Ctx} ctx @param {Namespace} pidns @param {string} parentKey @returns {TreeNode} */
function pidnsNode(ctx, pidns, parentKey) {
  const key = `${parentKey}/n${pidns.uid}`;
  return {
    key,
    label: () => [...nsLabel(ctx, pidns), h('span', { class: 'dim' }, plural(pidns.members.length, 'process', 'processes'))],
    cls: nsClass(ctx, pidns),
    item: { kind: 'ns', obj: pidns },
    children: () => {
      const out = layout(pidns).filter((p) => ctx.settings.showSystem || !isSystem(p)).map((p) => procNode(ctx, p, key));
      // child PID namespaces no process of this one started (bind-mounted, or their creator is gone)
      for (const child of pidns.children) {
        const started = child.members.some((p) => p.parent && p.parent.ns.pid === pidns);
        if (!started) out.push(pidnsNode(ctx, child, key));
      }
      return out;
    },
  };
}

/** @param {Ctx} ctx @param {Process} p @param {string} parentKey @returns {TreeNode} */
function procNode(ctx, p, parentKey) {
  const key = `${parentKey}/p${p.pid}`;
  const pidns = p.ns.pid || null;
  return {
    key,
    label: () => procLabel(ctx, p, { pidns }),
    cls: [ctx.added.processes.has(p.key) ? 'added' : '', p.frozen ? 'frozen' : ''].join(' ').trim(),
    item: { kind: 'proc', obj: p },
    children: p.children.length ? () => {
      /** @type {TreeNode[]} */
      const out = [];
      const nested = new Set();
      for (const c of p.children) {
        if (!ctx.settings.showSystem && isSystem(c)) continue;
        if (c.ns.pid === pidns || !c.ns.pid) out.push(procNode(ctx, c, key));
        else if (!nested.has(c.ns.pid)) {
          // the first child of p in that namespace decides where it goes
          const first = c.ns.pid.members.filter((q) => q.parent && q.parent.ns.pid === pidns)
            .sort((a, b) => (/** @type {Process} */ (a.parent)).pid - (/** @type {Process} */ (b.parent)).pid || a.pid - b.pid)[0];
          if (first && first.parent === p) {
            nested.add(c.ns.pid);
            out.push(pidnsNode(ctx, c.ns.pid, key));
          }
        }
      }
      return out;
    } : null,
  };
}

export const processesView = {
  id: 'processes',
  path: 'processes',
  title: 'Processes',
  icon: 'process',
  help: 'The process tree of every PID namespace, with PIDs as seen inside it (the top PID namespace\'s in '
    + 'brackets), CPU cgroups and frozen processes. Kernel threads are hidden unless chosen in the settings.',
  /** @param {Ctx} ctx */
  roots(ctx) {
    const roots = ctx.d.pidRoots.map((ns) => pidnsNode(ctx, ns, ''));
    const homeless = [...ctx.d.processes.values()].filter((p) => !p.ns.pid);
    if (homeless.length) {
      roots.push({
        key: '/nopidns',
        label: () => [h('span', { class: 'dim' }, `PID namespace not known: ${plural(homeless.length, 'process', 'processes')}`)],
        children: () => homeless.filter((p) => !p.parent || p.parent.ns.pid).map((p) => procNode(ctx, p, '/nopidns')),
      });
    }
    return roots;
  },
  /** @param {Ctx} ctx */
  initiallyExpanded(ctx) {
    return ctx.d.pidRoots.map((ns) => `/n${ns.uid}`);
  },
};
