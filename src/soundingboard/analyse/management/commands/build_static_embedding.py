"""`soundingboard build-static-embedding`: distil the static embedding (for `themes
--representation static`) from the sentence model, once, into the data directory.

Exit status: 0 built, 1 not possible here (the message says why).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from soundingboard.core.commands import SoundingboardCommand, progress_bar


class Command(SoundingboardCommand):
    help = "distil the static embedding from the sentence model, once"
    description = (
        "Make the fast static embedding (for themes --representation static) from the "
        "all-MiniLM-L6-v2 sentence model, on this machine, and keep it in the data directory. "
        "Needs the embeddings extra once; later runs need neither it nor PyTorch."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        from soundingboard.analyse.themes.engine.sentence_model import RepresentationUnavailable
        from soundingboard.analyse.themes.engine.static_embedding import build_static_embedding

        self.stdout.write(
            "Distilling the static embedding from the sentence model (about a minute)…"
        )
        with progress_bar(self.stream(self.stderr)) as (_, progress):
            try:
                folder = build_static_embedding(Path(settings.DATA_DIR), progress=progress)
            except RepresentationUnavailable as error:
                self.refuse(str(error))
        self.stdout.write(f"Built the static embedding in {folder}.")
        self.stdout.write("Use it with: soundingboard themes CONSULTATION --representation static")
