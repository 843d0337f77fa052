// What changed between two discoveries: namespaces (by their 64-bit ID where both
// discoveries have one, else by type and inode), processes (PID and start time) and
// containers (engine and container ID) that appeared or went away.

/** @typedef {import('./model.js').Discovery} Discovery */
/** @typedef {import('./model.js').Namespace} Namespace */
/** @typedef {import('./model.js').Process} Process */
/** @typedef {import('./model.js').Container} Container */

/**
 * @typedef {object} Diff
 * @property {{namespaces: Namespace[], processes: Process[], containers: Container[]}} appeared
 * @property {{namespaces: Namespace[], processes: Process[], containers: Container[]}} gone
 * @property {import('./parts.js').Changes} added   uids / keys of what appeared (for marks)
 * @property {boolean} stable   namespaces compared by their 64-bit IDs
 */

/** @returns {Diff} */
export function noDiff() {
  return {
    appeared: { namespaces: [], processes: [], containers: [] },
    gone: { namespaces: [], processes: [], containers: [] },
    added: { namespaces: new Set(), processes: new Set(), containers: new Set() },
    stable: false,
  };
}

/**
 * @template T
 * @param {Iterable<T>} before
 * @param {Iterable<T>} after
 * @param {(x: T) => string} id
 * @returns {[T[], T[]]} appeared, gone
 */
function compare(before, after, id) {
  const old = new Map();
  for (const x of before) old.set(id(x), x);
  const appeared = [];
  const seen = new Set();
  for (const x of after) {
    const k = id(x);
    seen.add(k);
    if (!old.has(k)) appeared.push(x);
  }
  const gone = [];
  for (const [k, x] of old) if (!seen.has(k)) gone.push(x);
  return [appeared, gone];
}

/** @param {Discovery} prev @param {Discovery} cur @returns {Diff} */
export function diff(prev, cur) {
  const stable = prev.hasStableIds && cur.hasStableIds;
  const nsId = stable ? (/** @type {Namespace} */ ns) => ns.uid : (/** @type {Namespace} */ ns) => ns.key;
  const [nsNew, nsGone] = compare(prev.namespaces.values(), cur.namespaces.values(), nsId);
  const [pNew, pGone] = compare(prev.processes.values(), cur.processes.values(), (p) => p.key);
  const [cNew, cGone] = compare(prev.containers, cur.containers, (c) => c.key);
  return {
    appeared: { namespaces: nsNew, processes: pNew, containers: cNew },
    gone: { namespaces: nsGone, processes: pGone, containers: cGone },
    added: {
      namespaces: new Set(nsNew.map((ns) => ns.uid)),
      processes: new Set(pNew.map((p) => p.key)),
      containers: new Set(cNew.map((c) => c.key)),
    },
    stable,
  };
}

/** Number of changes. @param {Diff} d */
export function changeCount(d) {
  return d.appeared.namespaces.length + d.appeared.processes.length + d.appeared.containers.length
    + d.gone.namespaces.length + d.gone.processes.length + d.gone.containers.length;
}
