// Small DOM helpers: building elements without a framework.

/**
 * Make an element. `attrs` keys: `class`, `text`, `dataset`, `on*` handlers,
 * anything else becomes an attribute (skipped when null, undefined or false).
 * @param {string} tag
 * @param {Record<string, any> | null} [attrs]
 * @param {...(Node | string | number | null | undefined | false | Array<any>)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

/**
 * Append children (nested arrays flattened, empty values skipped).
 * @param {Node} el
 * @param {Array<any>} children
 */
export function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

/**
 * A small SVG icon from the sprite `icons.svg` (relative to <base href>).
 * @param {string} name
 * @param {string} [title]
 * @returns {SVGSVGElement}
 */
export function icon(name, title) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = /** @type {SVGSVGElement} */ (document.createElementNS(ns, 'svg'));
  svg.setAttribute('class', `icon icon-${name}`);
  svg.setAttribute('aria-hidden', 'true');
  const use = document.createElementNS(ns, 'use');
  use.setAttribute('href', `icons.svg#${name}`);
  svg.appendChild(use);
  if (title) {
    const t = document.createElementNS(ns, 'title');
    t.textContent = title;
    svg.appendChild(t);
  }
  return svg;
}

/**
 * A badge: a short bordered label.
 * @param {string} text
 * @param {string} [cls]
 * @param {string} [title]
 */
export function badge(text, cls = '', title) {
  return h('span', { class: `badge ${cls}`.trim(), title }, text);
}

/** Remove all children of an element. @param {Element} el */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}
