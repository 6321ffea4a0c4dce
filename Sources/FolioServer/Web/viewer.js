// The page viewer: the server's rendering of a cited page with the cited sentences' boxes drawn over it by the
// client (absolutely positioned, in percent of the page, so they follow the image at any width).
import * as api from './api.js';
import { el, replace } from './dom.js';

const LETTER_WIDTH = 612; // points; the rendering scale is chosen before the page's own size is known
const CACHED_PAGES = 24; // rendered pages kept as object URLs (a few MB at most)

/** The CSS width a page is shown at: the window's (less margins) up to 1000 px, and at most 1.75 px a point. */
function displayWidth(pageWidth) {
  return Math.min(window.innerWidth - 32, 1000, pageWidth * 1.75);
}

export class Viewer {
  /**
   * @param {HTMLDialogElement} dialog the `page-viewer` dialog from index.html.
   * @param {object} library answers `document(id)` with a Document or null.
   */
  constructor(dialog, library) {
    this.dialog = dialog;
    this.library = library;
    this.ticket = 0;
    this.pages = new Map(); // `${document}/${page}@${scale}` -> Promise<{meta, url}>, oldest first
    this.widths = new Map(); // document -> page width in points, once one of its pages was seen
    const $ = (selector) => dialog.querySelector(selector);
    this.parts = {
      title: $('.viewer-title'), label: $('.viewer-label'), quote: $('.viewer-quote'), note: $('.viewer-note'),
      image: $('[data-testid="page-image"]'), layer: $('.highlights'), open: $('.viewer-open'),
      prev: $('.viewer-prev'), next: $('.viewer-next'), close: $('.viewer-close'), frame: $('.page-frame'),
    };
    this.parts.prev.addEventListener('click', () => this.go(this.page - 1));
    this.parts.next.addEventListener('click', () => this.go(this.page + 1));
    this.parts.close.addEventListener('click', () => dialog.close());
    // With a bearer token the plain link would be refused: fetch the file and open it from a blob URL.
    this.parts.open.addEventListener('click', async (event) => {
      if (!api.hasToken()) return;
      event.preventDefault();
      const tab = window.open('', '_blank');
      try {
        const url = await api.fileBlobURL(this.target.documentId);
        if (tab) tab.location.href = `${url}#page=${this.page}`;
      } catch (error) {
        tab?.close();
        this.setNote(error.message, true);
      }
    });
    dialog.addEventListener('close', () => {
      this.ticket++;
      this.origin?.focus?.();
    });
    dialog.addEventListener('keydown', (event) => {
      if (event.target.closest('button, a')) return;
      if (event.key === 'ArrowLeft') this.go(this.page - 1);
      if (event.key === 'ArrowRight') this.go(this.page + 1);
    });
  }

  /**
   * Opens a page of a document with highlights.
   * @param {object} target `documentId`, `page` (1-based physical), `boxes` ([{page, x0, y0, x1, y1}] in points,
   *   top-left origin), `placed` (false: Folio could not place the passage), `title`, `quote` (the cited text).
   * @param {Element} origin what to focus again when the viewer closes.
   */
  async open(target, origin) {
    performance.mark('folio:viewer-open');
    this.target = target;
    this.origin = origin;
    const doc = this.library.document(target.documentId);
    this.pageCount = doc?.pages || null;
    replace(this.parts.title, doc?.title || target.title || doc?.file || `Document ${target.documentId}`);
    replace(this.parts.quote, target.quote ? `\u201c${target.quote}\u201d` : '');
    this.parts.quote.hidden = !target.quote;
    if (!this.dialog.open) this.dialog.showModal();
    this.parts.close.focus();
    const boxedPages = (target.boxes || []).map((box) => box.page);
    await this.go(boxedPages.length ? Math.min(...boxedPages) : target.page || 1);
    if (!this.pageCount) {
      try {
        this.pageCount = (await api.documentInfo(target.documentId)).pages;
        this.updateNavigation();
      } catch {
        // The previous/next buttons stay usable; the server refuses a page past the end.
      }
    }
  }

  /**
   * The rendering scale for this screen: the page frame's widest CSS width (1000 px) or the window's, in device
   * pixels, over a letter page, in steps of 1/4. It depends on the window only, so a page fetched ahead is the one
   * the open viewer asks for.
   */
  scale(pageWidth = LETTER_WIDTH) {
    const width = displayWidth(pageWidth) * (window.devicePixelRatio || 1);
    return Math.min(4, Math.max(0.5, Math.ceil((width / pageWidth) * 4) / 4));
  }

  /** The page's size and rendering, fetched once and kept (an answer's cited pages are fetched ahead). */
  load(documentId, n, scale = this.scale(this.widths.get(documentId))) {
    const key = `${documentId}/${n}@${scale}`;
    let entry = this.pages.get(key);
    if (!entry) {
      entry = Promise.all([api.page(documentId, n), api.pageImage(documentId, n, scale)])
        .then(([meta, url]) => ({ meta, url }));
      entry.catch(() => this.pages.delete(key));
      this.pages.set(key, entry);
      while (this.pages.size > CACHED_PAGES) {
        const [oldest, value] = this.pages.entries().next().value;
        this.pages.delete(oldest);
        value.then(({ url }) => { if (this.parts.image.src !== url) URL.revokeObjectURL(url); }, () => {});
      }
    } else {
      this.pages.delete(key); // most recently used last
      this.pages.set(key, entry);
    }
    return entry;
  }

