"""Encode throughput of the product's encoder on whatever device is there (CPU or GPU).

    .venv/bin/python benchmarks/embeddings_device.py --texts 50000 --json out.json
    python3 benchmarks/embeddings_device.py --model PATH --device cuda \\
        --batch-sizes 128,512,2048 --reference ref.npz

The texts are the catalog's own (skill names and descriptions, the aliases learners
type, course and lesson titles), made unique and repeated with numbered variants up to
``--texts``, so their lengths are the ones a nightly run encodes. For each batch size
it times :meth:`models.embeddings.TextEncoder.encode` (length sorting, order
restoring) against a bare ``SentenceTransformer.encode`` of the same texts, after one
warm-up batch, and prints texts/s.

``--save-reference FILE`` writes the first 2,000 texts and their vectors (``.npz``);
``--reference FILE`` on another machine re-encodes those texts there and reports the
smallest cosine between the two sets: the vectors a GPU writes into the embedding cache
must be interchangeable with the CPU's (the cache is keyed by model, not by device).

Needs only numpy, pandas, PyYAML and sentence-transformers: it runs on an accelerator
machine without the rest of learnerai's dependencies.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from features.catalog import load_catalog  # noqa: E402
from models.embeddings import DEFAULT_MODEL, TextEncoder  # noqa: E402

REFERENCE_TEXTS = 2000


def catalog_texts(n: int) -> list[str]:
    """``n`` unique texts of catalog shape: the catalog's own, then numbered variants."""
    catalog = load_catalog()
    skills = catalog.skills
    base = [*skills["name"], *(skills["name"] + " — " + skills["description"].fillna("")),
            *catalog.skill_aliases["alias"], *catalog.courses["title"],
            *catalog.content_items["title"]]
    unique = list(dict.fromkeys(str(t) for t in base if str(t).strip()))
    texts = unique[:n]
    round_ = 1
    while len(texts) < n:
        texts.extend(f"{t} {round_}" for t in unique[: n - len(texts)])
        round_ += 1
    return texts


def bare_encode(encoder: TextEncoder, texts: list[str], batch_size: int) -> np.ndarray:
    return encoder._load().encode(texts, batch_size=batch_size, convert_to_numpy=True,
                                  normalize_embeddings=True, show_progress_bar=False)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--device", default=None, help="cpu, cuda, ... (default: auto)")
    parser.add_argument("--texts", type=int, default=20000)
    parser.add_argument("--batch-sizes", default="128,512")
    parser.add_argument("--save-reference", type=Path)
    parser.add_argument("--reference", type=Path)
    parser.add_argument("--json", type=Path)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    texts = catalog_texts(args.texts)
    encoder = TextEncoder(args.model, device=args.device)
    model = encoder._load()
    device = str(model.device)
    import torch

    name = torch.cuda.get_device_name(0) if device.startswith("cuda") else "cpu"
    dtype = str(next(model.parameters()).dtype)
    result: dict = {"device": device, "device_name": name, "dtype": dtype, "texts": len(texts),
                    "mean_chars": float(np.mean([len(t) for t in texts])),
                    "torch": torch.__version__, "runs": []}
    print(f"{len(texts):,} texts (mean {result['mean_chars']:.0f} chars) on {device} "
          f"({name}, {dtype})")
    print("| batch | TextEncoder texts/s | bare texts/s | ratio |")
    print("| ---: | ---: | ---: | ---: |")
    for batch in (int(b) for b in args.batch_sizes.split(",")):
        encoder.batch_size = batch
        encoder.encode(texts[:batch])  # warm-up: kernels, allocator, tokenizer
        ours = timed(lambda: encoder.encode(texts))
        bare = timed(lambda b=batch: bare_encode(encoder, texts, b))
        run = {"batch_size": batch, "encoder_s": ours, "bare_s": bare,
               "encoder_texts_per_s": len(texts) / ours, "bare_texts_per_s": len(texts) / bare}
        result["runs"].append(run)
        print(f"| {batch} | {run['encoder_texts_per_s']:,.0f} | "
              f"{run['bare_texts_per_s']:,.0f} | {ours / bare:.2f}x |")
    sample = texts[:REFERENCE_TEXTS]
    if args.save_reference:
        np.savez_compressed(args.save_reference, texts=np.array(sample, dtype=object),
                            vectors=encoder.encode(sample))
    if args.reference:
        saved = np.load(args.reference, allow_pickle=True)
        theirs = saved["vectors"].astype(np.float32)
        mine = encoder.encode([str(t) for t in saved["texts"]])
        cosine = np.sum(mine * theirs, axis=1)
        result["reference_min_cosine"] = float(cosine.min())
        result["reference_mean_cosine"] = float(cosine.mean())
        print(f"against the reference vectors: min cosine {cosine.min():.6f}, "
              f"mean {cosine.mean():.6f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
