// A lazy ARIA tree: only expanded nodes have their children built and rendered, and
// long child lists come in chunks, so a discovery of 10,000 processes stays quick.
// Keyboard: Up/Down, Left/Right, Home/End, Enter/Space, "*" (expand siblings).

import { h } from './dom.js';

/**
 * @typedef {object} TreeNode
 * @property {string} key                  unique in the tree and stable across refreshes
 * @property {() => Node | Array<Node | null | undefined | false>} label   the row's content, made when shown
 * @property {(() => TreeNode[]) | null} [children]  null: a leaf
 * @property {string} [cls]                extra classes of the row
 * @property {any} [item]                  what the details panel shows when selected
 */

/**
 * @typedef {object} TreeState   kept by the view, so it outlives a refresh
 * @property {Set<string>} expanded
 * @property {Map<string, number>} limits   rows shown per parent key, where more than a chunk
 * @property {string | null} selected
 * @property {string | null} focus
 */

export const CHUNK = 200;

/** @returns {TreeState} */
export function treeState() {
  return { expanded: new Set(), limits: new Map(), selected: null, focus: null };
}

export class Tree {
  /**
   * @param {HTMLElement} host
   * @param {{label: string, state: TreeState, onSelect?: (node: TreeNode) => void}} opts
   */
  constructor(host, opts) {
    this.host = host;
    this.label = opts.label;
    this.state = opts.state;
    this.onSelect = opts.onSelect || (() => {});
    /** @type {TreeNode[]} */
    this.roots = [];
    /** @type {Map<string, TreeNode>} */
    this.nodes = new Map();
    /** @type {WeakMap<TreeNode, TreeNode[]>} */
    this.kids = new WeakMap();
    this.ul = h('ul', { role: 'tree', class: 'tree', 'aria-label': this.label });
    this.ul.addEventListener('keydown', (e) => this.onKey(e));
    this.ul.addEventListener('click', (e) => this.onClick(e));
    this.ul.addEventListener('focusin', (e) => this.onFocus(e));
    this.observer = 'IntersectionObserver' in window
      ? new IntersectionObserver((entries) => {
        for (const en of entries) if (en.isIntersecting) this.more(/** @type {HTMLElement} */ (en.target));
      }, { root: null, rootMargin: '400px' })
      : null;
    host.appendChild(this.ul);
  }

  /** Show these roots (the state decides what is expanded). @param {TreeNode[]} roots */
  setRoots(roots) {
    this.roots = roots;
    this.render();
  }

  /** @param {TreeNode} node */
  childrenOf(node) {
    let list = this.kids.get(node);
    if (!list) {
      list = node.children ? node.children() : [];
      this.kids.set(node, list);
    }
    return list;
  }

  render() {
    const hadFocus = this.ul.contains(document.activeElement);
    if (this.observer) this.observer.disconnect();
    this.nodes = new Map();
    this.ul.textContent = '';
    this.renderList(this.ul, this.roots, 1, '');
    let focus = (this.state.focus && this.itemByKey(this.state.focus)) || this.itemByKey(this.state.selected || '');
    if (!focus) focus = /** @type {HTMLElement | null} */ (this.ul.querySelector('[role=treeitem]'));
    if (focus) {
      focus.tabIndex = 0;
      if (hadFocus) focus.focus({ preventScroll: true });
    }
  }

  /**
   * @param {HTMLElement} ul
   * @param {TreeNode[]} list
   * @param {number} level
   * @param {string} parentKey
   * @param {number} [from]
   */
  renderList(ul, list, level, parentKey, from = 0) {
    const limit = Math.max(this.state.limits.get(parentKey) || CHUNK, CHUNK);
    const end = Math.min(list.length, limit);
    const frag = document.createDocumentFragment();
    for (let i = from; i < end; i++) frag.appendChild(this.renderItem(list[i], level, i + 1, list.length));
    if (list.length > end) {
      const more = h('li', {
        role: 'treeitem', class: 'more', tabindex: '-1', 'aria-level': level, 'aria-posinset': end + 1,
        'aria-setsize': list.length, dataset: { parent: parentKey, level: String(level), from: String(end) },
      }, h('div', { class: 'row' }, h('span', { class: 'twisty' }),
        h('button', { type: 'button', class: 'link', tabindex: '-1' },
          `show ${Math.min(CHUNK, list.length - end)} more (${end.toLocaleString('en-US')} of ${list.length.toLocaleString('en-US')} shown)`)));
      frag.appendChild(more);
      if (this.observer) this.observer.observe(more);
    }
    ul.appendChild(frag);
  }

