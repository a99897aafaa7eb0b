"""Writing a bundled model's folder (the static embedding, the sentence model): built in a
folder beside it and moved into place, its NOTICE and LICENSE kept, its files' SHA-256
recorded in ``SHA256SUMS`` (which a test checks the shipped files against).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

CHECKSUMS = "SHA256SUMS"
KEPT = ("NOTICE", "LICENSE")  # written by people, not by the build: carried over


def replace_folder(target: Path, files: Sequence[str], write: Callable[[Path], None]) -> Path:
    """`write(folder)` the model's files into a new folder, which then replaces `target`
    (a reader never sees half a model); return `target`. Files of `target` named in `KEPT`
    stay; every other file `write` leaves that is not in `files` is removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp's folder is private; the model need not be
    try:
        write(staging)
        for path in staging.iterdir():
            if path.name not in files:
                path.unlink()
            else:
                path.chmod(0o644)
        if target.exists():
            for name in KEPT:
                if (target / name).exists():
                    shutil.copy2(target / name, staging / name)
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    (target / CHECKSUMS).write_text(checksums(target, files), encoding="utf-8")
    return target


def rebuild(build: Callable[[Path], Path], shipped: Path, *, check: bool) -> int:
    """What scripts/build_*_model.py do: `build(folder)` into the package, and print its size
    and SHA-256; or, with `check`, into a temporary folder, and say whether its files are the
    shipped ones. Returns the exit status (1: they differ)."""
    started = time.perf_counter()
    if check:
        with tempfile.TemporaryDirectory() as folder:
            built = build(Path(folder) / shipped.name)
            same = (built / CHECKSUMS).read_text() == (shipped / CHECKSUMS).read_text()
        print(f"{'Same as' if same else 'Different from'} the shipped model.")
        return 0 if same else 1
    built = build(shipped)
    size = sum(path.stat().st_size for path in built.iterdir()) / 1e6
    print(f"Built {built} ({size:.1f} MB) in {time.perf_counter() - started:.0f} s.")
    print((built / CHECKSUMS).read_text(), end="")
    return 0


def checksums(folder: Path, files: Sequence[str]) -> str:
    """The SHA-256 of the model's files, in the format of `sha256sum`."""
    lines = []
    for name in files:
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        lines.append(f"{digest}  {name}\n")
    return "".join(lines)


def package_version(package: str) -> str:
    """An installed package's version, for the record of how a model was made."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


@contextmanager
def quiet_logger(name: str = "") -> Iterator[None]:
    """A logger (the root logger by default) held at errors only while a model is built:
    the libraries report every step, and warn of things that do not apply here."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
