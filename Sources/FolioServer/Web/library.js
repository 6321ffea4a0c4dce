// The library: the stored documents, the uploads in flight (each with its own progress, estimate and error),
// delete with a confirmation, and the documents the chat is restricted to.
import * as api from './api.js';
import { el, replace, timeLeft } from './dom.js';

const SELECTION_KEY = 'folio.selection';
// Embedding reports no progress of its own; its pace on this server (ms per page, from the last documents) gives
// the estimate instead, kept across reloads.
const EMBED_PACE_KEY = 'folio.embedMsPerPage';
const STATE_TEXT = {
  uploading: 'uploading', queued: 'queued', extracting: 'extracting', embedding: 'embedding',
  done: 'ready', failed: 'failed',
};

export class Library {
  /**
   * @param {object} elements `list` (the <ul>), `input` (file input), `drop` (drop zone), `count`, `scope`,
   *   `status` (a polite live region for phase changes).
   * @param {object} hooks `onChange(documents)` after the list changed, `onError(error)` for non-row failures.
   */
  constructor(elements, hooks = {}) {
    this.elements = elements;
    this.hooks = hooks;
    this.documents = new Map(); // id -> Document
    this.uploads = []; // {key, file, state, percent, text, error, documentId, jobId, phaseStart, ...}
    this.confirming = null; // the document id whose delete awaits confirmation
    this.loaded = false;
    this.selected = new Set(JSON.parse(localStorage.getItem(SELECTION_KEY) || '[]'));
    this.nextKey = 1;
    elements.input.addEventListener('change', () => {
      this.add([...elements.input.files]);
      elements.input.value = '';
    });
    const drop = elements.drop;
    const stop = (event) => {
      event.preventDefault();
      event.stopPropagation();
    };
    for (const name of ['dragenter', 'dragover']) {
      drop.addEventListener(name, (event) => {
        stop(event);
        drop.classList.add('dragging');
      });
    }
    drop.addEventListener('dragleave', (event) => {
      if (!drop.contains(event.relatedTarget)) drop.classList.remove('dragging');
    });
    drop.addEventListener('drop', (event) => {
      stop(event);
      drop.classList.remove('dragging');
      this.add([...(event.dataTransfer?.files || [])]);
    });
    // A file dropped outside the zone must not navigate away from the app.
    window.addEventListener('dragover', (event) => event.preventDefault());
    window.addEventListener('drop', (event) => event.preventDefault());
  }

  /** The document ids the chat is restricted to (empty: all). */
  selection() {
    return [...this.selected].filter((id) => this.documents.has(id));
  }

  document(id) {
    return this.documents.get(Number(id)) || null;
  }

  /** Reloads the list; `settle` runs between the answer and the render (an upload hands over to its row). */
  async refresh(settle) {
    const list = await api.documents();
    settle?.();
    this.documents = new Map(list.map((d) => [d.id, d]));
    this.loaded = true;
    this.render();
    this.hooks.onChange?.(list);
  }

  /** Picks up ingest jobs started elsewhere (another tab, `curl`), so their progress shows too. */
  async adoptRunningJobs() {
    let list;
    try {
      list = await api.jobs();
    } catch {
      return;
    }
    for (const job of list || []) {
      if (job.state === 'done' || job.state === 'failed') continue;
      if (this.uploads.some((u) => u.jobId === job.id)) continue;
      const upload = this.newUpload({ name: job.file, size: 0 });
      upload.jobId = job.id;
      this.follow(upload, job.id);
    }
    this.render();
  }

  newUpload(file) {
    const upload = {
      key: this.nextKey++, file, name: file.name, state: 'uploading', percent: 0, text: 'waiting to upload',
      error: null, documentId: null, phaseStart: performance.now(), phaseDone: 0, jobId: null,
    };
    this.uploads.unshift(upload);
    return upload;
  }

  /** Uploads each file on its own request: one failure never blocks the others. */
  add(files) {
    for (const file of files) {
      const upload = this.newUpload(file);
      this.render();
      this.start(upload);
    }
  }

  async start(upload) {
    upload.text = 'uploading 0%';
    this.announce(`${upload.name}: uploading`);
    const began = performance.now();
    let entry;
    try {
      entry = await api.upload(upload.file, (loaded, total) => {
        const percent = total ? Math.floor((loaded / total) * 100) : 0;
        const seconds = (performance.now() - began) / 1000;
        const rate = seconds > 0.3 ? loaded / seconds : 0;
        upload.percent = percent;
        upload.text = `uploading ${percent}%` + (rate && loaded < total ? ` \u00b7 ${timeLeft((total - loaded) / rate)}` : '');
        this.renderUpload(upload);
      });
    } catch (error) {
      return this.fail(upload, error.message);
    }
    if (entry.error) return this.fail(upload, entry.error.message || String(entry.error));
    if (entry.job) {
      upload.jobId = entry.job.id;
      return this.follow(upload, entry.job.id, entry.job);
    }
    if (entry.document) {
      upload.documentId = entry.document.id;
      this.finish(upload, 'already in the library');
    } else {
      this.fail(upload, 'The server stored nothing for this file.');
    }
  }

