// The discovery as the views see it: the lxkns wire format (ours and the Go lxkns',
// older variants included) turned into linked objects. This module reads only JSON.

export const TYPES = /** @type {const} */ (['user', 'pid', 'cgroup', 'ipc', 'mnt', 'net', 'uts', 'time']);
const TYPE_SET = new Set(TYPES);

/**
 * @typedef {object} Namespace
 * @property {string} key        type and inode: `net:4026531840`
 * @property {string} uid        identity across discoveries: the 64-bit namespace ID where
 *                               the dump has one (`id:N`), else the key
 * @property {string} type
 * @property {number} ino
 * @property {string | null} nsid64  the kernel's 64-bit namespace ID (as text), if known
 * @property {string[]} sources
 * @property {string[]} ref
 * @property {Namespace | null} owner
 * @property {Process[]} leaders
 * @property {Process | null} ealdorman
 * @property {Task[]} looseThreads
 * @property {Process[]} holders
 * @property {Namespace | null} parent
 * @property {Namespace[]} children
 * @property {number | null} userId
 * @property {string} userName
 * @property {Namespace[]} possessions  non-user namespaces owned (user namespaces only)
 * @property {Container[]} containers   containers whose initial process is in it
 * @property {Process[]} members        every process in it
 * @property {boolean} initial
 * @property {any} raw
 */

/**
 * @typedef {object} Task
 * @property {number} tid
 * @property {string} name
 * @property {number} starttime
 * @property {Process} process
 * @property {Record<string, Namespace>} ns
 * @property {Array<[number, number]> | null} affinity
 * @property {number} policy
 * @property {number} priority
 * @property {number} nice
 * @property {string} cpucgroup
 * @property {any} raw
 */

/**
 * @typedef {object} Process
 * @property {number} pid
 * @property {number} ppid
 * @property {string} key   PID and start time: identity across discoveries
 * @property {string} name
 * @property {string[]} cmdline
 * @property {number} starttime
 * @property {string} state
 * @property {string} cpucgroup
 * @property {string} fridgecgroup
 * @property {boolean} frozen
 * @property {boolean} frozenUnknown
 * @property {Array<[number, number]> | null} affinity
 * @property {number} policy
 * @property {number} priority
 * @property {number} nice
 * @property {number | null} euid
 * @property {Record<string, Namespace>} ns
 * @property {Record<string, Namespace>} forChildren
 * @property {Task[]} tasks
 * @property {Process | null} parent
 * @property {Process[]} children
 * @property {Container | null} container
 * @property {any} raw
 */

/**
 * @typedef {object} Container
 * @property {string} key   engine and container ID: identity across discoveries
 * @property {string} id
 * @property {string} name
 * @property {string} type
 * @property {string} flavor
 * @property {number} pid
 * @property {boolean} paused
 * @property {Record<string, string>} labels
 * @property {Engine | null} engine
 * @property {Group[]} groups
 * @property {Process | null} process
 * @property {any} raw
 */

/**
 * @typedef {object} Engine
 * @property {string} ref
 * @property {string} id
 * @property {string} type
 * @property {string} version
 * @property {string} api
 * @property {number} pid
 * @property {Record<string, string>} labels
 * @property {Container[]} containers
 * @property {Container | null} container  the container the engine runs in
 * @property {Process | null} process
 */

/**
 * @typedef {object} Group
 * @property {string} ref
 * @property {string} name
 * @property {string} type
 * @property {string} flavor
 * @property {Record<string, string>} labels
 * @property {Container[]} containers
 */

/**
 * @typedef {object} Mount
 * @property {number} mountid
 * @property {number} parentid
 * @property {number} major
 * @property {number} minor
 * @property {string} root
 * @property {string} mountpoint
 * @property {string[]} mountoptions
 * @property {Record<string, string>} tags
 * @property {string} fstype
 * @property {string} source
 * @property {string} superoptions
 * @property {boolean} hidden
 * @property {MountPath} path
 */

/**
 * @typedef {object} MountPath
 * @property {string} path
 * @property {number} pathid
 * @property {number} parentid
 * @property {Mount[]} mounts
 * @property {MountPath | null} parent
 * @property {MountPath[]} children
 * @property {MountTable} table
 */

/**
 * @typedef {object} MountTable
 * @property {Namespace | null} ns
 * @property {number} ino
 * @property {Map<string, MountPath>} paths
 * @property {MountPath[]} roots
 * @property {number} count   mount points
 * @property {string} via
 */