  /**
   * @param {TreeNode} node
   * @param {number} level
   * @param {number} pos
   * @param {number} size
   */
  renderItem(node, level, pos, size) {
    this.nodes.set(node.key, node);
    const hasKids = !!node.children;
    const open = hasKids && this.state.expanded.has(node.key);
    const selected = this.state.selected === node.key;
    const li = h('li', {
      role: 'treeitem', tabindex: '-1', 'aria-level': level, 'aria-posinset': pos, 'aria-setsize': size,
      'aria-expanded': hasKids ? String(open) : null, 'aria-selected': String(selected),
      class: node.cls || null, dataset: { key: node.key },
    });
    const label = node.label();
    li.appendChild(h('div', { class: selected ? 'row selected' : 'row' },
      h('span', { class: hasKids ? 'twisty' : 'twisty leaf', 'aria-hidden': 'true' }),
      ...(Array.isArray(label) ? label : [label])));
    if (open) this.renderGroup(li, node, level);
    return li;
  }

  /** @param {HTMLElement} li @param {TreeNode} node @param {number} level */
  renderGroup(li, node, level) {
    const kids = this.childrenOf(node);
    const group = h('ul', { role: 'group' });
    if (kids.length) this.renderList(group, kids, level + 1, node.key);
    else group.appendChild(h('li', { role: 'none', class: 'empty' }, h('div', { class: 'row' }, '(nothing)')));
    li.appendChild(group);
  }

  /** @param {string} key @returns {HTMLElement | null} */
  itemByKey(key) {
    if (!key) return null;
    return /** @type {HTMLElement | null} */ (this.ul.querySelector(`[role=treeitem][data-key="${CSS.escape(key)}"]`));
  }

  /** @param {HTMLElement} li */
  toggle(li) {
    const key = li.dataset.key;
    if (!key || !li.hasAttribute('aria-expanded')) return;
    if (li.getAttribute('aria-expanded') === 'true') this.collapse(li);
    else this.expand(li);
  }

  /** @param {HTMLElement} li */
  expand(li) {
    const key = /** @type {string} */ (li.dataset.key);
    const node = this.nodes.get(key);
    if (!node || !node.children || li.getAttribute('aria-expanded') === 'true') return;
    this.state.expanded.add(key);
    li.setAttribute('aria-expanded', 'true');
    this.renderGroup(li, node, Number(li.getAttribute('aria-level')));
  }

  /** @param {HTMLElement} li */
  collapse(li) {
    const key = /** @type {string} */ (li.dataset.key);
    this.state.expanded.delete(key);
    li.setAttribute('aria-expanded', 'false');
    const group = li.querySelector(':scope > ul[role=group]');
    if (group) group.remove();
  }

  /** Show the next chunk in place of a "more" row. @param {HTMLElement} more */
  more(more) {
    if (!more.isConnected) return;
    if (this.observer) this.observer.unobserve(more);
    const parentKey = more.dataset.parent || '';
    const from = Number(more.dataset.from);
    const level = Number(more.dataset.level);
    const list = parentKey ? this.childrenOf(/** @type {TreeNode} */ (this.nodes.get(parentKey))) : this.roots;
    this.state.limits.set(parentKey, from + CHUNK);
    const ul = /** @type {HTMLElement} */ (more.parentElement);
    const focused = document.activeElement === more;
    more.remove();
    this.renderList(ul, list, level, parentKey, from);
    if (focused) {
      const next = /** @type {HTMLElement | null} */ (ul.children[from]);
      if (next) this.focusItem(next);
    }
  }

  /** Expand every node (children built as needed; long lists stay chunked). */
  expandAll() {
    const seen = new Set();
    /** @param {TreeNode[]} list @param {number} depth */
    const walk = (list, depth) => {
      if (depth > 256) return;
      for (const n of list) {
        if (!n.children || seen.has(n.key)) continue;
        seen.add(n.key);
        this.state.expanded.add(n.key);
        walk(this.childrenOf(n), depth + 1);
      }
    };
    walk(this.roots, 0);
    this.render();
  }

  collapseAll() {
    this.state.expanded.clear();
    this.state.limits.clear();
    this.render();
  }

  /**
   * Expand the path to a node, show it, select it and scroll it into view.
   * @param {string[]} path  keys from a root down to the node
   * @returns {boolean} whether the node was found
   */
  reveal(path) {
    let list = this.roots;
    let parentKey = '';
    /** @type {TreeNode | null} */
    let node = null;
    for (const [i, key] of path.entries()) {
      const idx = list.findIndex((n) => n.key === key);
      if (idx < 0) return false;
      if (idx >= (this.state.limits.get(parentKey) || CHUNK)) {
        this.state.limits.set(parentKey, Math.ceil((idx + 1) / CHUNK) * CHUNK);
      }
      node = list[idx];
      if (i < path.length - 1) {
        this.state.expanded.add(key);
        list = this.childrenOf(node);
        parentKey = key;
      }
    }
    if (!node) return false;
    this.state.selected = node.key;
    this.state.focus = node.key;
    this.render();
    const li = this.itemByKey(node.key);
    if (!li) return false;
    this.focusItem(li);
    li.scrollIntoView({ block: 'center' });
    li.classList.add('revealed');
    this.onSelect(node);
    return true;
  }