  async follow(upload, jobId, first) {
    if (first) this.update(upload, first);
    let last;
    try {
      last = await api.watchJob(jobId, (job) => this.update(upload, job));
    } catch (error) {
      return this.fail(upload, error.message);
    }
    clearTimeout(upload.tick);
    if (last.state === 'failed') return this.fail(upload, last.error || 'Ingestion failed.');
    upload.documentId = last.document?.id ?? null;
    this.finish(upload, `${last.chunks ?? last.document?.chunks ?? 0} chunks`);
  }

  /** Applies a job update: the phase, "extracting page n of N" and the time left from the pace so far. */
  update(upload, job) {
    const now = performance.now();
    if (job.state !== upload.state) {
      if (job.state === 'done') this.learnPace(upload);
      upload.state = job.state;
      this.announce(`${upload.name}: ${STATE_TEXT[job.state] || job.state}`);
      upload.phaseStart = now;
      upload.phaseDone = job.pages_done || 0;
    }
    const done = job.pages_done || 0;
    const total = job.pages_total || 0;
    upload.percent = total ? Math.floor((done / total) * 100) : 0;
    let estimate = '';
    if (total && done > upload.phaseDone && done < total) {
      const perPage = (now - upload.phaseStart) / (done - upload.phaseDone);
      estimate = ` \u00b7 ${timeLeft(((total - done) * perPage) / 1000)}`;
    }
    upload.pagesTotal = total;
    upload.job = job;
    if (job.state === 'queued') upload.text = 'queued behind another document';
    else if (job.state === 'extracting') upload.text = total ? `extracting page ${done} of ${total}${estimate}` : 'extracting';
    else if (job.state === 'embedding') return this.embedding(upload);
    else upload.text = STATE_TEXT[job.state] || job.state;
    this.renderUpload(upload);
  }

  /** "embedding 40 of 81 chunks" when the server counts them, else the pace of earlier documents; ticks each second. */
  embedding(upload) {
    const job = upload.job;
    const seconds = (performance.now() - upload.phaseStart) / 1000;
    let text = 'embedding';
    if (job.chunks_total) {
      const done = job.chunks_done || 0;
      upload.percent = Math.floor((done / job.chunks_total) * 100);
      text += ` ${done} of ${job.chunks_total} chunks`;
      if (done > 0 && done < job.chunks_total) text += ` \u00b7 ${timeLeft(((job.chunks_total - done) * seconds) / done)}`;
    } else {
      const pace = Number(localStorage.getItem(EMBED_PACE_KEY)) || 0;
      const expected = pace && upload.pagesTotal ? (pace * upload.pagesTotal) / 1000 : 0;
      upload.percent = expected ? Math.min(99, Math.floor((seconds / expected) * 100)) : 0;
      text += expected && seconds < expected ? ` \u00b7 ${timeLeft(expected - seconds)}` : ` \u00b7 ${Math.round(seconds)} s so far`;
    }
    upload.text = text;
    this.renderUpload(upload);
    clearTimeout(upload.tick);
    upload.tick = setTimeout(() => { if (upload.state === 'embedding') this.embedding(upload); }, 1000);
  }

  /** Remembers how long embedding took per page, for the next document's estimate. */
  learnPace(upload) {
    if (upload.state !== 'embedding' || !upload.pagesTotal) return;
    const pace = (performance.now() - upload.phaseStart) / upload.pagesTotal;
    const previous = Number(localStorage.getItem(EMBED_PACE_KEY)) || pace;
    localStorage.setItem(EMBED_PACE_KEY, String(Math.round((previous + pace) / 2)));
  }

  /** Tells a screen reader about a phase change (not every percent). */
  announce(text) {
    if (this.elements.status) this.elements.status.textContent = text;
  }

  fail(upload, message) {
    this.announce(`${upload.name} failed: ${message}`);
    upload.state = 'failed';
    upload.error = message;
    upload.text = 'failed';
    this.render();
  }

  async finish(upload, note) {
    this.announce(`${upload.name}: ready, ${note}`);
    upload.state = 'done';
    upload.text = note;
    try {
      await this.refresh(() => { this.uploads = this.uploads.filter((u) => u !== upload); });
    } catch (error) {
      this.uploads = this.uploads.filter((u) => u !== upload);
      this.render();
      this.hooks.onError?.(error);
    }
  }

