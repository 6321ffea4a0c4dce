// Wires the app together: library, chat, viewer and inspector, the server status line, and the banner shown while
// the server is gone (with a retry) or wants a token.
import * as api from './api.js';
import { Chat } from './chat.js';
import { Inspector } from './inspector.js';
import { Library } from './library.js';
import { Viewer } from './viewer.js';

const $ = (id) => document.getElementById(id);

const banner = {
  root: $('banner'), text: $('banner-text'), retry: $('banner-retry'), tokenForm: $('token-form'),
  timer: null, shown: false,
};

const library = new Library({
  list: $('documents'), input: $('upload'), drop: $('drop'), count: $('doc-count'), scope: $('scope'),
  status: $('upload-status'),
}, {
  onChange: () => updateStatus(),
  onError: (error) => showError(error),
});
const viewer = new Viewer($('viewer'), library);
const inspector = new Inspector($('inspector'), (result, origin) => chat.openChunk(result.chunk_id, origin, result.best_sentence || ''));
const chat = new Chat({
  log: $('log'), form: $('ask'), question: $('question'), send: $('send'),
  newConversation: $('new-conversation'), export: $('export'), llm: $('use-llm'),
}, { library, viewer, inspector });

function showError(error) {
  if (error instanceof api.OfflineError) return; // the banner says it
  banner.text.textContent = error.message;
  banner.retry.hidden = true;
  banner.root.hidden = false;
}

async function updateStatus() {
  try {
    const h = await api.health();
    $('status').textContent = `${h.documents} documents \u00b7 ${h.chunks} chunks${h.model ? ` \u00b7 ${h.model}` : ''}`;
    // A server started with --llm can write answers; the choice is kept across reloads.
    $('llm-option').hidden = !h.llm;
    if (h.llm) $('llm-name').textContent = new URL(h.llm, location.href).host;
  } catch {
    // The banner reports a server that is gone.
  }
}

function serverGone() {
  if (banner.shown) return;
  banner.shown = true;
  banner.text.textContent = 'Folio\u2019s server is not answering. It may be restarting; the app retries every few seconds.';
  banner.retry.hidden = false;
  banner.tokenForm.hidden = true;
  banner.root.hidden = false;
  clearInterval(banner.timer);
  banner.timer = setInterval(retry, 3000);
}

async function retry() {
  try {
    await api.health();
  } catch {
    // Still gone; the next tick tries again.
  }
}

async function serverBack() {
  if (!banner.shown) return;
  banner.shown = false;
  clearInterval(banner.timer);
  banner.root.hidden = true;
  await library.refresh().catch(() => {});
}

const llmChoice = $('use-llm');
llmChoice.checked = localStorage.getItem('folio.llm') !== 'off';
llmChoice.addEventListener('change', () => localStorage.setItem('folio.llm', llmChoice.checked ? 'on' : 'off'));

api.on('offline', serverGone);
api.on('online', serverBack);
api.on('unauthorized', () => {
  banner.text.textContent = 'This server needs its access token.';
  banner.retry.hidden = true;
  banner.tokenForm.hidden = false;
  banner.root.hidden = false;
});
banner.retry.addEventListener('click', retry);
$('banner-dismiss').addEventListener('click', () => { banner.root.hidden = true; });
banner.tokenForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  api.setToken($('token').value.trim());
  banner.root.hidden = true;
  await start();
});

async function start() {
  chat.restore();
  try {
    await library.refresh();
  } catch (error) {
    showError(error);
  }
  performance.mark('folio:ready');
  updateStatus();
  library.adoptRunningJobs();
}

start();
