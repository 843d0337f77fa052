// Text forms of namespaces, processes, CPU lists and scheduling, shared by the views.

/** @typedef {import('./model.js').Namespace} Namespace */
/** @typedef {import('./model.js').Process} Process */

/** `net:[4026531840]`, the kernel's way of naming a namespace. @param {Namespace} ns */
export function nsText(ns) {
  return `${ns.type}:[${ns.ino}]`;
}

/** `name (PID)` of a process. @param {Process} p */
export function procText(p) {
  return `${p.name || '?'} (${p.pid})`;
}

/** CPU ranges as text: `0-3,6`. @param {Array<[number, number]> | null | undefined} list */
export function cpuListText(list) {
  if (!list || !list.length) return '';
  return list.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
}

/** Is CPU `cpu` in the ranges? @param {Array<[number, number]>} list @param {number} cpu */
export function cpuInList(list, cpu) {
  for (const [a, b] of list) if (cpu >= a && cpu <= b) return true;
  return false;
}

/** Number of CPUs in ranges. @param {Array<[number, number]>} list */
export function cpuCount(list) {
  let n = 0;
  for (const [a, b] of list) n += b - a + 1;
  return n;
}

export const POLICIES = /** @type {Record<number, string>} */ ({
  0: 'NORMAL', 1: 'FIFO', 2: 'RR', 3: 'BATCH', 5: 'IDLE', 6: 'DEADLINE',
});

/** @param {number} policy */
export function policyText(policy) {
  return POLICIES[policy] ?? `policy ${policy}`;
}

/** Is this a real-time policy (FIFO, RR, DEADLINE)? @param {number} policy */
export function isRealtime(policy) {
  return policy === 1 || policy === 2 || policy === 6;
}

export const ERRNO = /** @type {Record<number, string>} */ ({
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 5: 'EIO', 9: 'EBADF', 12: 'ENOMEM', 13: 'EACCES',
  16: 'EBUSY', 19: 'ENODEV', 20: 'ENOTDIR', 22: 'EINVAL', 25: 'ENOTTY', 38: 'ENOSYS',
  40: 'ELOOP', 95: 'EOPNOTSUPP', 110: 'ETIMEDOUT', 111: 'ECONNREFUSED',
});

/** Shorten a long container ID to 12 characters (as docker ps does). @param {string} id */
export function shortId(id) {
  return /^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id;
}

/** Thousands separators. @param {number} n */
export function count(n) {
  return n.toLocaleString('en-US');
}

/** `1 namespace`, `2 namespaces`. @param {number} n @param {string} word @param {string} [plural] */
export function plural(n, word, plural) {
  return `${count(n)} ${n === 1 ? word : plural || `${word}s`}`;
}
