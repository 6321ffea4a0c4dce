#!/usr/bin/env python3
"""A stand-in for `folio serve` that speaks docs/http-api.md, for working on the web app without a Swift build.

Not the real engine: one chunk per page, retrieval by word overlap, the extractive answer is the best sentence.
Page rendering (pdftocairo), word boxes (pdftotext -bbox-layout) and page sizes (pdfinfo) come from poppler-utils,
so the boxes are real. Serves ../../Sources/FolioServer/Web at `/`. Usage: contract_server.py STORE_DIR [PORT]
"""
import hashlib, html.parser, json, os, re, subprocess, sys, threading, time, uuid
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from urllib.parse import urlparse, parse_qs

WEB = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'Sources', 'FolioServer', 'Web')
TYPES = {'.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css'}
CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; "
       "frame-ancestors 'none'")
STOP = set('the a an of to in is are was what which who how does do and or for on by with as at from that this it be'.split())
lock = threading.Lock()
docs, chunks, jobs = {}, {}, {}
store = None
LLM = bool(os.environ.get('FOLIO_CONTRACT_LLM'))


class Words(html.parser.HTMLParser):
    """Reads `pdftotext -bbox-layout` XHTML: pages (width, height) and words with their line."""
    def __init__(self):
        super().__init__()
        self.pages, self.line, self.word = [], 0, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'page':
            self.pages.append({'width': float(a['width']), 'height': float(a['height']), 'words': []})
        elif tag == 'line':
            self.line += 1
        elif tag == 'word':
            self.word = {k: float(a[k]) for k in ('xmin', 'ymin', 'xmax', 'ymax')}
            self.word['line'] = self.line

    def handle_data(self, data):
        if self.word is not None:
            self.word['text'] = data
            self.pages[-1]['words'].append(self.word)
            self.word = None


def tokens(text):
    return [w for w in re.findall(r'[a-z0-9]+', text.lower()) if w not in STOP]


def boxes_for(page_no, page, sentence):
    """Line boxes of the words of `sentence` on a page (the first run of its words in reading order)."""
    want = re.findall(r'\S+', sentence)
    words = page['words']
    for start in range(len(words)):
        if words[start]['text'] != want[0]:
            continue
        run = words[start:start + len(want)]
        if [w['text'] for w in run] != want:
            continue
        out, by_line = [], {}
        for w in run:
            by_line.setdefault(w['line'], []).append(w)
        for line in by_line.values():
            out.append({'page': page_no, 'x0': min(w['xmin'] for w in line), 'y0': min(w['ymin'] for w in line),
                        'x1': max(w['xmax'] for w in line), 'y1': max(w['ymax'] for w in line)})
        return out
    return []


def ingest(job_id, path, name):
    job = jobs[job_id]
    job['state'] = 'extracting'
    info = subprocess.run(['pdfinfo', path], capture_output=True, text=True)
    if info.returncode != 0:
        msg = info.stderr.strip().splitlines()[-1] if info.stderr.strip() else 'unreadable'
        if 'ncrypt' in info.stderr or 'password' in info.stderr.lower():
            msg = f'{name}: encrypted: give the password with `qpdf --decrypt --password=… in.pdf out.pdf` first'
        job.update(state='failed', error=msg)
        os.remove(path)
        return
    out = subprocess.run(['pdftotext', '-bbox-layout', path, '-'], capture_output=True, text=True).stdout
    parser = Words()
    parser.feed(out)
    job['pages_total'] = len(parser.pages)
    for i in range(len(parser.pages)):
        time.sleep(0.05)
        job['pages_done'] = i + 1
    job['state'] = 'embedding'
    time.sleep(0.2)
    sha = hashlib.sha256(open(path, 'rb').read()).hexdigest()
    with lock:
        doc_id = max(docs, default=0) + 1
        title = os.path.splitext(name)[0]
        doc = {'id': doc_id, 'file': name, 'title': title, 'pages': len(parser.pages), 'chunks': 0, 'sha256': sha,
               'ingested_at': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), '_path': path,
               '_pages': parser.pages}
        for n, page in enumerate(parser.pages, 1):
            text = ' '.join(w['text'] for w in page['words'])
            if not text.strip():
                continue
            cid = f'{sha[:12]}-{n}'
            chunks[cid] = {'id': cid, 'document': doc_id, 'file': name, 'title': title, 'section': None,
                           'text': text, 'page_start': n, 'page_end': n, 'tokens': len(text.split())}
            doc['chunks'] += 1
        docs[doc_id] = doc
    job.update(state='done', chunks=doc['chunks'], document=public(doc))


def public(doc):
    return {k: v for k, v in doc.items() if not k.startswith('_')}


def page_info(doc, n):
    p = doc['_pages'][n - 1]
    return {'document': doc['id'], 'page': n, 'label': None, 'width': p['width'], 'height': p['height']}


