// Search: a PID, a process name, a container (name or ID), a namespace (inode, `net:[123]`,
// `net:123`) or a mount path; every hit is a deep link into the view that shows it.

import { nsText, shortId } from './format.js';
import { containerHref, mountHref, nsHref, procHref } from './parts.js';

/** @typedef {import('./model.js').Discovery} Discovery */

/**
 * @typedef {object} Hit
 * @property {string} kind   what it is: PID, process, container, namespace, mount
 * @property {string} text
 * @property {string} detail
 * @property {string} href   relative to <base href>
 */

/**
 * @param {Discovery} d
 * @param {string} query
 * @param {number} [limit]
 * @returns {Hit[]}
 */
export function search(d, query, limit = 200) {
  const q = query.trim();
  if (!q) return [];
  const lower = q.toLowerCase();
  /** @type {Hit[]} */
  const hits = [];
  const full = () => hits.length >= limit;
  // namespaces: "net:[123]", "net:123", "123"
  const m = /^(?:([a-z]+):\[?)?(\d+)\]?$/.exec(lower);
  if (m) {
    const n = Number(m[2]);
    const p = d.processes.get(n);
    if (p && !m[1]) hits.push({ kind: 'PID', text: `${p.name} (${p.pid})`, detail: p.cmdline.join(' '), href: procHref(p) });
    for (const ns of d.namespaces.values()) {
      if ((ns.ino === n || ns.nsid64 === m[2]) && (!m[1] || ns.type === m[1])) {
        hits.push({ kind: 'namespace', text: nsText(ns), detail: ns.ealdorman ? `"${ns.ealdorman.name}" (${ns.ealdorman.pid})` : ns.ref.join(' » '), href: nsHref(ns) });
      }
    }
    if (!m[1]) {
      for (const t of d.tasks.values()) {
        if (t.tid === n && t.tid !== t.process.pid) {
          hits.push({ kind: 'thread', text: `${t.name} [${t.tid}]`, detail: `of "${t.process.name}" (${t.process.pid})`, href: procHref(t.process) });
        }
      }
    }
  }
  for (const c of d.containers) {
    if (full()) break;
    if (c.name.toLowerCase().includes(lower) || c.id.toLowerCase().startsWith(lower)) {
      hits.push({ kind: 'container', text: c.name || shortId(c.id), detail: `${c.type} ${shortId(c.id)}`, href: containerHref(c) });
    }
  }
  if (!m) {
    for (const p of d.processes.values()) {
      if (full()) break;
      if (p.name.toLowerCase().includes(lower)) {
        hits.push({ kind: 'process', text: `${p.name} (${p.pid})`, detail: p.cmdline.join(' '), href: procHref(p) });
      }
    }
  }
  if (q.includes('/') || !m) {
    for (const table of d.mounts.values()) {
      if (full()) break;
      for (const path of table.paths.keys()) {
        if (path.toLowerCase().includes(lower)) {
          hits.push({ kind: 'mount', text: path, detail: `in mnt:[${table.ino}]`, href: mountHref(table.ino, path) });
          if (full()) break;
        }
      }
    }
  }
  return hits.slice(0, limit);
}