/**
 * @typedef {object} Diagnostic
 * @property {string} kind
 * @property {string} stage
 * @property {string} message
 * @property {number} count
 * @property {number | null} errno
 * @property {string[]} examples
 */

/**
 * @typedef {object} Discovery
 * @property {Map<string, Namespace>} namespaces   by key
 * @property {Record<string, Namespace[]>} byType  sorted by inode
 * @property {Map<number, Process>} processes
 * @property {Map<number, Task>} tasks
 * @property {Container[]} containers
 * @property {Engine[]} engines
 * @property {Group[]} groups
 * @property {Map<number, MountTable>} mounts      by mount namespace inode
 * @property {Record<string, Namespace>} initial
 * @property {Namespace[]} userRoots
 * @property {Namespace[]} pidRoots
 * @property {Map<number, Array<{pid: number, nsid: number}>>} pidmap  by PID of the top PID namespace
 * @property {Array<[number, number]>} cpusOnline
 * @property {Diagnostic[]} diagnostics
 * @property {Record<string, any>} options
 * @property {string} producer
 * @property {number | null} schema
 * @property {boolean} hasStableIds
 */

/** A clear error for input that is not a discovery. */
export class DumpError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'DumpError';
  }
}

const STABLE_ID_KEYS = ['stable-id'];

/**
 * Parse JSON text, keeping 64-bit namespace IDs exact (they may exceed 2^53).
 * @param {string} text
 * @returns {any}
 */
export function parseJson(text) {
  try {
    if (STABLE_ID_KEYS.some((k) => text.includes(`"${k}"`))) {
      const keys = new Set(STABLE_ID_KEYS);
      // @ts-ignore -- the reviver's third argument (JSON.parse source text access)
      return JSON.parse(text, function (key, value, ctx) {
        return keys.has(key) && typeof value === 'number' && ctx && ctx.source ? ctx.source : value;
      });
    }
    return JSON.parse(text);
  } catch (e) {
    throw new DumpError(`not JSON: ${/** @type {Error} */ (e).message}`);
  }
}

/** @param {any} v @param {string} what */
function obj(v, what) {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new DumpError(`${what} is not an object`);
  return v;
}

/** @param {any} v */
function arr(v) {
  return Array.isArray(v) ? v : [];
}

