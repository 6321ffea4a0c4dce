"""Driver of scripts/bench/serve-load: starts folio serve, runs wrk, samples the server's memory."""
import argparse, json, os, re, shutil, signal, statistics, subprocess, sys, tempfile, threading, time, urllib.request

p = argparse.ArgumentParser()
p.add_argument("--folio", required=True)
p.add_argument("--root", required=True)
p.add_argument("--duration", type=int, default=20)
p.add_argument("--runs", type=int, default=3)
args = p.parse_args()
root = args.root
bench = os.path.join(root, ".bench")
os.makedirs(bench, exist_ok=True)
store = os.path.join(bench, "serve-store")
corpus = os.path.join(root, "Corpus")
book = os.path.join(corpus, "little-book-of-deep-learning.pdf")
others = [os.path.join(corpus, f) for f in sorted(os.listdir(corpus)) if f.endswith(".pdf") and not f.startswith("little-book")]

# The store: every corpus paper but the book (which the ingest part uploads).
if not os.path.exists(os.path.join(store, "folio.sqlite")):
    subprocess.run([args.folio, "ingest", "--store", store] + others, check=True, stdout=subprocess.DEVNULL)

# The book is uploaded by the ingest part: a previous run left it in the store.
subprocess.run([args.folio, "remove", "--store", store, "little-book-of-deep-learning.pdf"],
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

questions = []
dev = os.path.join(os.path.dirname(root), "shared", "eval", "dev.jsonl")
if os.path.exists(dev):
    questions = [json.loads(l)["question"] for l in open(dev) if l.strip()]
if not questions:
    questions = ["What does LoRA freeze?", "How many layers does the Transformer encoder have?"]

def start_server(store_dir):
    proc = subprocess.Popen([args.folio, "serve", "--store", store_dir, "--port", "0", "--max-queued", "1000"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    lines = []
    for line in proc.stderr:
        lines.append(line)
        m = re.search(r"at (http://[0-9.]+:\d+/)", line)
        if m:
            url = m.group(1)
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, url
    raise SystemExit("serve did not start: " + "".join(lines))

def rss_kb(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0

def lua(kind):
    import urllib.parse
    if kind == "ask":
        items = [json.dumps({"question": q}) for q in questions]
    else:
        items = ["/api/v1/search?k=10&q=" + urllib.parse.quote(q) for q in questions]
    table = ",\n".join("[==[" + x + "]==]" for x in items)
    if kind == "ask":
        make = 'wrk.format("POST", "/api/v1/ask", {["Content-Type"]="application/json"}, item)'
    else:
        make = 'wrk.format("GET", item)'
    return f"""
local items = {{
{table}
}}
local i = 0
local counter = 0
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(a) i = (id or 0) * 7 end
request = function()
  i = i + 1
  local item = items[(i % #items) + 1]
  return {make}
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %.3f %.3f %.3f %.3f %d %d\\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""

def run_wrk(url, kind, connections, duration):
    script = os.path.join(bench, f"wrk-{kind}.lua")
    open(script, "w").write(lua(kind))
    threads = min(connections, 2)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s",
                          "-s", script, url], capture_output=True, text=True).stdout
    m = re.search(r"RESULT (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+) (\d+)", out)
    if not m:
        raise SystemExit("wrk gave no result:\n" + out)
    n, secs, p50, p95, p99, status_err, sock_err = m.groups()
    return {"requests": int(n), "rps": int(n) / float(secs), "p50_ms": float(p50), "p95_ms": float(p95),
            "p99_ms": float(p99), "errors": int(status_err) + int(sock_err)}

def sampling(pid, stop, peak):
    while not stop.is_set():
        peak[0] = max(peak[0], rss_kb(pid))
        time.sleep(0.2)

results = {"load": [], "during_ingest": None, "ingest": None}
proc, url = start_server(store)
# Warm: the model and index load on the first requests.
for q in questions[:5]:
    urllib.request.urlopen(urllib.request.Request(url + "api/v1/ask", data=json.dumps({"question": q}).encode(),
                                                  headers={"Content-Type": "application/json"})).read()
peak = [0]
stop = threading.Event()
threading.Thread(target=sampling, args=(proc.pid, stop, peak), daemon=True).start()
for kind in ["search", "ask"]:
    for c in [1, 8, 32]:
        r = run_wrk(url, kind, c, args.duration)
        r.update(kind=kind, connections=c, rss_mb=round(peak[0] / 1024))
        results["load"].append(r)
        print(f"{kind:6s} c={c:2d}  {r['rps']:7.1f} req/s  p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  "
              f"p99 {r['p99_ms']:6.1f} ms  errors {r['errors']}  peak RSS {r['rss_mb']} MB", flush=True)

# Ask at 1 connection while the book is uploaded and ingested.
def upload(server_url, path):
    boundary = "folio-bench"
    data = open(path, "rb").read()
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{os.path.basename(path)}\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    started = time.time()
    reply = json.loads(urllib.request.urlopen(urllib.request.Request(server_url + "api/v1/documents", data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})).read())
    job = reply["files"][0]["job"]
    while job and job["state"] not in ("done", "failed"):
        time.sleep(0.1)
        job = json.loads(urllib.request.urlopen(server_url + "api/v1/jobs/" + job["id"]).read())
    return time.time() - started, job

during = {}
def ask_load():
    during.update(run_wrk(url, "ask", 1, 25))
t = threading.Thread(target=ask_load)
t.start()
time.sleep(1)
seconds, job = upload(url, book)
t.join()
results["during_ingest"] = dict(during, ingest_seconds=seconds, job_state=job["state"] if job else "stored")
print(f"ask during the book's ingest: p50 {during['p50_ms']:.1f} ms  p95 {during['p95_ms']:.1f} ms  "
      f"errors {during['errors']}  (ingest {seconds:.1f} s)", flush=True)
stop.set()
results["peak_rss_mb"] = round(peak[0] / 1024)
proc.send_signal(signal.SIGTERM)
proc.wait(timeout=120)

# Upload into a fresh served store vs folio ingest into a fresh store, paired, RUNS times.
serve_times, cli_times = [], []
for run in range(args.runs):
    d = tempfile.mkdtemp(prefix="folio-bench-cli-")
    started = time.time()
    subprocess.run([args.folio, "ingest", "--store", d, book], check=True, stdout=subprocess.DEVNULL)
    cli_times.append(time.time() - started)
    shutil.rmtree(d)
    d = tempfile.mkdtemp(prefix="folio-bench-serve-")
    p2, u2 = start_server(d)
    seconds, job = upload(u2, book)
    serve_times.append(seconds)
    p2.send_signal(signal.SIGTERM)
    p2.wait(timeout=120)
    shutil.rmtree(d)
cli, served = statistics.median(cli_times), statistics.median(serve_times)
results["ingest"] = {"cli_s": cli_times, "upload_s": serve_times, "cli_median": cli, "upload_median": served,
                     "ratio": served / cli}
print(f"book ingest: folio ingest {cli:.1f} s, upload through the server {served:.1f} s (median of {args.runs}), "
      f"ratio {served / cli:.2f}", flush=True)
json.dump(results, open(os.path.join(bench, "serve-load.json"), "w"), indent=1)
print("wrote .bench/serve-load.json")
