"""`soundingboard build-static-embedding`: the static embedding built into the data directory,
or a refusal that says why it cannot be built here. The distillation itself (a minute of
PyTorch) is tested in themes/test_representations.py; here it is replaced by a stand-in."""

from __future__ import annotations

from pathlib import Path

from soundingboard.analyse.themes.engine import static_embedding
from soundingboard.analyse.themes.engine.sentence_model import RepresentationUnavailable
from soundingboard.cli import main


def test_builds_the_static_embedding_in_the_data_directory(monkeypatch, settings, capsys):
    asked = []

    def build(data_dir: Path, *, progress) -> Path:
        asked.append(data_dir)
        progress(1, 1)
        return data_dir / "static-embedding"

    monkeypatch.setattr(static_embedding, "build_static_embedding", build)
    assert main(["build-static-embedding"]) == 0
    out = capsys.readouterr().out
    assert asked == [Path(settings.DATA_DIR)]
    assert f"Built the static embedding in {Path(settings.DATA_DIR) / 'static-embedding'}." in out
    assert "Use it with: soundingboard themes CONSULTATION --representation static" in out


def test_says_why_it_cannot_be_built_here(monkeypatch, capsys):
    def build(data_dir: Path, *, progress) -> Path:
        raise RepresentationUnavailable("the sentence model is not installed: install the extra")

    monkeypatch.setattr(static_embedding, "build_static_embedding", build)
    assert main(["build-static-embedding"]) == 1
    err = capsys.readouterr().err
    assert "soundingboard: the sentence model is not installed: install the extra" in err
