// The Folio HTTP API v1 (docs/http-api.md) and nothing else: JSON requests, uploads with progress, job events,
// and the streamed answer. Paths are relative, so the app also works behind a proxy under a sub-path.

const BASE = 'api/v1/';
const TOKEN_KEY = 'folio.token';

/** An error answer from the server: `{"error": {"code", "message"}}` with its HTTP status. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A request that never reached the server (refused, reset, DNS): the "server gone" case. */
export class OfflineError extends Error {
  constructor() {
    super('Folio\u2019s server is not answering.');
    this.code = 'offline';
  }
}

const listeners = { offline: new Set(), online: new Set(), unauthorized: new Set() };

/** Subscribes to `offline` (a request failed to connect), `online` (one got an answer), `unauthorized` (401). */
export function on(event, handler) {
  listeners[event].add(handler);
}

function emit(event, detail) {
  for (const handler of listeners[event]) handler(detail);
}

let token = sessionStorage.getItem(TOKEN_KEY) || '';

/** Sets the bearer token for servers started with `--token-env` (kept for this tab only). */
export function setToken(value) {
  token = value;
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function hasToken() {
  return token !== '';
}

function headers(extra = {}) {
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

function errorFromBody(status, statusText, body) {
  const error = body && typeof body === 'object' ? body.error : null;
  if (status === 401) emit('unauthorized');
  return new ApiError(status, error?.code || `http_${status}`,
    error?.message || `The server answered ${status} ${statusText || ''}`.trim());
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page): the status line says enough.
  }
  return errorFromBody(response.status, response.statusText, body);
}

async function send(path, { method = 'GET', json, signal, accept } = {}) {
  const extra = {};
  if (json !== undefined) extra['Content-Type'] = 'application/json';
  if (accept) extra.Accept = accept;
  let response;
  try {
    response = await fetch(BASE + path, {
      method, signal, headers: headers(extra), body: json === undefined ? undefined : JSON.stringify(json),
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    emit('offline', error);
    throw new OfflineError();
  }
  emit('online');
  if (!response.ok) throw await errorFrom(response);
  return response;
}

async function getJSON(path, options) {
  const response = await send(path, options);
  return response.status === 204 ? null : response.json();
}

export const health = () => getJSON('health');
export const documents = () => getJSON('documents');
export const documentInfo = (id) => getJSON(`documents/${encodeURIComponent(id)}`);
export const page = (id, n) => getJSON(`documents/${encodeURIComponent(id)}/pages/${n}`);
export const chunk = (id) => getJSON(`chunks/${encodeURIComponent(id)}`);
export const job = (id) => getJSON(`jobs/${encodeURIComponent(id)}`);
export const jobs = () => getJSON('jobs');
export const deleteDocument = (id) => getJSON(`documents/${encodeURIComponent(id)}`, { method: 'DELETE' });

/** The URL of the original PDF at a page (the browser's PDF viewer honours `#page=`). */
export function fileURL(documentId, pageNumber) {
  return `${BASE}documents/${encodeURIComponent(documentId)}/file${pageNumber ? `#page=${pageNumber}` : ''}`;
}

/** The original PDF as an object URL (for servers that want a token, which a plain link cannot send). */
export async function fileBlobURL(documentId) {
  const response = await send(`documents/${encodeURIComponent(documentId)}/file`);
  return URL.createObjectURL(await response.blob());
}

/**
 * The rendered page as an object URL (fetched rather than put in `img.src`, so a bearer token goes along).
 * The caller revokes it.
 */
export async function pageImage(id, n, scale, signal) {
  const response = await send(`documents/${encodeURIComponent(id)}/pages/${n}.png?scale=${scale}`, { signal });
  return URL.createObjectURL(await response.blob());
}

/**
 * Uploads one PDF with its own XHR (fetch has no upload progress).
 * `onProgress(loaded, total)` follows the bytes. Resolves with the first entry of `{files: [...]}`.
 * Rejects with ApiError (the server's message: not a PDF, too big, too many jobs), or with an ApiError
 * `upload_cut_off` when the connection broke while the server is still up (it refuses a body too big by closing).
 */
export function upload(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.open('POST', BASE + 'documents');
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.responseType = 'json';
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener('load', () => {
      emit('online');
      if (xhr.status >= 200 && xhr.status < 300) {
        const entry = xhr.response?.files?.[0];
        if (entry) resolve(entry);
        else reject(new ApiError(xhr.status, 'bad_response', 'The server accepted the upload but named no file.'));
      } else {
        reject(errorFromBody(xhr.status, xhr.statusText, xhr.response));
      }
    });
    xhr.addEventListener('error', async () => {
      // A refused big body looks like a network error; ask the server whether it is still there.
      try {
        await health();
        reject(new ApiError(0, 'upload_cut_off',
          'The server closed the connection during the upload (the file may be over its size limit).'));
      } catch {
        reject(new OfflineError());
      }
    });
    xhr.send(form);
  });
}

