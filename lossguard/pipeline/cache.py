"""Result cache in ``.lossguard_cache/`` (like ``.ruff_cache``).

One index per (lossguard version and code, Keras target, effective settings): path → the file's content
hash, size and mtime, when the run that checked it started, the hashes of the project modules
it imports (``project.py``), and its findings. The content hashes are the key: a file is
re-checked whenever its bytes, or those of a module it imports, changed.

Size + mtime only let a run skip hashing, and only when they can be trusted: the file's mtime
is older than the start of the run that read it by more than the filesystem's mtime
granularity. Otherwise the entry is "racily clean" (git's word): an edit in the same clock tick
as the read, or during the check, can keep size and mtime, so the content hash decides. A hash
that still matches once the mtime has settled refreshes the entry, so the next run only stats
the file. A malformed index or entry is a miss, never a crash.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from lossguard import __version__
from lossguard.findings import FileResult, result_from_dict, result_to_dict
from lossguard.reading.sources import SourceError, read_bytes, read_guarded

CACHE_DIR = ".lossguard_cache"
MTIME_GRANULARITY_NS = 2_000_000_000  # FAT's 2 s; ext4, APFS and NTFS are far finer
MAX_INDEX_BYTES = 200_000_000  # far beyond the index of any tree; a larger "index" is a miss
# The entry layout (2: the quoted source lines; 3: checked_at is the run's start, not the store
# time); a new layout starts a new index.
FORMAT = 3
# Indexes kept: every upgrade or edit of lossguard, Keras target or setting starts a new one, so
# the folder would only grow. The most recently written are the ones in use (a pre-commit hook,
# an editor and a CI target side by side); older ones are removed when an index is saved.
KEEP_INDEXES = 8


_PACKAGE = Path(__file__).resolve().parent.parent  # lossguard/


def code_fingerprint(package: Path = _PACKAGE) -> str:
    """lossguard's own modules as they are now (names, sizes, mtimes): an edited rule in a
    source checkout (an editable install keeps its version) starts a new index, instead of
    serving the findings the old code made. About a hundred stat calls."""
    parts = []
    for module in sorted(package.rglob("*.py")):
        try:
            info = module.stat()
        except OSError:
            continue
        parts.append(f"{module.relative_to(package)}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


class Cache:
    def __init__(self, root: Path, key: str) -> None:
        self.folder = root / CACHE_DIR
        code = code_fingerprint()
        digest = hashlib.sha256(f"{__version__}|{code}|{FORMAT}|{key}".encode()).hexdigest()[:20]
        self.file = self.folder / f"index-{digest}.json"
        self.entries: dict[str, dict[str, Any]] = {}
        self.dirty = False
        # Before any file of this run is read: an mtime this recent may hide a same-tick edit.
        self.started = time.time_ns()
        try:  # the guarded reader: a committed symlink to /dev/zero or a FIFO is a miss
            loaded = json.loads(read_guarded(self.file, MAX_INDEX_BYTES).decode("utf-8"))
        except (SourceError, ValueError, RecursionError, MemoryError):
            loaded = None
        if isinstance(loaded, dict):
            self.entries = {k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, dict)}

    @staticmethod
    def _stat(path: str) -> tuple[int, int] | None:
        try:
            info = os.stat(path)
        except OSError:
            return None
        return info.st_size, info.st_mtime_ns

    def lookup(self, path: str) -> FileResult | None:
        entry = self.entries.get(path)
        stat = self._stat(path)
        if entry is None or stat is None:
            return None
        trusted = self._trusted(entry, stat)
        if not trusted:
            try:
                digest = hashlib.sha256(read_bytes(path)).hexdigest()
            except SourceError:
                return None
            if digest != entry.get("sha"):
                return None
        if not self._dependencies_unchanged(entry.get("dependencies", {})):
            return None
        try:
            result = result_from_dict(entry["result"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        if result.path != path:
            return None
        if not trusted and self._settled(stat[1], self.started):  # the same bytes, now settled
            entry.update(size=stat[0], mtime=stat[1], checked_at=self.started)
            self.dirty = True
        return result

    @classmethod
    def _trusted(cls, entry: dict[str, Any], stat: tuple[int, int]) -> bool:
        """Size and mtime are unchanged and were already settled when the file was read."""
        checked_at = entry.get("checked_at")
        return (
            isinstance(checked_at, int)
            and cls._settled(stat[1], checked_at)
            and [entry.get("size"), entry.get("mtime")] == list(stat)
        )

    @staticmethod
    def _settled(mtime: int, read_after: int) -> bool:
        return mtime < read_after - MTIME_GRANULARITY_NS

    @staticmethod
    def _dependencies_unchanged(dependencies: object) -> bool:
        """The project modules (and requirements, pipeline/pins.py) the result was made with
        still hold the same bytes; one recorded as absent ("") is still absent."""
        if not isinstance(dependencies, dict):
            return False
        for dependency, sha in dependencies.items():
            try:
                if hashlib.sha256(read_bytes(str(dependency))).hexdigest() != sha:
                    return False
            except SourceError:
                if sha != "":
                    return False
        return True

    def store(self, path: str, result: FileResult) -> None:
        """Remember a checked file's result under the hash of the bytes that were checked."""
        stat = self._stat(path)
        if stat is None or result.digest is None or result.error is not None:
            return
        self.entries[path] = {
            "size": stat[0],
            "mtime": stat[1],
            "checked_at": self.started,  # the bytes were read after this instant
            "sha": result.digest,
            "dependencies": result.dependencies,
            "result": result_to_dict(result),
        }
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _create(self.folder / ".gitignore", "# Automatically created by lossguard.\n*\n")
            _create(
                self.folder / "CACHEDIR.TAG",
                "Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by lossguard.\n",
            )
            temporary = self.file.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(self.entries, separators=(",", ":")), encoding="utf-8")
            temporary.replace(self.file)
        except OSError:
            return  # a read-only tree simply runs uncached
        self._prune()

    def _prune(self) -> None:
        """Remove all but the ``KEEP_INDEXES`` most recently written indexes (this one among
        them); an index another run removes or replaces meanwhile is simply skipped."""
        aged: list[tuple[int, Path]] = []
        for index in self.folder.glob("index-*.json"):
            try:
                aged.append((index.stat().st_mtime_ns, index))
            except OSError:
                continue
        aged.sort(reverse=True)
        for _, stale in aged[KEEP_INDEXES:]:
            if stale != self.file:
                with contextlib.suppress(OSError):  # removed meanwhile, or not ours to remove
                    stale.unlink()


def _create(path: Path, text: str) -> None:
    """Write a new file; an existing name (a dangling symlink too) is left alone."""
    try:
        with open(path, "x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        pass
