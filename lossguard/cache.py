"""Result cache in ``.lossguard_cache/`` (like ``.ruff_cache``).

One index per (lossguard version, Keras target, effective settings): path → file size, mtime
and content hash, with the file's findings. An unchanged file costs one ``stat``; a touched but
unchanged file costs a read and a hash.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from lossguard import __version__
from lossguard.findings import FileResult, result_from_dict, result_to_dict

CACHE_DIR = ".lossguard_cache"


class Cache:
    def __init__(self, root: Path, key: str) -> None:
        self.folder = root / CACHE_DIR
        digest = hashlib.sha256(f"{__version__}|{key}".encode()).hexdigest()[:20]
        self.file = self.folder / f"index-{digest}.json"
        self.entries: dict[str, dict[str, Any]] = {}
        self.dirty = False
        try:
            loaded = json.loads(self.file.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self.entries = loaded
        except (OSError, ValueError):
            self.entries = {}

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
        if (entry.get("size"), entry.get("mtime")) != stat:
            try:
                digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            except OSError:
                return None
            if digest != entry.get("sha"):
                return None
            entry["size"], entry["mtime"] = stat
            self.dirty = True
        try:
            return result_from_dict(entry["result"])
        except (KeyError, TypeError, ValueError):
            return None

    def store(self, path: str, result: FileResult) -> None:
        stat = self._stat(path)
        if stat is None or result.error is not None:
            return
        try:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            return
        self.entries[path] = {
            "size": stat[0],
            "mtime": stat[1],
            "sha": digest,
            "result": result_to_dict(result),
        }
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Automatically created by lossguard.\n*\n", encoding="utf-8")
            tag = self.folder / "CACHEDIR.TAG"
            if not tag.exists():
                tag.write_text(
                    "Signature: 8a477f597d28d172789f06886806bc55\n"
                    "# This file is a cache directory tag created by lossguard.\n",
                    encoding="utf-8",
                )
            temporary = self.file.with_suffix(".tmp")
            temporary.write_text(json.dumps(self.entries, separators=(",", ":")), encoding="utf-8")
            temporary.replace(self.file)
        except OSError:
            pass  # a read-only tree simply runs uncached