const FINAL_JOB_STATES = new Set(['done', 'failed']);

/**
 * Follows a job until it is done or failed: Server-Sent Events from `/jobs/{id}/events`, falling back to polling
 * `/jobs/{id}` (EventSource cannot send a token, and a proxy may buffer the stream). Calls `onUpdate(job)` on
 * each change; resolves with the final job.
 */
export function watchJob(id, onUpdate) {
  return new Promise((resolve, reject) => {
    let finished = false;
    const finish = (last) => {
      finished = true;
      resolve(last);
    };
    const handle = (value) => {
      if (finished) return;
      onUpdate(value);
      if (FINAL_JOB_STATES.has(value.state)) finish(value);
    };
    const poll = async () => {
      let failures = 0;
      while (!finished) {
        try {
          handle(await job(id));
          failures = 0;
        } catch (error) {
          if (error instanceof ApiError && error.status === 404) return reject(error);
          if (++failures > 240) return reject(error);
        }
        if (!finished) await new Promise((r) => setTimeout(r, 500));
      }
    };
    if (token || typeof EventSource === 'undefined') return void poll();
    const source = new EventSource(`${BASE}jobs/${encodeURIComponent(id)}/events`);
    source.addEventListener('job', (event) => {
      try {
        handle(JSON.parse(event.data));
      } catch {
        // A malformed event: the next one or the poll below corrects it.
      }
      if (finished) source.close();
    });
    source.addEventListener('error', () => {
      source.close();
      if (!finished) poll();
    });
  });
}

/**
 * Splits a Server-Sent Events text stream into `{event, data}` records (WHATWG "event stream interpretation",
 * the subset the server uses: `event:`, `data:` lines, comments, blank-line dispatch).
 */
export class EventStreamParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = '';
  }

  push(text) {
    this.buffer = (this.buffer + text).replace(/\r\n/g, '\n');
    let end;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.dispatch(block);
    }
  }

  finish() {
    if (this.buffer.trim()) this.dispatch(this.buffer);
    this.buffer = '';
  }

  dispatch(block) {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length) this.onEvent(event, data.join('\n'));
  }
}

/**
 * Asks with `stream: true` and reads the event stream from the response body: `sources` → `onSources(results)`,
 * `token` → `onToken(text)`, `answer` → resolves with the Answer, `error` → rejects with an ApiError.
 * A server that answers plain JSON instead is accepted too.
 */
export async function ask(body, { onSources, onToken, signal } = {}) {
  const response = await send('ask', {
    method: 'POST', json: { ...body, stream: true }, signal, accept: 'text/event-stream',
  });
  const type = response.headers.get('Content-Type') || '';
  if (!type.includes('text/event-stream')) return response.json();
  let answer = null;
  let failure = null;
  const parser = new EventStreamParser((event, data) => {
    let value;
    try {
      value = JSON.parse(data);
    } catch {
      return;
    }
    if (event === 'sources') onSources?.(value.results || []);
    else if (event === 'token') onToken?.(value.text || '');
    else if (event === 'answer') answer = value;
    else if (event === 'error') {
      const error = value.error || value;
      failure = new ApiError(500, error.code || 'ask_failed', error.message || 'The answer failed.');
    }
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
      if (failure) break;
    }
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    emit('offline', error);
    throw new OfflineError();
  }
  parser.push(decoder.decode());
  parser.finish();
  if (failure) throw failure;
  if (!answer) throw new ApiError(502, 'stream_ended', 'The answer stream ended before the answer arrived.');
  return answer;
}