def chunk_json(cid):
    c = dict(chunks[cid])
    doc = docs[c['document']]
    c['pages'] = [page_info(doc, c['page_start'])]
    page = doc['_pages'][c['page_start'] - 1]
    c['boxes'] = line_boxes(c['page_start'], page)
    return c


def line_boxes(n, page):
    by_line = {}
    for w in page['words']:
        by_line.setdefault(w['line'], []).append(w)
    return [{'page': n, 'x0': min(w['xmin'] for w in l), 'y0': min(w['ymin'] for w in l),
             'x1': max(w['xmax'] for w in l), 'y1': max(w['ymax'] for w in l)} for l in by_line.values()]


def answer(question, restrict):
    q = set(tokens(question))
    scored = []
    for cid, c in chunks.items():
        if restrict and c['document'] not in restrict:
            continue
        for s in re.split(r'(?<=[.!?])\s+', c['text']):
            overlap = len(q & set(tokens(s))) / max(1, len(q))
            scored.append((overlap, cid, s))
    scored.sort(key=lambda t: -t[0])
    results, seen = [], set()
    for overlap, cid, s in scored:
        if cid in seen:
            continue
        seen.add(cid)
        c = chunks[cid]
        results.append({'rank': len(results) + 1, 'score': overlap, 'chunk_id': cid, 'document': c['file'],
                        'document_id': c['document'], 'title': c['title'], 'pages': [c['page_start']],
                        'text': c['text'], 'best_sentence': s,
                        'scores': {'dense': overlap * 0.8, 'lexical': overlap * 7, 'fused': overlap / 30}})
        if len(results) == 5:
            break
    if not results or results[0]['score'] < 0.5:
        return {'question': question, 'answer': 'The documents do not answer this question.', 'abstained': True,
                'confidence': 0.1, 'citations': [], 'results': results}
    top = results[0]
    doc = docs[top['document_id']]
    boxes = boxes_for(top['pages'][0], doc['_pages'][top['pages'][0] - 1], top['best_sentence'])
    citation = {'marker': 1, 'chunk_id': top['chunk_id'], 'document': top['document'],
                'document_id': top['document_id'], 'pages': top['pages'], 'title': top['title'],
                'sentences': [top['best_sentence']], 'boxes': boxes, 'placed': bool(boxes)}
    return {'question': question, 'answer': f"{top['best_sentence']} [1]", 'abstained': False, 'confidence': 0.8,
            'citations': [citation], 'results': results}


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def head(self, status, ctype, length=None, extra=()):
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Security-Policy', CSP)
        self.send_header('X-Content-Type-Options', 'nosniff')
        if length is not None:
            self.send_header('Content-Length', str(length))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()

    def json(self, status, obj):
        body = json.dumps(obj).encode()
        self.head(status, 'application/json', len(body))
        self.wfile.write(body)

    def error(self, status, code, message):
        self.json(status, {'error': {'code': code, 'message': message}})

    def do_GET(self):
        url = urlparse(self.path)
        path, query = url.path, parse_qs(url.query)
        if not path.startswith('/api/v1/'):
            name = 'index.html' if path == '/' else path.lstrip('/')
            file = os.path.join(WEB, name)
            if '/' in name or not os.path.isfile(file):
                return self.error(404, 'not_found', f'no {path}')
            body = open(file, 'rb').read()
            self.head(200, TYPES.get(os.path.splitext(name)[1], 'application/octet-stream'), len(body))
            return self.wfile.write(body)
        route = path[len('/api/v1/'):]
        if route == 'health':
            return self.json(200, {'status': 'ok', 'version': 'contract', 'documents': len(docs),
                                   'chunks': len(chunks), 'model': 'none',
                                   'llm': 'http://127.0.0.1:8081/v1/chat/completions' if LLM else None})
        if route == 'documents':
            return self.json(200, [public(d) for d in docs.values()])
        if route == 'jobs':
            return self.json(200, list(jobs.values()))
        m = re.fullmatch(r'jobs/([^/]+)(/events)?', route)
        if m:
            job = jobs.get(m[1])
            if not job:
                return self.error(404, 'unknown_job', 'no such job')
            if not m[2]:
                return self.json(200, job)
            self.head(200, 'text/event-stream', extra=[('Cache-Control', 'no-store'), ('Connection', 'close')])
            last = None
            while True:
                snap = json.dumps(job)
                if snap != last:
                    self.wfile.write(f'event: job\ndata: {snap}\n\n'.encode())
                    self.wfile.flush()
                    last = snap
                if job['state'] in ('done', 'failed'):
                    self.close_connection = True
                    return
                time.sleep(0.05)
        m = re.fullmatch(r'documents/(\d+)(?:/(file)|/pages/(\d+)(\.png)?)?', route)
        if m:
            doc = docs.get(int(m[1]))
            if not doc:
                return self.error(404, 'unknown_document', f'no document {m[1]}')
            if m[2]:
                body = open(doc['_path'], 'rb').read()
                self.head(200, 'application/pdf', len(body))
                return self.wfile.write(body)
            if m[3]:
                n = int(m[3])
                if not 1 <= n <= doc['pages']:
                    return self.error(404, 'unknown_page', f'no page {n}')
                if not m[4]:
                    return self.json(200, page_info(doc, n))
                scale = float(query.get('scale', ['1.5'])[0])
                png = subprocess.run(['pdftocairo', '-png', '-singlefile', '-r', str(72 * scale), '-f', str(n),
                                      '-l', str(n), doc['_path'], '-'], capture_output=True).stdout
                self.head(200, 'image/png', len(png))
                return self.wfile.write(png)
            return self.json(200, public(doc))
        m = re.fullmatch(r'chunks/([^/]+)', route)
        if m:
            if m[1] not in chunks:
                return self.error(404, 'unknown_chunk', 'no such chunk')
            return self.json(200, chunk_json(m[1]))
        self.error(404, 'not_found', f'no route {path}')

    def do_DELETE(self):
        m = re.fullmatch(r'/api/v1/documents/(\d+)', urlparse(self.path).path)
        if not m or int(m[1]) not in docs:
            return self.error(404, 'unknown_document', 'no such document')
        with lock:
            doc = docs.pop(int(m[1]))
            for cid in [c for c, v in chunks.items() if v['document'] == doc['id']]:
                del chunks[cid]
        self.send_response(204)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def do_POST(self):
        path = urlparse(self.path).path
        length = int(self.headers.get('Content-Length', 0))
        body = self.rfile.read(length)
        if path == '/api/v1/ask':
            req = json.loads(body)
            result = answer(req['question'], set(req.get('documents') or []))
            if req.get('conversation'):
                result['conversation'] = req['conversation']
            if not req.get('stream'):
                return self.json(200, result)
            self.head(200, 'text/event-stream', extra=[('Connection', 'close')])
            self.close_connection = True
            self.wfile.write(f"event: sources\ndata: {json.dumps({'results': result['results']})}\n\n".encode())
            self.wfile.flush()
            if LLM and req.get('llm') and not result['abstained']:
                # As `--llm` does: the generated text streams as tokens, then the answer carries `generated`.
                text = f"Generated: {result['citations'][0]['sentences'][0]} [1]"
                for piece in re.findall(r'\S+\s*', text):
                    time.sleep(0.05)
                    self.wfile.write(f"event: token\ndata: {json.dumps({'text': piece})}\n\n".encode())
                    self.wfile.flush()
                result['generated'] = {'answer': text, 'citations': [{k: result['citations'][0][k] for k in
                                       ('marker', 'chunk_id', 'document', 'document_id', 'pages')}],
                                       'sentences': [{'text': text, 'markers': [1], 'verdict': 'supported',
                                                      'similarity': 0.9, 'overlap': 0.8, 'support': 0.9}],
                                       'grounded': True, 'invalid_markers': []}
            self.wfile.write(f'event: answer\ndata: {json.dumps(result)}\n\n'.encode())
            return
        if path == '/api/v1/documents':
            boundary = re.search(r'boundary=(.+)', self.headers.get('Content-Type', ''))
            if not boundary:
                return self.error(400, 'bad_multipart', 'expected multipart/form-data')
            files = []
            for part in body.split(b'--' + boundary[1].strip('"').encode()):
                if b'\r\n\r\n' not in part:
                    continue
                head, data = part.split(b'\r\n\r\n', 1)
                name = re.search(rb'filename="([^"]*)"', head)
                if name:
                    files.append((name[1].decode(), data[:-2]))
            out = []
            for name, data in files:
                if not data.startswith(b'%PDF-'):
                    return self.error(415, 'not_a_pdf', f'{name} is not a PDF (it does not start with %PDF-)')
                sha = hashlib.sha256(data).hexdigest()
                same = next((d for d in docs.values() if d['sha256'] == sha), None)
                if same:
                    out.append({'file': name, 'document': public(same), 'job': None})
                    continue
                file = os.path.join(store, uuid.uuid4().hex + '.pdf')
                open(file, 'wb').write(data)
                jid = uuid.uuid4().hex[:12]
                jobs[jid] = {'id': jid, 'file': name, 'state': 'queued', 'pages_done': 0, 'pages_total': 0,
                             'chunks': 0, 'document': None, 'error': None, 'created_at': '', 'elapsed_ms': 0}
                threading.Thread(target=ingest, args=(jid, file, name), daemon=True).start()
                out.append({'file': name, 'document': None, 'job': jobs[jid]})
            return self.json(202 if any(o['job'] for o in out) else 200, {'files': out})
        self.error(404, 'not_found', f'no route {path}')


if __name__ == '__main__':
    store = sys.argv[1]
    os.makedirs(store, exist_ok=True)
    server = ThreadingHTTPServer(('127.0.0.1', int(sys.argv[2]) if len(sys.argv) > 2 else 0), Handler)
    print(f'Folio is serving {store} at http://127.0.0.1:{server.server_port}/', flush=True)
    server.serve_forever()