/** @param {any} v */
function num(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** @param {any} v */
function str(v) {
  return typeof v === 'string' ? v : '';
}

/**
 * Turn a parsed dump into a Discovery.
 * @param {any} raw
 * @returns {Discovery}
 */
export function buildDiscovery(raw) {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new DumpError('not a discovery: no JSON object');
  if (!('namespaces' in raw) || !('processes' in raw)) {
    throw new DumpError('not a discovery: it has no "namespaces" and "processes"');
  }
  const rawNs = obj(raw.namespaces, 'namespaces');
  const rawProcs = obj(raw.processes, 'processes');

  /** @type {Map<string, Namespace>} */
  const namespaces = new Map();
  /** @type {Map<number, Namespace>} */
  const byIno = new Map();
  let hasStableIds = false;
  /** @param {string} type @param {number} ino */
  const nsFor = (type, ino) => namespaces.get(`${type}:${ino}`) || null;

  for (const [k, n] of Object.entries(rawNs)) {
    if (!n || typeof n !== 'object') throw new DumpError(`namespace ${k} is not an object`);
    const ino = num(n.nsid) || Number(k);
    const type = str(n.type);
    if (!TYPE_SET.has(/** @type {any} */ (type))) throw new DumpError(`namespace ${k} has unknown type "${type}"`);
    let nsid64 = null;
    for (const sk of STABLE_ID_KEYS) {
      if (n[sk] !== undefined && n[sk] !== null) nsid64 = String(n[sk]);
    }
    if (nsid64) hasStableIds = true;
    const ref = typeof n.reference === 'string' ? (n.reference ? [n.reference] : []) : arr(n.reference).map(String);
    /** @type {Namespace} */
    const ns = {
      key: `${type}:${ino}`, uid: nsid64 ? `id:${nsid64}` : `${type}:${ino}`, type, ino, nsid64,
      sources: arr(n.sources).map(String), ref, owner: null, leaders: [], ealdorman: null,
      looseThreads: [], holders: [], parent: null, children: [],
      userId: type === 'user' && typeof n['user-id'] === 'number' ? n['user-id'] : null,
      userName: type === 'user' ? str(n['user-name']) : '', possessions: [], containers: [], members: [],
      initial: false, raw: n,
    };
    namespaces.set(ns.key, ns);
    if (!byIno.has(ino)) byIno.set(ino, ns);
  }
  // relations (by inode; parents have the child's type, owners are user namespaces)
  for (const ns of namespaces.values()) {
    const n = ns.raw;
    if (n.owner) ns.owner = nsFor('user', n.owner);
    if (n.parent) ns.parent = nsFor(ns.type, n.parent);
  }
  for (const ns of namespaces.values()) {
    if (ns.parent) ns.parent.children.push(ns);
    if (ns.owner && ns.type !== 'user') ns.owner.possessions.push(ns);
  }

  // processes and threads
  /** @type {Map<number, Process>} */
  const processes = new Map();
  /** @type {Map<number, Task>} */
  const tasks = new Map();
  /** @param {any} set */
  const nsSet = (set) => {
    /** @type {Record<string, Namespace>} */
    const out = {};
    if (set && typeof set === 'object') {
      for (const t in set) {
        const ns = nsFor(t, set[t]);
        if (ns) out[t] = ns;
      }
    }
    return out;
  };
  for (const [k, p] of Object.entries(rawProcs)) {
    if (!p || typeof p !== 'object') throw new DumpError(`process ${k} is not an object`);
    const pid = num(p.pid) || Number(k);
    if (!(pid > 0)) throw new DumpError(`process ${k} has no valid PID`);
    /** @type {Process} */
    const proc = {
      pid, ppid: num(p.ppid), key: `${pid}:${num(p.starttime)}`, name: str(p.name),
      cmdline: arr(p.cmdline).map(String), starttime: num(p.starttime), state: str(p.state),
      cpucgroup: str(p.cpucgroup ?? p.cgroup), fridgecgroup: str(p.fridgecgroup),
      frozen: !!p.fridgefrozen, frozenUnknown: !!p['fridgefrozen-unknown'],
      affinity: Array.isArray(p.affinity) ? p.affinity : null, policy: num(p.policy),
      priority: num(p.priority), nice: num(p.nice), euid: typeof p.euid === 'number' ? p.euid : null,
      ns: nsSet(p.namespaces), forChildren: nsSet(p['for-children']), tasks: [], parent: null,
      children: [], container: null, raw: p,
    };
    processes.set(pid, proc);
  }
  for (const proc of processes.values()) {
    const parent = processes.get(proc.ppid);
    if (parent && parent !== proc) {
      proc.parent = parent;
      parent.children.push(proc);
    }
    for (const t of arr(proc.raw.tasks)) {
      if (!t || typeof t !== 'object' || !(num(t.tid) > 0)) continue;
      /** @type {Task} */
      const task = {
        tid: t.tid, name: str(t.name), starttime: num(t.starttime), process: proc, ns: nsSet(t.namespaces),
        affinity: Array.isArray(t.affinity) ? t.affinity : null, policy: num(t.policy),
        priority: num(t.priority), nice: num(t.nice), cpucgroup: str(t.cpucgroup), raw: t,
      };
      proc.tasks.push(task);
      tasks.set(task.tid, task);
    }
    for (const t in proc.ns) proc.ns[t].members.push(proc);
  }
  for (const proc of processes.values()) proc.children.sort((a, b) => a.pid - b.pid);

  // leaders, ealdormen, loose threads, holders: from the dump where given, else derived
  for (const ns of namespaces.values()) {
    const n = ns.raw;
    if (Array.isArray(n.leaders)) {
      for (const pid of n.leaders) {
        const p = processes.get(pid);
        if (p) ns.leaders.push(p);
      }
    } else {
      for (const p of ns.members) if (!p.parent || p.parent.ns[ns.type] !== ns) ns.leaders.push(p);
    }
    ns.leaders.sort((a, b) => a.pid - b.pid);
    ns.ealdorman = (n.ealdorman && processes.get(n.ealdorman)) || oldest(ns.leaders);
    for (const tid of arr(n['loose-threads'])) {
      const t = tasks.get(tid);
      if (t) ns.looseThreads.push(t);
    }
    for (const pid of arr(n.holders)) {
      const p = processes.get(pid);
      if (p) ns.holders.push(p);
    }
  }

  // containers, engines, groups
  /** @type {Map<string, Engine>} */
  const engines = new Map();
  for (const [ref, e] of Object.entries(obj(raw['container-engines'], 'container-engines'))) {
    engines.set(ref, {
      ref, id: str(e.id), type: str(e.type), version: str(e.version), api: str(e.api), pid: num(e.pid),
      labels: obj(e.labels, 'labels'), containers: [], container: null, process: processes.get(num(e.pid)) || null,
    });
  }
  /** @type {Map<string, Group>} */
  const groups = new Map();
  for (const [ref, g] of Object.entries(obj(raw['container-groups'], 'container-groups'))) {
    groups.set(ref, {
      ref, name: str(g.name), type: str(g.type), flavor: str(g.flavor) || str(g.type),
      labels: obj(g.labels, 'labels'), containers: [],
    });
  }
  /** @type {Container[]} */
  const containers = [];
  /** @type {Map<number, Container>} */
  const containerByPid = new Map();
  for (const [k, c] of Object.entries(obj(raw.containers, 'containers'))) {
    const pid = num(c.pid) || Number(k);
    const engine = engines.get(String(c.engine)) || null;
    /** @type {Container} */
    const cont = {
      key: `${engine ? engine.id || engine.api : ''}/${str(c.id)}`, id: str(c.id), name: str(c.name),
      type: str(c.type), flavor: str(c.flavor) || str(c.type), pid, paused: !!c.paused,
      labels: obj(c.labels, 'labels'), engine, groups: [], process: processes.get(pid) || null, raw: c,
    };
    for (const gref of arr(c.groups)) {
      const g = groups.get(String(gref));
      if (g) {
        cont.groups.push(g);
        g.containers.push(cont);
      }
    }
    if (engine) engine.containers.push(cont);
    if (cont.process) cont.process.container = cont;
    containers.push(cont);
    containerByPid.set(pid, cont);
  }
  for (const [ref, e] of Object.entries(obj(raw['container-engines'], 'container-engines'))) {
    const engine = /** @type {Engine} */ (engines.get(ref));
    if (e.container) engine.container = containerByPid.get(e.container) || null;
  }
  // a container names the namespaces its initial process leads (those it brought along)
  for (const c of containers) {
    if (!c.process) continue;
    for (const t in c.process.ns) {
      /** @type {Namespace} */
      const ns = c.process.ns[t];
      /** @type {Process | null} */
      const parent = c.process.parent;
      if ((!parent || parent.ns[t] !== ns) && !ns.containers.includes(c)) ns.containers.push(c);
    }
  }

  // initial namespaces: as the dump says, else those of PID 1 (kthreadd where PID 1 shows none)
  /** @type {Record<string, Namespace>} */
  let initial = {};
  if (raw['initial-namespaces'] && typeof raw['initial-namespaces'] === 'object') {
    initial = nsSet(raw['initial-namespaces']);
  } else {
    for (const pid of [1, 2]) {
      const p = processes.get(pid);
      if (p) for (const t in p.ns) initial[t] = initial[t] || p.ns[t];
    }
  }
  for (const t in initial) initial[t].initial = true;

  /** @type {Record<string, Namespace[]>} */
  const byType = {};
  for (const t of TYPES) byType[t] = [];
  for (const ns of namespaces.values()) byType[ns.type].push(ns);
  for (const t of TYPES) byType[t].sort((a, b) => a.ino - b.ino);
  for (const ns of namespaces.values()) {
    ns.children.sort((a, b) => a.ino - b.ino);
    ns.possessions.sort((a, b) => a.ino - b.ino);
  }

  // PID map: chains from the own PID namespace up; indexed by the topmost PID
  /** @type {Map<number, Array<{pid: number, nsid: number}>>} */
  const pidmap = new Map();
  for (const chain of arr(raw.pidmap)) {
    if (Array.isArray(chain) && chain.length) pidmap.set(num(chain[chain.length - 1].pid), chain);
  }

  return {
    namespaces, byType, processes, tasks, containers, engines: [...engines.values()], groups: [...groups.values()],
    mounts: buildMounts(raw, namespaces), initial,
    userRoots: byType.user.filter((ns) => !ns.parent),
    pidRoots: byType.pid.filter((ns) => !ns.parent),
    pidmap, cpusOnline: arr(raw['cpus-online']), diagnostics: arr(raw.diagnostics),
    options: obj(raw['discovery-options'] || raw.options, 'discovery-options'), producer: str(raw.producer),
    schema: typeof raw['lxkns-schema'] === 'number' ? raw['lxkns-schema'] : null, hasStableIds,
  };
}

/** The leader with the smallest start time (then PID). @param {Process[]} leaders */
function oldest(leaders) {
  let best = null;
  for (const p of leaders) {
    if (!best || p.starttime < best.starttime || (p.starttime === best.starttime && p.pid < best.pid)) best = p;
  }
  return best;
}

/**
 * @param {any} raw
 * @param {Map<string, Namespace>} namespaces
 * @returns {Map<number, MountTable>}
 */
function buildMounts(raw, namespaces) {
  /** @type {Map<number, MountTable>} */
  const tables = new Map();
  const via = obj(raw['mount-tables-via'], 'mount-tables-via');
  for (const [k, paths] of Object.entries(obj(raw.mounts, 'mounts'))) {
    const ino = Number(k);
    /** @type {MountTable} */
    const table = {
      ns: namespaces.get(`mnt:${ino}`) || null, ino, paths: new Map(), roots: [], count: 0, via: str(via[k]),
    };
    /** @type {Map<number, MountPath>} */
    const byId = new Map();
    for (const [path, mp] of Object.entries(obj(paths, `mounts.${k}`))) {
      /** @type {MountPath} */
      const node = {
        path, pathid: num(mp.pathid), parentid: num(mp.parentid), mounts: [], parent: null, children: [], table,
      };
      for (const m of arr(mp.mounts)) {
        node.mounts.push({
          mountid: num(m.mountid), parentid: num(m.parentid), major: num(m.major), minor: num(m.minor),
          root: str(m.root), mountpoint: str(m.mountpoint) || path, mountoptions: arr(m.mountoptions).map(String),
          tags: obj(m.tags, 'tags'), fstype: str(m.fstype), source: str(m.source),
          superoptions: str(m.superoptions), hidden: !!m.hidden, path: node,
        });
      }
      table.count += node.mounts.length;
      table.paths.set(path, node);
      byId.set(node.pathid, node);
    }
    for (const node of table.paths.values()) {
      const parent = node.parentid ? byId.get(node.parentid) : null;
      if (parent && parent !== node) {
        node.parent = parent;
        parent.children.push(node);
      } else table.roots.push(node);
    }
    for (const node of table.paths.values()) node.children.sort((a, b) => (a.path < b.path ? -1 : 1));
    tables.set(ino, table);
  }
  return tables;
}

/**
 * The PID of a process in a PID namespace (from the PID map), or null.
 * @param {Discovery} d
 * @param {Process} p
 * @param {Namespace} pidns
 */
export function pidIn(d, p, pidns) {
  const chain = d.pidmap.get(p.pid);
  if (chain) for (const e of chain) if (e.nsid === pidns.ino) return e.pid;
  return null;
}

/**
 * The containers a namespace belongs to, each with the container it runs inside (if
 * any): the container of the engine that runs it, else that of the nearest ancestor process.
 * @param {Container} c
 * @returns {Container | null}
 */
export function enclosing(c) {
  if (c.engine && c.engine.container && c.engine.container !== c) return c.engine.container;
  for (let p = c.process ? c.process.parent : null; p; p = p.parent) {
    if (p.container && p.container !== c) return p.container;
  }
  return null;
}

/** Containers a process belongs to: its own, else the nearest ancestor's. @param {Process} p */
export function containerOf(p) {
  for (let q = /** @type {Process | null} */ (p); q; q = q.parent) if (q.container) return q.container;
  return null;
}

/**
 * Mount points of all tables in a peer group (`shared:N`) or below a master (`master:N`).
 * @param {Discovery} d
 */
export function propagationIndex(d) {
  /** @type {Map<string, Mount[]>} */
  const shared = new Map();
  /** @type {Map<string, Mount[]>} */
  const masters = new Map();
  for (const table of d.mounts.values()) {
    for (const path of table.paths.values()) {
      for (const m of path.mounts) {
        if (m.tags.shared) pushTo(shared, m.tags.shared, m);
        if (m.tags.master) pushTo(masters, m.tags.master, m);
      }
    }
  }
  return { shared, masters };
}

/** @template T @param {Map<string, T[]>} map @param {string} key @param {T} value */
function pushTo(map, key, value) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
