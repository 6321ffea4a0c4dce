"""The LangChain-style Python ingest pipeline Folio's `folio ingest` is compared with: pypdf page texts (as
PyPDFLoader makes them, one document per page), RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200),
sentence-transformers all-MiniLM-L6-v2 on CPU torch (set_num_threads(--threads), batch 32, normalized). Prints one
JSON object with the wall time of each phase and the total; the vectors are kept in memory only, as an in-memory
vector store would.
"""
import argparse
import glob
import json
import logging
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder")
    parser.add_argument("--model", required=True)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    start = time.perf_counter()
    import torch
    from langchain_text_splitters import RecursiveCharacterTextSplitter
    from pypdf import PdfReader
    from sentence_transformers import SentenceTransformer

    # pypdf warns about fonts it can parse only with the optional fontTools; the text is extracted either way.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    torch.set_num_threads(args.threads)
    model = SentenceTransformer(args.model, device="cpu", local_files_only=True)
    loaded = time.perf_counter()

    pages = []  # (file, page number, text)
    for path in sorted(glob.glob(os.path.join(args.folder, "**", "*.pdf"), recursive=True)):
        for number, page in enumerate(PdfReader(path).pages, start=1):
            pages.append((path, number, page.extract_text() or ""))
    extracted = time.perf_counter()

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = [(path, number, text) for path, number, page in pages for text in splitter.split_text(page)]
    split = time.perf_counter()

    vectors = model.encode([text for _, _, text in chunks], batch_size=32, normalize_embeddings=True,
                           convert_to_numpy=True, show_progress_bar=False)
    embedded = time.perf_counter()

    print(json.dumps({
        "pipeline": "langchain-style", "files": len({p for p, _, _ in pages}), "pages": len(pages),
        "chunks": len(chunks), "dimension": int(vectors.shape[1]),
        "load_model_s": loaded - start, "extract_s": extracted - loaded, "split_s": split - extracted,
        "embed_s": embedded - split, "total_s": embedded - start,
        "total_without_imports_s": embedded - loaded,
    }, sort_keys=True))


if __name__ == "__main__":
    sys.exit(main())