  /** Fetches the pages an answer cites while the user reads it, so a click shows them at once. */
  prefetch(targets) {
    for (const { documentId, page } of targets) this.load(documentId, page).catch(() => {});
  }

  updateNavigation() {
    const { prev, next, close } = this.parts;
    const focused = document.activeElement;
    prev.disabled = this.page <= 1;
    next.disabled = this.pageCount ? this.page >= this.pageCount : false;
    // A button disabled under the keyboard's focus would drop the focus out of the dialog.
    if (focused === prev && prev.disabled) (next.disabled ? close : next).focus();
    if (focused === next && next.disabled) (prev.disabled ? close : prev).focus();
  }

  async go(n) {
    if (n < 1 || (this.pageCount && n > this.pageCount)) return;
    const ticket = ++this.ticket;
    const { documentId } = this.target;
    this.page = n;
    this.updateNavigation();
    this.parts.open.href = api.fileURL(documentId, n);
    this.parts.frame.setAttribute('aria-busy', 'true');
    this.parts.label.textContent = `Page ${n}${this.pageCount ? ` of ${this.pageCount}` : ''}`;
    this.setNote('');
    let meta, url;
    try {
      ({ meta, url } = await this.load(documentId, n));
    } catch (error) {
      if (ticket === this.ticket) {
        this.parts.frame.removeAttribute('aria-busy');
        this.setNote(error.message, true);
      }
      return;
    }
    if (ticket !== this.ticket) return;
    this.parts.frame.style.maxWidth = `${displayWidth(meta.width)}px`;
    const image = this.parts.image;
    image.src = url;
    image.alt = `Page ${meta.label || n} of ${this.parts.title.textContent}`;
    try {
      await image.decode();
    } catch {
      // A broken image shows as such; the highlights still say where the passage is.
    }
    if (ticket !== this.ticket) return;
    this.parts.frame.removeAttribute('aria-busy');
    const physical = `${n}${this.pageCount ? ` of ${this.pageCount}` : ''}`;
    this.parts.label.textContent = meta.label && meta.label !== String(n)
      ? `Page ${meta.label} (physical page ${physical})` : `Page ${physical}`;
    this.draw(meta);
    performance.mark('folio:viewer-highlighted');
    try {
      performance.measure('folio:citation-to-highlight', 'folio:viewer-open', 'folio:viewer-highlighted');
    } catch {
      // Navigation within the viewer has no opening mark to measure from.
    }
    this.sharpen(ticket, documentId, n, meta);
  }

  /**
   * A page much narrower than a letter page (a phone-sized book) came at a scale guessed for letter: fetch it
   * again at its own scale and swap it in (the highlights are in percent, so they stay put).
   */
  async sharpen(ticket, documentId, n, meta) {
    const known = this.widths.has(documentId);
    this.widths.set(documentId, meta.width);
    if (known || this.scale(meta.width) <= this.scale() * 1.2) return;
    try {
      const { url } = await this.load(documentId, n, this.scale(meta.width));
      if (ticket === this.ticket) this.parts.image.src = url;
    } catch {
      // The first rendering stays.
    }
  }

  draw(meta) {
    const { boxes = [], placed } = this.target;
    const here = boxes.filter((box) => box.page === meta.page);
    const layer = this.parts.layer;
    layer.replaceChildren();
    for (const box of here) {
      const mark = el('div', { class: 'highlight', 'data-testid': 'highlight' });
      mark.style.left = `${(box.x0 / meta.width) * 100}%`;
      mark.style.top = `${(box.y0 / meta.height) * 100}%`;
      mark.style.width = `${((box.x1 - box.x0) / meta.width) * 100}%`;
      mark.style.height = `${((box.y1 - box.y0) / meta.height) * 100}%`;
      layer.append(mark);
    }
    if (here.length) {
      const top = Math.min(...here.map((box) => box.y0)) / meta.height;
      const scroller = this.parts.frame.parentElement;
      const y = top * this.parts.frame.offsetHeight - scroller.clientHeight / 3;
      scroller.scrollTop = Math.max(0, y);
    }
    if (placed === false || !boxes.length) {
      this.setNote('Folio could not place this passage on the page.');
    } else if (!here.length) {
      const pages = [...new Set(boxes.map((box) => box.page))].sort((a, b) => a - b);
      this.setNote(`The passage is highlighted on ${pages.length === 1 ? 'page' : 'pages'} ${pages.join(', ')}.`);
    } else {
      const others = [...new Set(boxes.map((box) => box.page))].filter((p) => p !== meta.page);
      this.setNote(others.length ? `The passage continues on ${others.length === 1 ? 'page' : 'pages'} ${others.join(', ')}.` : '');
    }
  }

  setNote(text, isError = false) {
    const note = this.parts.note;
    note.textContent = text;
    note.hidden = !text;
    note.classList.toggle('error', isError);
    if (isError) note.setAttribute('data-testid', 'error');
    else note.removeAttribute('data-testid');
  }
}
