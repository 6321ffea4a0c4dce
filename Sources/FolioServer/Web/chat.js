// The chat: questions and streamed answers with their [n] citations and sources, abstentions with the closest
// passages, the conversation id for follow-ups, kept in localStorage across reloads, and the Markdown export.
import * as api from './api.js';
import { el, pagesLabel, replace } from './dom.js';

const STORAGE_KEY = 'folio.conversation.v1';
const KEPT_TURNS = 50;
const MARKERS = /\[(\d+(?:\s*,\s*\d+)*)\]/g;

export class Chat {
  /**
   * @param {object} elements `log`, `form`, `question`, `send`, `newConversation`, `export`, `llm` (checkbox).
   * @param {object} parts `library` (selection(), document(id), documents), `viewer` (open), `inspector` (show).
   */
  constructor(elements, parts) {
    this.elements = elements;
    this.library = parts.library;
    this.viewer = parts.viewer;
    this.inspector = parts.inspector;
    this.turns = [];
    this.conversation = null;
    this.busy = false;
    const { form, question } = elements;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    question.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    elements.newConversation.addEventListener('click', () => this.reset());
    elements.export.addEventListener('click', () => this.download());
  }

  /** Restores the conversation saved by the last page (or an empty one). */
  restore() {
    try {
      const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || 'null');
      if (saved && Array.isArray(saved.turns)) {
        this.conversation = saved.conversation ?? null;
        this.turns = saved.turns.filter((t) => t && typeof t.question === 'string');
      }
    } catch {
      localStorage.removeItem(STORAGE_KEY);
    }
    this.render();
    const last = [...this.turns].reverse().find((t) => t.answer);
    if (last) this.inspector.show(last.answer);
    else this.inspector.clear();
  }

  save() {
    const turns = this.turns.filter((t) => !t.pending).slice(-KEPT_TURNS)
      .map(({ question, answer, error }) => ({ question, answer, error }));
    const write = (list) => localStorage.setItem(STORAGE_KEY, JSON.stringify({ conversation: this.conversation, turns: list }));
    try {
      write(turns);
    } catch {
      // Over the storage quota: keep the recent turns rather than none.
      try {
        write(turns.slice(-5));
      } catch {
        localStorage.removeItem(STORAGE_KEY);
      }
    }
  }

  reset() {
    this.turns = [];
    this.conversation = null;
    localStorage.removeItem(STORAGE_KEY);
    this.render();
    this.inspector.clear();
    this.elements.question.focus();
  }

  async submit() {
    const text = this.elements.question.value.trim();
    if (!text || this.busy) return;
    performance.clearMarks('folio:ask-start');
    performance.clearMarks('folio:first-text');
    performance.mark('folio:ask-start');
    this.elements.question.value = '';
    await this.ask(text);
  }

  async ask(question, turn = null) {
    if (!turn) {
      turn = { question, answer: null, error: null };
      this.turns.push(turn);
    }
    Object.assign(turn, { pending: true, streamed: '', results: null, error: null, answer: null });
    this.setBusy(true);
    this.renderTurnInPlace(turn, true);
    const body = { question };
    const selection = this.library.selection();
    if (selection.length) body.documents = selection;
    if (this.elements.llm && !this.elements.llm.closest('[hidden]') && this.elements.llm.checked) body.llm = true;
    // The client names the conversation; a server that tracks conversations reads follow-ups in its light.
    this.conversation ||= newConversationID();
    body.conversation = this.conversation;
    let firstText = false;
    const sawText = () => {
      if (firstText) return;
      firstText = true;
      performance.mark('folio:first-text');
      try {
        performance.measure('folio:enter-to-first-text', 'folio:ask-start', 'folio:first-text');
      } catch {
        // A retried question has no start mark.
      }
    };
    try {
      const answer = await api.ask(body, {
        onSources: (results) => {
          turn.results = results;
          this.inspector.showSources(question, results);
          this.renderTurnInPlace(turn);
        },
        onToken: (text) => {
          turn.streamed += text;
          this.renderTurnInPlace(turn);
          sawText();
        },
      });
      turn.answer = answer;
      if (typeof answer.conversation === 'string' && answer.conversation) this.conversation = answer.conversation;
      this.inspector.show(answer);
      this.prefetchCited(answer);
    } catch (error) {
      turn.error = error.message || String(error);
    }
    turn.pending = false;
    this.renderTurnInPlace(turn);
    if (turn.answer) sawText();
    this.setBusy(false);
    this.save();
  }

  /** The first pages of up to three cited passages, fetched ahead of a click. */
  prefetchCited(answer) {
    const seen = new Set();
    const targets = [];
    for (const citation of shownAnswer(answer).citations) {
      const documentId = this.documentIdOf(citation);
      const boxed = (citation.boxes || []).map((box) => box.page);
      const page = boxed.length ? Math.min(...boxed) : citation.pages?.[0];
      const key = `${documentId}/${page}`;
      if (documentId === null || !page || seen.has(key)) continue;
      seen.add(key);
      targets.push({ documentId, page });
      if (targets.length === 3) break;
    }
    this.viewer.prefetch(targets);
  }

  setBusy(busy) {
    this.busy = busy;
    // While the answer streams the log is busy, so a screen reader reads the finished answer once, not every token.
    this.elements.log.setAttribute('aria-busy', String(busy));
    this.elements.send.disabled = busy;
    this.elements.send.textContent = busy ? 'Answering\u2026' : 'Send';
  }

  // Rendering ----------------------------------------------------------------------------------------------------

  render() {
    const nodes = this.turns.map((turn) => {
      turn.node = this.turnNode(turn);
      return turn.node;
    });
    if (!nodes.length) {
      nodes.push(el('p', { class: 'muted intro' },
        'Ask about your documents. Each sentence of an answer links to the page it came from.'));
    }
    replace(this.elements.log, nodes);
  }

  renderTurnInPlace(turn, scroll = false) {
    const fresh = this.turnNode(turn);
    if (turn.node && turn.node.isConnected) turn.node.replaceWith(fresh);
    else {
      this.elements.log.querySelector('.intro')?.remove();
      this.elements.log.append(fresh);
    }
    turn.node = fresh;
    if (scroll) fresh.scrollIntoView({ block: 'nearest' });
  }

  turnNode(turn) {
    return el('article', { class: 'turn' },
      el('p', { class: 'question' }, el('span', { class: 'who' }, 'You'), turn.question),
      turn.answer?.read_as && turn.answer.read_as !== turn.question
        ? el('p', { class: 'read-as' }, `Read as: ${turn.answer.read_as}`) : null,
      this.answerNode(turn));
  }

  answerNode(turn) {
    if (turn.error) {
      return el('section', { class: 'answer failed' },
        el('p', { class: 'error', 'data-testid': 'error', role: 'alert' }, turn.error),
        el('button', {
          type: 'button', class: 'quiet', disabled: this.busy,
          on: { click: () => this.ask(turn.question, turn) },
        }, 'Ask again'));
    }
    if (turn.pending) {
      const status = turn.results
        ? `Found ${turn.results.length} passages; writing the answer\u2026` : 'Searching\u2026';
      return el('section', { class: 'answer pending', 'data-testid': 'answer', 'aria-busy': 'true' },
        turn.streamed ? el('p', { class: 'answer-text' }, turn.streamed) : null,
        el('p', { class: 'muted' }, status));
    }
    const answer = turn.answer;
    if (!answer) return null;
    const abstained = Boolean(answer.abstained);
    const section = el('section', {
      class: `answer ${abstained ? 'abstained' : ''}`, 'data-testid': 'answer',
      dataset: { abstained: String(abstained) },
    });
    if (abstained) {
      section.append(...present(el('p', { class: 'abstention' }, 'The documents do not answer this.'),
        answer.answer ? el('p', { class: 'answer-text muted' }, answer.answer) : null,
        this.passagesNode(answer.results || [])));
    } else {
      const shown = shownAnswer(answer);
      section.append(...present(shown.note ? el('p', { class: 'note' }, shown.note) : null,
        this.textNode(shown), shown.check ? checkNode(shown.check) : null, this.sourcesNode(shown.citations)));
    }
    section.append(el('div', { class: 'answer-tools' },
      el('button', {
        type: 'button', class: 'quiet small', on: { click: () => this.inspector.show(answer) },
      }, 'Inspect')));
    return section;
  }

  textNode(answer) {
    const byMarker = new Map((answer.citations || []).map((c) => [Number(c.marker), c]));
    const text = answer.answer || '';
    const node = el('p', { class: 'answer-text' });
    let last = 0;
    for (const match of citationMarkers(text, answer.citations || [])) {
      node.append(text.slice(last, match.index));
      const markers = match[1].split(',').map((m) => Number(m.trim()));
      markers.forEach((marker, i) => {
        const citation = byMarker.get(marker);
        node.append(citation ? this.citationLink(citation) : `[${marker}]`);
        if (i < markers.length - 1) node.append('\u2009');
      });
      last = match.index + match[0].length;
    }
    node.append(text.slice(last));
    return node;
  }

  citationLink(citation) {
    const documentId = this.documentIdOf(citation);
    const page = citation.pages?.[0] ?? citation.page_start ?? 1;
    return el('a', {
      class: 'cite', 'data-testid': 'citation', dataset: { chunkId: citation.chunk_id },
      href: documentId !== null ? api.fileURL(documentId, page) : '#',
      'aria-label': `Source ${citation.marker}: ${citation.document}, ${pagesLabel(citation.pages)}`,
      on: {
        click: (event) => {
          event.preventDefault();
          this.openCitation(citation, event.currentTarget);
        },
      },
    }, `[${citation.marker}]`);
  }

  documentIdOf(item) {
    if (item.document_id !== undefined && item.document_id !== null) return item.document_id;
    for (const doc of this.library.documents.values()) if (doc.file === item.document) return doc.id;
    return null;
  }

  async openCitation(citation, origin) {
    const quote = (citation.sentences || []).join(' ');
    if (Array.isArray(citation.boxes) && this.documentIdOf(citation) !== null) {
      return this.viewer.open({
        documentId: this.documentIdOf(citation), page: citation.pages?.[0], boxes: citation.boxes,
        placed: citation.placed !== false && citation.boxes.length > 0,
        title: citation.title || citation.document, quote,
      }, origin);
    }
    // A citation without boxes (an older server): the chunk's own boxes.
    return this.openChunk(citation.chunk_id, origin, quote);
  }

  async openChunk(chunkId, origin, quote = '') {
    try {
      const chunk = await api.chunk(chunkId);
      const boxes = chunk.boxes || [];
      const documentId = chunk.document_id ?? (typeof chunk.document === 'number' ? chunk.document
        : this.documentIdOf({ document: chunk.file }));
      await this.viewer.open({
        documentId, page: chunk.page_start, boxes, placed: boxes.length > 0,
        title: chunk.title || chunk.file, quote,
      }, origin);
    } catch (error) {
      this.showTransientError(origin, error.message);
    }
  }

  showTransientError(origin, message) {
    const host = origin?.closest?.('section, li') || this.elements.log;
    host.querySelector(':scope > .transient')?.remove();
    host.append(el('p', { class: 'error transient', 'data-testid': 'error', role: 'alert' }, message));
  }

  sourcesNode(citations) {
    if (!citations.length) return null;
    return el('div', { class: 'sources' },
      el('h3', {}, 'Sources'),
      el('ol', {}, citations.map((c) => el('li', { 'data-testid': 'source', dataset: { chunkId: c.chunk_id } },
        el('button', {
          type: 'button', class: 'source-button',
          on: { click: (event) => this.openChunk(c.chunk_id, event.currentTarget, (c.sentences || []).join(' ')) },
        },
        el('span', { class: 'marker' }, `[${c.marker}]`), ' ',
        el('span', { class: 'source-doc' }, c.title && c.title !== c.document ? `${c.title} (${c.document})` : c.document),
        ' \u00b7 ', pagesLabel(c.pages),
        c.section ? el('span', { class: 'muted' }, ` \u00b7 ${c.section}`) : null)))));
  }

  passagesNode(results) {
    const closest = results.slice(0, 3);
    if (!closest.length) return el('p', { class: 'muted' }, 'Nothing close was found.');
    return el('div', { class: 'sources' },
      el('h3', {}, 'Closest passages'),
      el('ol', {}, closest.map((r) => el('li', { class: 'passage', dataset: { chunkId: r.chunk_id } },
        el('button', {
          type: 'button', class: 'source-button',
          on: { click: (event) => this.openChunk(r.chunk_id, event.currentTarget, r.best_sentence || '') },
        },
        el('span', { class: 'source-doc' }, r.document), ' \u00b7 ', pagesLabel(r.pages),
        r.section ? el('span', { class: 'muted' }, ` \u00b7 ${r.section}`) : null),
        el('blockquote', {}, snippet(r.best_sentence || r.text || ''))))));
  }

  // Export -------------------------------------------------------------------------------------------------------

  /** The conversation as Markdown: each answer with its citations as document, page and quoted sentences. */
  markdown() {
    const lines = ['# Folio conversation', '', `Exported ${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC`, ''];
    for (const turn of this.turns) {
      lines.push(`## ${oneLine(turn.question)}`, '');
      const answer = turn.answer;
      if (turn.error) {
        lines.push(`_Error: ${oneLine(turn.error)}_`, '');
        continue;
      }
      if (!answer) continue;
      if (answer.read_as && answer.read_as !== turn.question) lines.push(`_Read as: ${oneLine(answer.read_as)}_`, '');
      if (answer.abstained) {
        lines.push('_The documents do not answer this._', '');
        if (answer.answer) lines.push(answer.answer, '');
        const closest = (answer.results || []).slice(0, 3);
        if (closest.length) {
          lines.push('Closest passages:', '');
          for (const r of closest) {
            lines.push(`- ${r.document}, ${pagesLabel(r.pages).replace('\u00a0', ' ')}: \u201c${oneLine(snippet(r.best_sentence || r.text || ''))}\u201d`);
          }
          lines.push('');
        }
        continue;
      }
      const shown = shownAnswer(answer);
      if (shown.note) lines.push(`_${shown.note}_`, '');
      lines.push(shown.answer || '', '');
      for (const c of shown.citations) {
        const where = [c.document, pagesLabel(c.pages).replace('\u00a0', ' '), c.section].filter(Boolean).join(', ');
        const quote = (c.sentences || []).map(oneLine).join(' ');
        lines.push(`- [${c.marker}] ${where}${quote ? `: \u201c${quote}\u201d` : ''}`);
      }
      lines.push('');
    }
    return lines.join('\n');
  }

  download() {
    const blob = new Blob([this.markdown()], { type: 'text/markdown;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const link = el('a', { href: url, download: 'folio-conversation.md', hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }
}

/**
 * What to show of an answer: the generated one (`--llm`) when it cites the sources, else the extractive one with a
 * note saying why (generation failed, or the generated text cited nothing Folio could check).
 */
function shownAnswer(answer) {
  const generated = answer.generated;
  const extractive = { answer: answer.answer, citations: answer.citations || [], note: '', check: null };
  if (!generated && answer.generator?.error) {
    return { ...extractive, note: `The LLM failed (${answer.generator.error}); this is the extractive answer.` };
  }
  if (!generated || !generated.answer) return extractive;
  if (generated.warning && !(generated.citations || []).length) {
    return { ...extractive, note: `The generated answer cites none of the sources; this is the extractive answer.` };
  }
  return { answer: generated.answer, citations: generated.citations || [], check: generated, note: generated.warning || '' };
}

/** The citation check of a generated answer: which cited sentences their source does not support. */
function checkNode(generated) {
  const sentences = generated.sentences || [];
  const cited = sentences.filter((s) => s.verdict !== 'uncited');
  const unsupported = cited.filter((s) => s.verdict !== 'supported');
  if (!cited.length) return null;
  if (!unsupported.length) {
    return el('p', { class: 'muted small' }, `Citation check: every cited sentence (${cited.length}) is supported by its source.`);
  }
  return el('div', { class: 'check small' },
    el('p', {}, `Citation check: ${unsupported.length} of ${cited.length} cited sentences are not supported by the source they cite:`),
    el('ul', {}, unsupported.map((s) => el('li', {}, s.text))));
}

/**
 * The `[n]` markers of an answer that are citations. A cited sentence can hold a bracket of its own (a paper's
 * reference "[20]"), so where the citations name their sentences only "sentence [n]" counts; otherwise (a
 * generated answer) every bracket of numbers does.
 */
function citationMarkers(text, citations) {
  const found = [];
  for (const citation of citations) {
    for (const sentence of citation.sentences || []) {
      const tail = `${sentence} [${citation.marker}]`;
      let at = text.indexOf(tail);
      while (at >= 0) {
        const index = at + sentence.length + 1;
        found.push({ index, 0: `[${citation.marker}]`, 1: String(citation.marker) });
        at = text.indexOf(tail, at + tail.length);
      }
    }
  }
  if (!found.length) return [...text.matchAll(MARKERS)];
  const unique = new Map(found.map((m) => [m.index, m]));
  return [...unique.values()].sort((a, b) => a.index - b.index);
}

/** A random conversation id (crypto.randomUUID needs a secure context; a server on a LAN address is not one). */
function newConversationID() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `c-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The nodes that are there (`append(null)` would add the text "null"). */
function present(...nodes) {
  return nodes.filter(Boolean);
}

function oneLine(text) {
  return String(text).replace(/\s+/g, ' ').trim();
}

function snippet(text, limit = 240) {
  const flat = oneLine(text);
  return flat.length > limit ? `${flat.slice(0, limit - 1)}\u2026` : flat;
}
