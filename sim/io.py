"""Writing results safely: every file appears complete or not at all (temporary file, then rename); and whether a
folder can take them (:func:`folder_problem`)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Read once, at import: os.umask can only be read by setting it, which would race with other threads later.
UMASK = _read_umask()


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, flush it to disk, then rename it to ``path``
    (atomic on POSIX): a reader, or a crash, sees the old file or the whole new one, never part of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:  # from the moment the file exists: an interrupt anywhere below removes it
        os.close(fd)
        os.chmod(tmp, 0o666 & ~UMASK)  # mkstemp makes it private; results are ordinary files
        write(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_write_json(path: Path, data: Any) -> Path:
    """Write ``data`` as indented JSON to ``path`` atomically."""
    return atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def temporary_name_pattern(name: str) -> str:
    """The glob of the temporary files :func:`atomic_write` makes for a file called ``name`` (``.NAME.*.tmp``)."""
    import glob

    return f".{glob.escape(name)}.*.tmp"


def remove_stale_temporaries(folder: Path, names: tuple[str, ...]) -> list[Path]:
    """Remove the temporary files that a killed writer (SIGKILL, power loss) left beside any of ``names`` in
    ``folder``: only files of :func:`atomic_write`'s own naming pattern, never anything else. Returns them."""
    folder = Path(folder)
    removed = []
    for name in names:
        for stale in folder.glob(temporary_name_pattern(name)):
            if stale.is_file() and not stale.is_symlink():
                stale.unlink(missing_ok=True)
                removed.append(stale)
    return removed


class DigestWriter:
    """A text sink that passes what is written on to ``handle`` and keeps the SHA-256 of its UTF-8 bytes and the
    number of lines, as it streams (so a table's fingerprint needs no second reading of the file)."""

    def __init__(self, handle: Any) -> None:
        import hashlib

        self.handle = handle
        self.sha256 = hashlib.sha256()
        self.lines = 0

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self.sha256.update(data)
        self.lines += data.count(b"\n")
        return self.handle.write(text)


def file_digest(path: Path) -> tuple[int, str]:
    """The number of lines and the SHA-256 of the file at ``path``, read in blocks."""
    import hashlib

    sha, lines = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            sha.update(block)
            lines += block.count(b"\n")
    return lines, sha.hexdigest()


#: The key under which a run's ``summary.json`` records its table's fingerprint (:func:`table_damage`).
FINGERPRINT_KEY = "results_csv"


def table_damage(path: Path, expected: Any) -> str | None:
    """What is wrong with the table at ``path`` against its recorded fingerprint ``expected``
    (``{"rows": N, "sha256": HEX}``, rows without the header line): missing, unreadable, another row count or
    another SHA-256; ``None`` when it matches. Without a fingerprint (a summary written before they were recorded)
    the table only has to exist. The file is hashed in blocks, never parsed."""
    path = Path(path)
    if not path.is_file():
        return f"{path.name} is missing"
    if expected is None:
        return None
    try:
        lines, digest = file_digest(path)
    except OSError as exc:
        return f"{path.name} cannot be read ({exc.strerror or exc})"
    rows = max(lines - 1, 0)
    if isinstance(expected, dict) and rows == expected.get("rows") and digest == expected.get("sha256"):
        return None
    want = expected.get("rows") if isinstance(expected, dict) else None
    count = (
        f"{rows:,} rows where its summary counts {want:,}"
        if isinstance(want, int) and want != rows
        else "its SHA-256 differs from the one its summary recorded"
    )
    return f"{path.name} was changed or cut after the run ({count})"


def folder_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot be a run's (or a sweep's) folder, in words, or ``None``: it is a file, it lies under a
    file, or the nearest folder that exists cannot be written into (no permission, a read-only file system)."""
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            return "is a file, not a folder" if parent == folder else f"lies under {parent}, which is a file"
        if parent.is_dir():
            if not os.access(parent, os.W_OK | os.X_OK):
                where = "" if parent == folder else f" (in {parent})"
                return f"cannot be written{where}: no permission, or a read-only file system"
            return None
    return None
