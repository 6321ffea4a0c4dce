// The inspector: what an answer actually searched, every retrieved chunk with its dense, lexical, fused and
// second-stage scores, which ones the answer cited (and with which sentences), and each stage's time.
import { el, pagesLabel, replace, score } from './dom.js';

const SECOND_STAGE = ['window', 'name', 'coverage', 'rerank'];

/** The parts of a result's score: `scores` in `folio ask --json`, `parts` in some servers. */
function partsOf(result) {
  return result.scores || result.parts || {};
}

export class Inspector {
  /**
   * @param {HTMLElement} root the `inspector` panel.
   * @param {function} openResult called with a result to show its chunk on its page.
   */
  constructor(root, openResult) {
    this.root = root;
    this.body = root.querySelector('.inspector-body');
    this.openResult = openResult;
  }

  clear() {
    replace(this.body, el('p', { class: 'muted' }, 'Ask a question; its retrieval shows here.'));
  }

  /** Shows the results while the answer is still being written. */
  showSources(question, results) {
    this.show({ question, results, citations: [] }, true);
  }

  show(answer, pending = false) {
    const generated = answer.generated?.citations?.length ? answer.generated : null;
    const citations = generated ? generated.citations : answer.citations || [];
    const cited = new Map();
    for (const citation of citations) {
      const list = cited.get(citation.chunk_id) || [];
      list.push(citation);
      cited.set(citation.chunk_id, list);
    }
    const results = answer.results || [];
    const summary = el('dl', { class: 'facts' },
      el('dt', {}, 'Searched'), el('dd', {}, answer.read_as || answer.question || ''),
      answer.read_as && answer.read_as !== answer.question ? [el('dt', {}, 'Asked'), el('dd', {}, answer.question)] : null,
      typeof answer.confidence === 'number' ? [el('dt', {}, 'Confidence'), el('dd', {}, score(answer.confidence, 2))] : null,
      pending ? null : [el('dt', {}, 'Answer'), el('dd', {}, answer.abstained ? 'abstained' : `${citations.length} citations`)],
      el('dt', {}, 'Retrieved'), el('dd', {}, `${results.length} chunks, ${results.filter((r) => cited.has(r.chunk_id)).length} cited`));
    const extraKeys = new Set();
    for (const result of results) for (const key of Object.keys(partsOf(result))) {
      if (!['dense', 'lexical', 'fused'].includes(key)) extraKeys.add(key);
    }
    const extras = [...SECOND_STAGE.filter((k) => extraKeys.has(k)), ...[...extraKeys].filter((k) => !SECOND_STAGE.includes(k))];
    const denseRanks = ranks(results, 'dense');
    const lexicalRanks = ranks(results, 'lexical');
    const head = el('tr', {},
      el('th', { scope: 'col' }, '#'), el('th', { scope: 'col' }, 'Document'), el('th', { scope: 'col' }, 'Pages'),
      el('th', { scope: 'col', title: 'cosine similarity (rank among these)' }, 'Dense'),
      el('th', { scope: 'col', title: 'BM25 (rank among these)' }, 'Lexical'),
      el('th', { scope: 'col' }, 'Fused'), extras.map((k) => el('th', { scope: 'col' }, k)),
      el('th', { scope: 'col' }, 'Final'), el('th', { scope: 'col' }, 'Used'));
    const rows = results.map((result) => {
      const parts = partsOf(result);
      const uses = cited.get(result.chunk_id);
      return el('tr', { class: uses ? 'cited' : 'unused', dataset: { chunkId: result.chunk_id } },
        el('td', {}, String(result.rank ?? '')),
        el('td', {},
          el('button', {
            type: 'button', class: 'link', on: { click: (event) => this.openResult(result, event.currentTarget) },
            title: result.chunk_id,
          }, result.document || ''),
          result.section ? el('span', { class: 'muted block' }, result.section) : null),
        el('td', {}, pagesLabel(result.pages)),
        el('td', {}, score(parts.dense), rankTag(denseRanks.get(result))),
        el('td', {}, score(parts.lexical, 2), rankTag(lexicalRanks.get(result))),
        el('td', {}, score(parts.fused)),
        extras.map((k) => el('td', {}, score(parts[k], 2))),
        el('td', {}, score(result.score)),
        el('td', {}, uses ? uses.map((c) => `[${c.marker}]`).join(' ') : pending ? '' : 'unused'));
    });
    const used = generated
      ? (generated.sentences || []).map((sentence) => el('li', {},
        el('span', { class: 'marker' }, `${(sentence.markers || []).map((m) => `[${m}]`).join('')} `), sentence.text,
        el('span', { class: 'muted' }, ` (${sentence.verdict}, similarity ${score(sentence.similarity, 2)})`)))
      : citations.filter((c) => c.sentences?.length).map((c) => el('li', {},
        el('span', { class: 'marker' }, `[${c.marker}] `), c.sentences.join(' ')));
    replace(this.body,
      summary,
      results.length ? el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Retrieved chunks' },
        el('table', {}, el('thead', {}, head), el('tbody', {}, rows))) : el('p', { class: 'muted' }, 'Nothing retrieved.'),
      used.length ? [el('h3', {}, 'Sentences used'), el('ul', { class: 'used' }, used)] : null,
      timings(answer));
  }
}

/** Rank of each result by one score part among the retrieved results (1 = best), for the CLI's `--show-scores`. */
function ranks(results, key) {
  const scored = results.filter((r) => typeof partsOf(r)[key] === 'number');
  scored.sort((a, b) => partsOf(b)[key] - partsOf(a)[key]);
  return new Map(scored.map((r, i) => [r, i + 1]));
}

function rankTag(rank) {
  return rank ? el('span', { class: 'muted' }, ` #${rank}`) : null;
}

/** Stage times, when the server reports them (`timings`/`timings_ms`: stage -> milliseconds). */
function timings(answer) {
  const source = answer.timings_ms || answer.timings || answer.timing;
  if (!source || typeof source !== 'object') return null;
  const entries = Object.entries(source).filter(([, v]) => typeof v === 'number');
  if (!entries.length) return null;
  return [el('h3', {}, 'Time per stage'), el('dl', { class: 'facts' },
    entries.map(([k, v]) => [el('dt', {}, k.replace(/_ms$/, '')), el('dd', {}, `${v.toFixed(1)} ms`)]))];
}