  async remove(id) {
    this.confirming = null;
    try {
      await api.deleteDocument(id);
    } catch (error) {
      if (!(error instanceof api.ApiError && error.status === 404)) {
        this.hooks.onError?.(error);
        return;
      }
    }
    this.selected.delete(id);
    this.saveSelection();
    await this.refresh().catch((error) => this.hooks.onError?.(error));
  }

  saveSelection() {
    localStorage.setItem(SELECTION_KEY, JSON.stringify([...this.selected]));
  }

  // Rendering ----------------------------------------------------------------------------------------------------

  render() {
    const rows = [];
    for (const upload of this.uploads) {
      upload.row = this.uploadRow(upload);
      rows.push(upload.row);
    }
    const docs = [...this.documents.values()].sort((a, b) => (a.title || a.file).localeCompare(b.title || b.file));
    for (const doc of docs) rows.push(this.documentRow(doc));
    if (!rows.length && this.loaded) {
      rows.push(el('li', { class: 'empty' }, 'No documents yet. Add PDFs above.'));
    }
    replace(this.elements.list, rows);
    const n = this.documents.size;
    this.elements.count.textContent = n === 1 ? '1 document' : `${n} documents`;
    const picked = this.selection().length;
    this.elements.scope.textContent = picked ? `Asking ${picked} of ${n}` : 'Asking all documents';
  }

  renderUpload(upload) {
    if (!upload.row || !upload.row.isConnected) return this.render();
    const fresh = this.uploadRow(upload);
    upload.row.replaceWith(fresh);
    upload.row = fresh;
  }

  uploadRow(upload) {
    const failed = upload.state === 'failed';
    return el('li', {
      class: `doc upload ${failed ? 'failed' : ''}`, 'data-testid': 'document-row',
      dataset: { state: upload.state, documentId: upload.documentId ?? '', file: upload.name },
    },
    el('div', { class: 'doc-main' },
      el('span', { class: 'doc-title' }, upload.name),
      failed
        ? el('p', { class: 'error', 'data-testid': 'error', role: 'alert' }, upload.error)
        : el('span', { class: 'doc-meta' }, upload.text),
      failed ? null : el('progress', {
        max: 100, value: upload.percent, 'aria-label': `${upload.name}: ${upload.text}`,
      })),
    failed ? el('button', {
      type: 'button', class: 'quiet', 'aria-label': `Dismiss ${upload.name}`,
      on: { click: () => { this.uploads = this.uploads.filter((u) => u !== upload); this.render(); } },
    }, 'Dismiss') : null);
  }

  documentRow(doc) {
    const title = doc.title || doc.file;
    const checkbox = el('input', {
      type: 'checkbox', id: `doc-${doc.id}`, checked: this.selected.has(doc.id),
      on: {
        change: (event) => {
          if (event.target.checked) this.selected.add(doc.id);
          else this.selected.delete(doc.id);
          this.saveSelection();
          this.render();
          document.getElementById(`doc-${doc.id}`)?.focus();
        },
      },
    });
    const meta = `${doc.pages} ${doc.pages === 1 ? 'page' : 'pages'} \u00b7 ${doc.chunks} chunks`;
    const confirming = this.confirming === doc.id;
    return el('li', {
      class: 'doc', 'data-testid': 'document-row', dataset: { documentId: doc.id, state: 'done', file: doc.file },
    },
    checkbox,
    el('div', { class: 'doc-main' },
      el('label', { for: `doc-${doc.id}`, class: 'doc-title', title: doc.file }, title),
      el('span', { class: 'doc-meta' }, title === doc.file ? meta : `${doc.file} \u00b7 ${meta}`),
      confirming ? el('div', { class: 'confirm', role: 'group', 'aria-label': `Delete ${title}?` },
        el('span', {}, 'Delete it and its chunks?'),
        el('button', {
          type: 'button', class: 'danger', 'data-testid': 'confirm-delete',
          on: { click: () => this.remove(doc.id) },
        }, 'Delete'),
        el('button', {
          type: 'button', class: 'quiet', on: { click: () => { this.confirming = null; this.render(); } },
        }, 'Keep')) : null),
    confirming ? null : el('button', {
      type: 'button', class: 'quiet icon', 'data-testid': 'delete-document', 'aria-label': `Delete ${title}`,
      title: 'Delete',
      on: {
        click: () => {
          this.confirming = doc.id;
          this.render();
          this.elements.list.querySelector('[data-testid="confirm-delete"]')?.focus();
        },
      },
    }, '\u00d7'));
  }
}