  /**
   * The keys from a root to the first node (siblings before children) that matches.
   * @param {(node: TreeNode) => boolean} pred
   * @returns {string[] | null}
   */
  findPath(pred) {
    const seen = new Set();
    /** @param {TreeNode[]} list @param {string[]} path @param {number} depth @returns {string[] | null} */
    const walk = (list, path, depth) => {
      for (const n of list) if (pred(n)) return [...path, n.key];
      if (depth > 256) return null;
      for (const n of list) {
        if (!n.children || seen.has(n.key)) continue;
        seen.add(n.key);
        const found = walk(this.childrenOf(n), [...path, n.key], depth + 1);
        if (found) return found;
      }
      return null;
    };
    return walk(this.roots, [], 0);
  }

  /** @returns {HTMLElement[]} */
  visibleItems() {
    return /** @type {HTMLElement[]} */ ([...this.ul.querySelectorAll('[role=treeitem]')]);
  }

  /** @param {HTMLElement} li */
  focusItem(li) {
    for (const other of this.ul.querySelectorAll('[role=treeitem][tabindex="0"]')) {
      /** @type {HTMLElement} */ (other).tabIndex = -1;
    }
    li.tabIndex = 0;
    li.focus({ preventScroll: false });
    if (li.dataset.key) this.state.focus = li.dataset.key;
  }

  /** @param {HTMLElement} li */
  select(li) {
    const key = li.dataset.key;
    if (!key) return;
    const node = this.nodes.get(key);
    if (!node) return;
    for (const old of this.ul.querySelectorAll('[aria-selected=true]')) {
      old.setAttribute('aria-selected', 'false');
      const row = old.querySelector(':scope > .row');
      if (row) row.classList.remove('selected');
    }
    li.setAttribute('aria-selected', 'true');
    const row = li.querySelector(':scope > .row');
    if (row) row.classList.add('selected');
    this.state.selected = key;
    this.onSelect(node);
  }

  /** @param {Event} e */
  onFocus(e) {
    const li = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('[role=treeitem]'));
    if (li && li.tabIndex !== 0) {
      for (const other of this.ul.querySelectorAll('[role=treeitem][tabindex="0"]')) {
        /** @type {HTMLElement} */ (other).tabIndex = -1;
      }
      li.tabIndex = 0;
      if (li.dataset.key) this.state.focus = li.dataset.key;
    }
  }

  /** @param {MouseEvent} e */
  onClick(e) {
    const target = /** @type {HTMLElement} */ (e.target);
    if (target.closest('a')) return;
    const li = /** @type {HTMLElement | null} */ (target.closest('[role=treeitem]'));
    if (!li) return;
    if (li.classList.contains('more')) {
      this.more(li);
      return;
    }
    if (target.closest('.twisty')) this.toggle(li);
    else {
      this.select(li);
      if (e.detail === 2) this.toggle(li);
    }
    this.focusItem(li);
  }

  /** @param {KeyboardEvent} e */
  onKey(e) {
    const li = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('[role=treeitem]'));
    if (!li || e.altKey || e.ctrlKey || e.metaKey) return;
    const items = () => this.visibleItems();
    const move = (/** @type {number} */ delta) => {
      const all = items();
      const i = all.indexOf(li);
      const next = all[Math.max(0, Math.min(all.length - 1, i + delta))];
      if (next) this.focusItem(next);
    };
    const expanded = li.getAttribute('aria-expanded');
    switch (e.key) {
      case 'ArrowDown': move(1); break;
      case 'ArrowUp': move(-1); break;
      case 'PageDown': move(10); break;
      case 'PageUp': move(-10); break;
      case 'Home': { const all = items(); if (all.length) this.focusItem(all[0]); break; }
      case 'End': { const all = items(); if (all.length) this.focusItem(all[all.length - 1]); break; }
      case 'ArrowRight':
        if (expanded === 'false') this.expand(li);
        else if (expanded === 'true') {
          const first = /** @type {HTMLElement | null} */ (li.querySelector(':scope > ul > [role=treeitem]'));
          if (first) this.focusItem(first);
        }
        break;
      case 'ArrowLeft':
        if (expanded === 'true') this.collapse(li);
        else {
          const parent = /** @type {HTMLElement | null} */ (li.parentElement && li.parentElement.closest('[role=treeitem]'));
          if (parent) this.focusItem(parent);
        }
        break;
      case 'Enter':
        if (li.classList.contains('more')) this.more(li);
        else {
          this.select(li);
          this.toggle(li);
        }
        break;
      case ' ':
        if (li.classList.contains('more')) this.more(li);
        else this.select(li);
        break;
      case '*': {
        const siblings = li.parentElement ? [...li.parentElement.children] : [];
        for (const s of siblings) if (s.getAttribute('aria-expanded') === 'false') this.expand(/** @type {HTMLElement} */ (s));
        break;
      }
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  }
}
