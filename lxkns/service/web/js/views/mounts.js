// Mounts: each mount namespace's mount paths as a tree (below the nearest mounted path
// above), the visible mount on each path with fstype, source, options and propagation;
// mounts hidden by an overmount on the same path or higher up are marked.

import { badge, h, icon } from '../dom.js';
import { isReadOnly, nsLabel, propagationText } from '../parts.js';

/** @typedef {import('../parts.js').Ctx} Ctx */
/** @typedef {import('../model.js').MountPath} MountPath */
/** @typedef {import('../model.js').MountTable} MountTable */
/** @typedef {import('../model.js').Mount} Mount */
/** @typedef {import('../tree.js').TreeNode} TreeNode */

/** Mount paths below (and counting) this one. @param {MountPath} mp */
function descendants(mp) {
  let n = 0;
  const stack = [...mp.children];
  while (stack.length) {
    const x = /** @type {MountPath} */ (stack.pop());
    n++;
    stack.push(...x.children);
  }
  return n;
}

/** @param {Mount} m @param {string} [role] */
function mountBits(m, role) {
  const prop = propagationText(m);
  return [
    role ? h('span', { class: 'role' }, role) : null,
    h('span', { class: `fstype fs-${m.fstype.replace(/[^a-z0-9]/gi, '')}` }, m.fstype),
    h('span', { class: 'source mono dim', title: 'source' }, m.source),
    isReadOnly(m) ? badge('ro', 'b-ro', 'mounted read-only') : null,
    prop !== 'private' ? h('span', { class: 'prop', title: 'propagation' }, icon(m.tags.shared ? 'share' : 'slave'), prop) : null,
    m.root !== '/' ? h('span', { class: 'dim mono', title: 'root of the mount within its filesystem' }, `root ${m.root}`) : null,
    h('span', { class: 'mountid dim', title: 'mount ID' }, `#${m.mountid}`),
  ].filter(Boolean);
}

/** @param {Ctx} ctx @param {MountPath} mp @param {string} parentKey @returns {TreeNode} */
function pathNode(ctx, mp, parentKey) {
  const key = `${parentKey}/p${mp.pathid}`;
  const visible = mp.mounts.filter((m) => !m.hidden);
  const top = visible[visible.length - 1] || mp.mounts[mp.mounts.length - 1];
  const hiddenHere = mp.mounts.filter((m) => m !== top);
  const allHidden = visible.length === 0;
  const rel = mp.parent && mp.path.startsWith(mp.parent.path)
    ? mp.path.slice(mp.parent.path.length).replace(/^\//, '') : mp.path;
  const n = descendants(mp);
  return {
    key,
    label: () => [
      icon(allHidden ? 'hidden' : 'folder'), h('span', { class: 'mpath', title: mp.path }, rel || '/'),
      allHidden ? badge('hidden', 'b-hidden', 'every mount on this path is hidden by a mount higher up') : null,
      hiddenHere.length ? badge(`overmounted ×${hiddenHere.length}`, 'b-over', 'more mounts on this path, hidden below the top one') : null,
      ...mountBits(top),
      n ? badge(`${n}`, 'count', 'mount paths below') : null,
    ].filter(Boolean),
    cls: allHidden ? 'hidden-mount' : '',
    item: { kind: 'mount', obj: top },
    children: hiddenHere.length || mp.children.length ? () => [
      ...hiddenHere.map((m) => ({
        key: `${key}/m${m.mountid}`,
        label: () => [icon('hidden'), h('span', { class: 'mpath' }, rel || '/'),
          badge('hidden', 'b-hidden', 'overmounted: another mount on this path lies on top'), ...mountBits(m, 'under')],
        cls: 'hidden-mount',
        item: { kind: 'mount', obj: m },
      })),
      ...mp.children.map((c) => pathNode(ctx, c, key)),
    ] : null,
  };
}

/** @param {Ctx} ctx @param {MountTable} table @returns {TreeNode} */
function tableNode(ctx, table) {
  const key = `/m${table.ino}`;
  return {
    key,
    label: () => [
      ...(table.ns ? nsLabel(ctx, table.ns) : [icon('ns-mnt'), h('span', { class: 'nsid' }, `mnt:[${table.ino}]`)]),
      badge(`${table.count} mounts`, 'count'),
      table.via ? h('span', { class: 'dim' }, `via ${table.via}`) : null,
    ].filter(Boolean),
    cls: table.ns && table.ns.initial ? 'initial' : '',
    item: table.ns ? { kind: 'ns', obj: table.ns } : null,
    children: () => table.roots.map((mp) => pathNode(ctx, mp, key)),
  };
}

export const mountsView = {
  id: 'mounts',
  path: 'mounts',
  title: 'Mounts',
  icon: 'folder',
  help: 'The mount paths of every mount namespace. "overmounted": more mounts lie under the top one on '
    + 'that path; "hidden": a mount higher up covers the path. Select a mount for its propagation.',
  /** @param {Ctx} ctx */
  roots(ctx) {
    const tables = [...ctx.d.mounts.values()].sort((a, b) => (b.ns && b.ns.initial ? 1 : 0) - (a.ns && a.ns.initial ? 1 : 0) || a.ino - b.ino);
    return tables.map((t) => tableNode(ctx, t));
  },
  /** @param {Ctx} ctx */
  initiallyExpanded(ctx) {
    const init = ctx.d.initial.mnt;
    return init && ctx.d.mounts.has(init.ino) ? [`/m${init.ino}`] : [];
  },
  /** @param {Ctx} ctx */
  empty(ctx) {
    return ctx.d.mounts.size ? null : 'No mounts in this discovery (it was made without mounts).';
  },
};
