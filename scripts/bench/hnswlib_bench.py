"""hnswlib on files written by `folio-bench index --export`: prints one JSON object like folio-bench's."""
import argparse, json, os, resource, statistics, time

import hnswlib
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("folder")
p.add_argument("--M", type=int, default=16)
p.add_argument("--ef-construction", type=int, default=200)
p.add_argument("--ef", default="10,20,40,80,160,320")
p.add_argument("--threads", type=int, default=1)
p.add_argument("--runs", type=int, default=3)
a = p.parse_args()

meta = json.load(open(os.path.join(a.folder, "meta.json")))
n, nq, dim = meta["n"], meta["queries"], meta["dim"]
base = np.fromfile(os.path.join(a.folder, "base.f32"), dtype="<f4").reshape(n, dim)
queries = np.fromfile(os.path.join(a.folder, "queries.f32"), dtype="<f4").reshape(nq, dim)
truth = np.fromfile(os.path.join(a.folder, "truth.i32"), dtype="<i4").reshape(nq, 10)

index = hnswlib.Index(space="ip", dim=dim)
index.init_index(max_elements=n, M=a.M, ef_construction=a.ef_construction, random_seed=100)
start, cpu_start = time.perf_counter(), time.process_time()
index.add_items(base, np.arange(n), num_threads=a.threads)
build, build_cpu = time.perf_counter() - start, time.process_time() - cpu_start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux

index.set_num_threads(1)
curve = []
valid = (truth >= 0).sum()
for ef in [int(x) for x in a.ef.split(",")]:
    index.set_ef(ef)
    labels, _ = index.knn_query(queries, k=10, num_threads=1)
    found = sum(len(set(labels[i]) & set(truth[i][truth[i] >= 0])) for i in range(nq))
    times, cpu_times = [], []
    for _ in range(a.runs):
        t, c = time.perf_counter(), time.thread_time()
        index.knn_query(queries, k=10, num_threads=1)
        times.append(time.perf_counter() - t)
        cpu_times.append(time.thread_time() - c)
    curve.append({"ef": ef, "recall_at_10": found / valid, "qps": nq / statistics.median(times),
                  "qps_cpu": nq / statistics.median(cpu_times)})
print(json.dumps({"n": n, "dim": dim, "threads": a.threads, "build_s": build, "build_cpu_s": build_cpu,
                  "peak_rss_mb": rss, "curve": curve}))
