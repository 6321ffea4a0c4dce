// Building DOM nodes without innerHTML: every string from the server becomes a text node (XSS-safe by construction).

/**
 * Creates an element. `attrs` keys: `class`, `text` (textContent), `dataset` (object), `on` (event -> handler),
 * anything else becomes an attribute (skipped when null/undefined/false; `true` sets it empty).
 * Children are nodes or strings (strings become text nodes); null/false children are skipped.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'on') for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces all children of `node`. */
export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

/** `p.3` or `p.3–5` from a `pages` array (or start/end). */
export function pagesLabel(pages) {
  if (!Array.isArray(pages) || pages.length === 0) return '';
  const first = pages[0], last = pages[pages.length - 1];
  return first === last ? `p.\u00a0${first}` : `p.\u00a0${first}\u2013${last}`;
}

/** "about 12 s left", "about 3 min left", from seconds. */
export function timeLeft(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 1.5) return 'about 1 s left';
  if (seconds < 90) return `about ${Math.round(seconds)} s left`;
  return `about ${Math.round(seconds / 60)} min left`;
}

/** A number with a fixed number of decimals, or an en dash when absent. */
export function score(value, digits = 3) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '\u2013';
}
