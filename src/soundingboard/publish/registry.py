"""The consultations this instance serves, loaded once per process.

`SOUNDINGBOARD_CONSULTATIONS` names folders: each is a consultation folder, or a folder whose
sub-folders are consultation folders. One consultation is served at the root of the site;
several are each served under their own slug.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.http import Http404

from .consultation import Consultation
from .errors import ConsultationError, Problem
from .loader import consultation_slug, is_consultation_folder, load_consultation


@dataclass
class Registry:
    consultations: dict[str, Consultation] = field(default_factory=dict)

    @property
    def single(self) -> Consultation | None:
        """The consultation, when there is exactly one (it is then served at the root)."""
        if len(self.consultations) == 1:
            return next(iter(self.consultations.values()))
        return None

    def get(self, slug: str) -> Consultation | None:
        return self.consultations.get(slug)

    @property
    def warnings(self) -> list[str]:
        return [w for c in self.consultations.values() for w in c.warnings]


def consultation_folders(sources: list[Path]) -> list[Path]:
    """Expand the configured folders into the consultation folders they hold."""
    folders: list[Path] = []
    for source in sources:
        source = source.expanduser().resolve()
        if not source.is_dir():
            raise ConsultationError(
                [Problem(source, "does not exist", "give the path of a consultation folder")]
            )
        if is_consultation_folder(source):
            folders.append(source)
            continue
        found = sorted(p for p in source.iterdir() if p.is_dir() and is_consultation_folder(p))
        outside = [p for p in found if not p.resolve().is_relative_to(source)]
        if outside:
            raise ConsultationError(
                [
                    Problem(
                        p,
                        f"is a link to a folder outside {source} (it leads to {p.resolve()})",
                        "give that folder to soundingboard by its own path if it is to be served",
                    )
                    for p in outside
                ]
            )
        if not found:
            raise ConsultationError(
                [
                    Problem(
                        source,
                        "holds no consultation.yml or mkdocs.yml, nor any folder that does",
                        "run `soundingboard init FOLDER` to make a consultation folder",
                    )
                ]
            )
        folders.extend(found)
    return folders


def load_registry(sources: list[Path]) -> Registry:
    """Load every consultation; all problems across all folders are reported together."""
    folders = consultation_folders(sources)
    several = len(folders) > 1
    registry = Registry()
    problems: list[Problem] = []
    for folder in folders:
        try:
            prefix = f"/{consultation_slug(folder)}/" if several else "/"
            consultation = load_consultation(folder, url_prefix=prefix)
        except ConsultationError as error:
            problems.extend(error.problems)
            continue
        if consultation.slug in registry.consultations:
            other = registry.consultations[consultation.slug].root
            problems.append(
                Problem(
                    folder,
                    f"has the slug “{consultation.slug}”, already used by {other}",
                    "give one of them another `slug:` in consultation.yml",
                )
            )
            continue
        registry.consultations[consultation.slug] = consultation
    if problems:
        raise ConsultationError(problems)
    return registry


_lock = threading.Lock()
_registry: Registry | None = None


def get_registry() -> Registry:
    """The registry for the configured folders, loaded on first use."""
    global _registry
    if _registry is None:
        with _lock:
            if _registry is None:
                sources = [Path(p) for p in settings.SOUNDINGBOARD_CONSULTATIONS]
                _registry = load_registry(sources)
    return _registry


def reset_registry() -> None:
    """Forget the loaded consultations (tests, and after the configured folders change)."""
    global _registry
    with _lock:
        _registry = None


def get_consultation(slug: str) -> Consultation:
    """The consultation with this slug, or a 404 page."""
    consultation = get_registry().get(slug)
    if consultation is None:
        raise Http404("No such consultation")
    return consultation
