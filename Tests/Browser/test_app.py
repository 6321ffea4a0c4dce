#!/usr/bin/env python3
"""Browser tests of Folio's web app: Debian's chromium, headless, driven by Selenium through the `data-testid` hooks,
against a running `folio serve` (the URL is the first argument). The scenarios are those of the web app issue; they
run in order on one store (later ones use the documents earlier ones uploaded). A failing scenario saves a screenshot
and the browser console under the output folder. Prints `N passed, N failed` and exits 1 on any failure."""
import argparse
import base64
import json
import os
import sys
import tempfile
import time
import traceback
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

import make_pdfs

DESKTOP = (1280, 900)
PHONE = (380, 800)
ANSWERABLE = 'How long does a worker honey bee live in summer?'
ANSWER_WORDS = 'six weeks'
FOLLOW_UP = 'What does the queen lay in spring?'
FOLLOW_UP_WORDS = '2000 eggs'
TIDES_QUESTION = 'What is the capacity of the Sihwa Lake station?'
UNANSWERABLE = 'Which composer wrote the opera about a fisherman named Peter Grimes?'


def tid(name, extra=''):
    return (By.CSS_SELECTOR, f'[data-testid="{name}"]{extra}')


class Suite:
    def __init__(self, url, out, pdf_dir):
        self.url = url.rstrip('/') + '/'
        self.out = out
        self.pdfs = make_pdfs.make(pdf_dir)
        self.results = []
        self.console = []
        for name in os.listdir(out):  # screenshots of an earlier run's failures would mislead
            if name.endswith(('.png', '.console.txt')):
                os.remove(os.path.join(out, name))
        self.downloads = os.path.join(out, 'downloads')
        os.makedirs(self.downloads, exist_ok=True)
        options = webdriver.ChromeOptions()
        options.binary_location = '/usr/bin/chromium'
        for flag in ('--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu',
                     f'--window-size={DESKTOP[0]},{DESKTOP[1]}'):
            options.add_argument(flag)
        options.add_experimental_option('prefs', {'download.default_directory': self.downloads,
                                                  'download.prompt_for_download': False})
        options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
        self.driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)
        self.driver.set_window_size(*DESKTOP)

    # helpers ----------------------------------------------------------------------------------------------------

    def api(self, path, method='GET', body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + 'api/v1/' + path, data=data, method=method,
                                         headers={'Content-Type': 'application/json'} if data else {})
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read()
            return json.loads(raw) if raw else None

    def wait(self, condition, timeout=30, message=''):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(lambda d: condition(), message)

    def find(self, *locator):
        return self.driver.find_elements(*locator)

    def rows(self):
        """The library rows as one snapshot (rows are re-rendered as jobs progress, so element handles go stale)."""
        return {r['file']: r for r in self.driver.execute_script("""
            return [...document.querySelectorAll('[data-testid="document-row"]')].map(r => ({file: r.dataset.file,
              state: r.dataset.state, id: r.dataset.documentId,
              error: r.querySelector('[data-testid="error"]')?.textContent || '',
              meta: r.querySelector('.doc-meta')?.textContent || ''}))""")}

    def click_in_row(self, file, testid):
        """Clicks a control inside a library row, found and clicked in one step (rows are re-rendered)."""
        element = self.driver.execute_script("""
            const row = [...document.querySelectorAll('[data-testid="document-row"]')]
              .find(r => r.dataset.file === arguments[0]);
            return row ? row.querySelector(`[data-testid="${arguments[1]}"]`) : null""", file, testid)
        if element is None:
            return False
        element.click()
        return True

    def answers(self):
        return self.find(*tid('answer'))

    def ask(self, question):
        before = len(self.answers())
        box = self.driver.find_element(*tid('question'))
        box.clear()
        box.send_keys(question)
        box.send_keys(Keys.ENTER)
        outcome = self.wait(lambda: self.driver.execute_script("""
            const turns = document.querySelectorAll('#log .turn');
            const last = turns[turns.length - 1];
            const error = last && last.querySelector('.answer.failed [data-testid="error"]');
            if (error) return {error: error.textContent};
            const all = document.querySelectorAll('[data-testid="answer"]');
            return all.length > arguments[0] && ['true', 'false'].includes(all[all.length - 1].dataset.abstained)""",
            before), 60, f'no complete answer to {question!r}')
        if isinstance(outcome, dict):
            raise AssertionError(f'asking {question!r} showed the error: {outcome["error"]}')
        return self.answers()[-1]

    def click(self, element):
        """Clicks like a user who scrolled the element to the middle (the question box sticks to the bottom)."""
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def open_app(self):
        self.driver.get(self.url)
        self.wait(lambda: self.driver.execute_script(
            "return performance.getEntriesByName('folio:ready').length > 0"), 20, 'the app never got ready')

    def document_id(self, file):
        return next((d['id'] for d in self.api('documents') if d['file'] == file), None)

    def collect_console(self):
        try:
            self.console.extend(self.driver.get_log('browser'))
        except Exception:
            pass

    def run(self, name, scenario):
        started = time.time()
        try:
            scenario()
            self.collect_console()
            self.results.append((name, True, ''))
            print(f'PASS {name} ({time.time() - started:.1f} s)', flush=True)
        except Exception as error:  # a scenario failure of any kind is reported and recorded
            detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            shot = os.path.join(self.out, f'{name}.png')
            try:
                self.driver.save_screenshot(shot)
                with open(os.path.join(self.out, f'{name}.console.txt'), 'w') as f:
                    for entry in self.driver.get_log('browser'):
                        f.write(f"{entry['level']} {entry['message']}\n")
            except Exception:
                pass
            self.results.append((name, False, detail))
            print(f'FAIL {name}: {detail} (screenshot {shot})', flush=True)
            traceback.print_exc(file=sys.stderr)

    # scenarios --------------------------------------------------------------------------------------------------

    def upload_two(self):
        self.open_app()
        upload = self.driver.find_element(*tid('upload-input'))
        upload.send_keys(self.pdfs['bees'] + '\n' + self.pdfs['tides'])
        seen, progress = set(), set()
        def both_done():
            rows = self.rows()
            seen.update(r['state'] for f, r in rows.items() if f in ('bees.pdf', 'tides.pdf'))
            progress.update(r['meta'] for f, r in rows.items() if f in ('bees.pdf', 'tides.pdf')
                            and r['state'] != 'done')
            return all(rows.get(f, {}).get('state') == 'done' for f in ('bees.pdf', 'tides.pdf'))
        self.wait(both_done, 180, 'the two uploads did not reach data-state="done"')
        rows = self.rows()
        for file in ('bees.pdf', 'tides.pdf'):
            expected = self.document_id(file)
            got = rows[file]['id']
            assert str(expected) == got, f'{file}: row has document id {got!r}, the API {expected!r}'
        print(f'     states seen: {sorted(seen)}; progress lines: {sorted(progress)}')

    def ask_and_cite(self):
        answer = self.ask(ANSWERABLE)
        assert answer.get_attribute('data-abstained') == 'false', 'the answerable question abstained'
        assert ANSWER_WORDS in answer.text, f'answer text lacks {ANSWER_WORDS!r}: {answer.text!r}'
        citations = answer.find_elements(*tid('citation'))
        assert citations, 'the answer has no citation link'
        bees = self.document_id('bees.pdf')
        chunk = self.api(f"chunks/{citations[0].get_attribute('data-chunk-id')}")
        assert chunk['document'] == bees, f"the citation's chunk is in document {chunk['document']}, not {bees}"
        assert ANSWER_WORDS in ' '.join(chunk['text'].split()), 'the cited chunk does not hold the answer sentence'
        assert answer.find_elements(*tid('source')), 'no sources listed under the answer'
        inspector = self.driver.find_element(*tid('inspector'))
        rows = inspector.find_elements(By.CSS_SELECTOR, 'tbody tr')
        assert rows and inspector.find_elements(By.CSS_SELECTOR, 'tbody tr.cited'), 'the inspector shows no cited row'

    def citation_highlight(self):
        answer = self.answers()[-1]
        citation = answer.find_elements(*tid('citation'))[0]
        chunk_id = citation.get_attribute('data-chunk-id')
        self.click(citation)
        viewer = self.driver.find_element(*tid('page-viewer'))
        self.wait(lambda: viewer.is_displayed(), 10, 'the page viewer did not open')
        image = viewer.find_element(*tid('page-image'))
        self.wait(lambda: self.driver.execute_script(
            'const i = arguments[0]; return i.complete && i.naturalWidth > 0 && !i.closest("[aria-busy]")', image),
            20, 'the page image did not load')
        self.wait(lambda: viewer.find_elements(*tid('highlight'))
                  or 'could not place' in viewer.find_element(By.CSS_SELECTOR, '.viewer-note').text, 10,
                  'neither a highlight box nor the could-not-place note')
        # Where the API says the cited sentence lies, scaled to the image as displayed.
        full = self.api('ask', 'POST', {'question': ANSWERABLE})
        cited = next(c for c in full['citations'] if c['chunk_id'] == chunk_id)
        assert cited.get('boxes'), f'the API gives no boxes for citation {chunk_id} (needed to check the highlight)'
        page_no = min(b['page'] for b in cited['boxes'])
        page = self.api(f"documents/{cited['document_id']}/pages/{page_no}")
        drawn = self.driver.execute_script("""
            const img = arguments[0].getBoundingClientRect();
            return [...arguments[1]].map(h => { const r = h.getBoundingClientRect();
              return [r.left - img.left, r.top - img.top, r.right - img.left, r.bottom - img.top, img.width]; });
        """, image, viewer.find_elements(*tid('highlight')))
        width = drawn[0][4]
        k = width / page['width']
        expected = [[b['x0'] * k, b['y0'] * k, b['x1'] * k, b['y1'] * k] for b in cited['boxes'] if b['page'] == page_no]
        assert len(drawn) == len(expected), f'{len(drawn)} highlights drawn, the API gives {len(expected)} boxes'
        for got, want in zip(sorted(drawn), sorted(expected)):
            assert all(abs(g - w) <= 2 for g, w in zip(got[:4], want)), f'highlight {got[:4]} is not over {want}'
        # Over the sentence itself: the words of the cited sentence lie inside the boxes (pdftotext's layout).
        label = viewer.find_element(By.CSS_SELECTOR, '.viewer-label').text
        assert f'{page_no}' in label, f'page label {label!r} does not name page {page_no}'
        link = viewer.find_element(By.CSS_SELECTOR, '.viewer-open').get_attribute('href')
        assert link.endswith(f"/documents/{cited['document_id']}/file#page={page_no}"), f'open-the-PDF link {link}'
        next_button = viewer.find_element(By.CSS_SELECTOR, '.viewer-next')
        if next_button.is_enabled():
            src = image.get_attribute('src')
            next_button.click()
            self.wait(lambda: image.get_attribute('src') != src and f'{page_no + 1}' in
                      viewer.find_element(By.CSS_SELECTOR, '.viewer-label').text, 10, 'next page did not show')
            viewer.find_element(By.CSS_SELECTOR, '.viewer-prev').click()
            self.wait(lambda: viewer.find_elements(*tid('highlight')), 10, 'back on the cited page, no highlight')
        ActionChains(self.driver).send_keys(Keys.ESCAPE).perform()
        self.wait(lambda: not viewer.is_displayed(), 5, 'Esc did not close the viewer')

    def source_opens_page(self):
        source = self.answers()[-1].find_elements(*tid('source'))[0]
        self.click(source.find_element(By.TAG_NAME, 'button'))
        viewer = self.driver.find_element(*tid('page-viewer'))
        self.wait(lambda: viewer.is_displayed() and viewer.find_elements(*tid('highlight')), 15,
                  'a source click did not open a highlighted page')
        ActionChains(self.driver).send_keys(Keys.ESCAPE).perform()
        self.wait(lambda: not viewer.is_displayed(), 5, 'Esc did not close the viewer')

    def keyboard(self):
        box = self.driver.find_element(*tid('question'))
        before = len(self.answers())
        box.clear()
        box.send_keys('first line', Keys.SHIFT, Keys.ENTER, Keys.SHIFT, 'second line')
        time.sleep(0.3)
        assert box.get_attribute('value') == 'first line\nsecond line', repr(box.get_attribute('value'))
        assert len(self.answers()) == before, 'Shift+Enter sent the question'
        box.clear()
        labelled = self.driver.execute_script("""
            return ['question', 'upload-input'].filter(t => {
              const e = document.querySelector(`[data-testid="${t}"]`);
              return !(e.labels && e.labels.length && e.labels[0].textContent.trim()); })""")
        assert not labelled, f'no label for {labelled}'
        live = self.driver.execute_script("return document.getElementById('log').getAttribute('aria-live')")
        assert live == 'polite', 'the answers are not in a live region'

    def restrict_to_document(self):
        bees = self.document_id('bees.pdf')
        tides = self.document_id('tides.pdf')
        self.driver.find_element(By.ID, f'doc-{bees}').click()
        try:
            answer = self.ask(TIDES_QUESTION)
            for citation in answer.find_elements(*tid('citation')):
                chunk = self.api(f"chunks/{citation.get_attribute('data-chunk-id')}")
                assert chunk['document'] != tides, 'restricted to bees.pdf, the answer cites tides.pdf'
        finally:
            self.driver.find_element(By.ID, f'doc-{bees}').click()

    def event_stream_parser(self):
        # The app's own SSE parser (api.js), fed the stream in awkward pieces: CRLF, a split field name, a comment,
        # a multi-line data field, no final blank line.
        got = self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            import('./api.js').then(({ EventStreamParser }) => {
              const out = [];
              const parser = new EventStreamParser((event, data) => out.push([event, data]));
              for (const piece of ['event: sources\\r\\ndata: {"results":[]}\\r', '\\n\\r\\nevent: tok',
                                   'en\\ndata: {"text":"Hel"}\\n\\n: keep-alive\\n\\n',
                                   'event: answer\\ndata: {"answer":\\ndata: 1}\\n\\nevent: error\\ndata: x'])
                parser.push(piece);
              parser.finish();
              done(out);
            }).catch((e) => done(String(e)));""")
        want = [['sources', '{"results":[]}'], ['token', '{"text":"Hel"}'], ['answer', '{"answer":\n1}'],
                ['error', 'x']]
        assert got == want, got

    def no_script_errors(self):
        self.collect_console()
        bad = [e['message'] for e in self.console
               if 'Content Security Policy' in e['message'] or 'Uncaught' in e['message']]
        assert not bad, bad[0]

    def follow_up(self):
        answer = self.ask(FOLLOW_UP)
        assert answer.get_attribute('data-abstained') == 'false', 'the follow-up abstained'
        assert FOLLOW_UP_WORDS in answer.text, f'follow-up answer lacks {FOLLOW_UP_WORDS!r}: {answer.text!r}'
        stored = self.driver.execute_script("return JSON.parse(localStorage.getItem('folio.conversation.v1'))")
        assert len(stored['turns']) == 2, f"{len(stored['turns'])} turns stored, not 2"
        assert stored.get('conversation'), 'no conversation id kept for the follow-up'

    def abstains(self):
        answer = self.ask(UNANSWERABLE)
        assert answer.get_attribute('data-abstained') == 'true', f'no abstention: {answer.text!r}'
        assert 'do not answer' in answer.text, 'the abstention is not said as such'

    def bad_uploads(self):
        upload = self.driver.find_element(*tid('upload-input'))
        upload.send_keys(self.pdfs['notes'] + '\n' + self.pdfs['locked'])
        def failed():
            rows = self.rows()
            return all(rows.get(f, {}).get('state') == 'failed' for f in ('notes.pdf', 'locked.pdf'))
        self.wait(failed, 120, 'the bad uploads did not fail')
        rows = self.rows()
        notes, locked = rows['notes.pdf']['error'], rows['locked.pdf']['error']
        assert 'pdf' in notes.lower(), f'the non-PDF error does not say so: {notes!r}'
        assert 'encrypt' in locked.lower() or 'password' in locked.lower(), f'the encrypted error: {locked!r}'
        print(f'     non-PDF: {notes}\n     encrypted: {locked}')

    def drag_and_drop(self):
        # A drop carrying a good PDF and a text file: each gets its own outcome, the failure blocks nothing.
        owls = base64.b64encode(open(self.pdfs['owls'], 'rb').read()).decode()
        self.driver.execute_script("""
            const bytes = Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], 'owls.pdf', { type: 'application/pdf' }));
            transfer.items.add(new File(['just some text'], 'dropped-notes.pdf', { type: 'application/pdf' }));
            const zone = document.getElementById('drop');
            for (const type of ['dragenter', 'dragover', 'drop'])
              zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
        """, owls)
        def settled():
            rows = self.rows()
            return (rows.get('owls.pdf', {}).get('state') == 'done'
                    and rows.get('dropped-notes.pdf', {}).get('state') == 'failed')
        self.wait(settled, 120, 'the dropped files did not settle as done and failed')
        assert self.document_id('owls.pdf') is not None, 'the API does not list the dropped PDF'

    def export_markdown(self):
        for name in os.listdir(self.downloads):
            os.remove(os.path.join(self.downloads, name))
        self.driver.execute_cdp_cmd('Browser.setDownloadBehavior', {'behavior': 'allow', 'downloadPath': self.downloads})
        self.driver.find_element(By.ID, 'export').click()
        path = os.path.join(self.downloads, 'folio-conversation.md')
        self.wait(lambda: os.path.exists(path), 10, 'no Markdown file downloaded')
        text = open(path).read()
        assert f'## {ANSWERABLE}' in text and '[1]' in text and 'bees.pdf' in text, text[:400]

    def reload_keeps(self):
        before = [a.text for a in self.answers()]
        self.open_app()
        self.wait(lambda: len(self.answers()) == len(before), 10, 'the conversation did not survive a reload')
        after = [a.text for a in self.answers()]
        assert after == before, 'the reloaded conversation differs'

    def delete_document(self):
        tides = self.document_id('tides.pdf')
        answer = self.ask(TIDES_QUESTION)
        assert answer.get_attribute('data-abstained') == 'false' and '254' in answer.text, answer.text
        self.click_in_row('tides.pdf', 'delete-document')
        self.wait(lambda: self.click_in_row('tides.pdf', 'confirm-delete'), 10, 'no confirmation to delete')
        self.wait(lambda: 'tides.pdf' not in self.rows(), 20, 'the deleted document is still listed')
        assert tides not in [d['id'] for d in self.api('documents')], 'the API still lists it'
        answer = self.ask(TIDES_QUESTION)
        for citation in answer.find_elements(*tid('citation')):
            chunk_id = citation.get_attribute('data-chunk-id')
            try:
                chunk = self.api(f'chunks/{chunk_id}')
            except urllib.error.HTTPError as error:
                raise AssertionError(f'an answer cites {chunk_id}, which the API no longer knows') from error
            assert chunk['document'] != tides, 'an answer still cites the deleted document'
        assert '254' not in answer.text or answer.get_attribute('data-abstained') == 'true', answer.text

    def server_gone(self):
        self.driver.set_network_conditions(offline=True, latency=0, download_throughput=-1, upload_throughput=-1)
        try:
            box = self.driver.find_element(*tid('question'))
            box.send_keys('Is anyone there?', Keys.ENTER)
            banner = self.driver.find_element(By.ID, 'banner')
            self.wait(lambda: banner.is_displayed(), 10, 'no banner while the server is unreachable')
            assert 'not answering' in banner.text, banner.text
        finally:
            self.driver.delete_network_conditions()
        self.driver.find_element(By.ID, 'banner-retry').click()
        self.wait(lambda: not self.driver.find_element(By.ID, 'banner').is_displayed(), 10, 'the banner stayed')
        box = self.driver.find_element(*tid('question'))
        assert box.is_enabled(), 'the page froze'

    def new_conversation(self):
        self.driver.find_element(*tid('new-conversation')).click()
        self.wait(lambda: not self.answers(), 5, 'New conversation left answers')
        assert self.driver.execute_script("return localStorage.getItem('folio.conversation.v1')") is None

    def phone_width(self):
        self.driver.set_window_size(*PHONE)
        self.open_app()
        width = self.driver.execute_script('return document.documentElement.scrollWidth')
        inner = self.driver.execute_script('return window.innerWidth')
        assert width <= inner + 1, f'the page is {width} px wide in a {inner} px window'
        for name in ('question', 'send', 'upload-input', 'new-conversation'):
            element = self.driver.find_element(*tid(name))
            rect = self.driver.execute_script('const r = arguments[0].getBoundingClientRect(); return [r.left, r.right]',
                                              element)
            assert rect[0] >= -1 and rect[1] <= inner + 1, f'{name} sticks out at 380 px: {rect}'
        answer = self.ask(ANSWERABLE)
        self.click(answer.find_elements(*tid('citation'))[0])
        viewer = self.driver.find_element(*tid('page-viewer'))
        self.wait(lambda: viewer.is_displayed() and viewer.find_elements(*tid('highlight')), 15,
                  'no highlighted page at 380 px')
        image_width = self.driver.execute_script('return arguments[0].getBoundingClientRect().width',
                                                 viewer.find_element(*tid('page-image')))
        assert image_width <= inner, f'the page image is {image_width} px wide'
        self.driver.save_screenshot(os.path.join(self.out, 'phone-viewer.png'))
        ActionChains(self.driver).send_keys(Keys.ESCAPE).perform()
        self.driver.set_window_size(*DESKTOP)

    def screenshot(self):
        self.open_app()
        self.click(self.ask(ANSWERABLE).find_elements(*tid('citation'))[0])
        viewer = self.driver.find_element(*tid('page-viewer'))
        self.wait(lambda: viewer.find_elements(*tid('highlight')), 15, 'no highlight for the screenshot')
        time.sleep(0.4)  # the page fades in
        self.driver.save_screenshot(os.path.join(self.out, 'desktop-viewer.png'))
        ActionChains(self.driver).send_keys(Keys.ESCAPE).perform()

    def all(self):
        for name in ('upload_two', 'ask_and_cite', 'citation_highlight', 'source_opens_page', 'follow_up',
                     'abstains', 'keyboard', 'bad_uploads', 'drag_and_drop', 'export_markdown', 'reload_keeps',
                     'restrict_to_document', 'delete_document', 'server_gone', 'phone_width', 'screenshot',
                     'new_conversation', 'event_stream_parser', 'no_script_errors'):
            self.run(name, getattr(self, name))
        self.driver.quit()
        passed = sum(1 for _, ok, _ in self.results if ok)
        failed = len(self.results) - passed
        print(f'{passed} passed, {failed} failed')
        return failed == 0


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('url', help='the app, e.g. http://127.0.0.1:8080/')
    parser.add_argument('--out', default=os.path.join(os.path.dirname(__file__), '..', '..', '.cache', 'browser'))
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    ok = Suite(args.url, out, tempfile.mkdtemp(prefix='folio-browser-')).all()
    sys.exit(0 if ok else 1)
