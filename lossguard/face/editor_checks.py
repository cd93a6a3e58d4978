"""What an editor buffer or a notebook gets checked as, and a cache of the answers.

Kept free of pygls/lsprotocol so that it is tested without a client: the language server
(``face/server.py``) asks :class:`EditorChecks` for the findings of a text under a file name, and
a keystroke that leads back to a text already checked (undo) costs a dictionary look-up.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from lossguard.api import CheckError, Finding, check
from lossguard.pipeline.pins import PIN_FILE_NAMES

CACHE_SIZE = 256  # documents × versions kept; a finding list is a few hundred bytes


@dataclass(frozen=True)
class Outcome:
    findings: tuple[Finding, ...]
    error: str | None = None  # a configuration problem: said once, as a diagnostic at the top


def path_of(uri: str, suffix: str = ".py") -> str:
    """The file a document URI names; an unsaved buffer (``untitled:``) gets a name in the
    working folder, so that the configuration found is the project's."""
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        path = unquote(parsed.path)
        if os.name == "nt" and path.startswith("/") and len(path) > 2 and path[2] == ":":
            path = path[1:]
    else:
        path = str(Path.cwd() / (Path(unquote(parsed.path)).name or "untitled"))
    return path if path.endswith(suffix) else path + suffix


def notebook_json(cells: Sequence[str]) -> str:
    """The code cells as an nbformat-4 notebook, the form ``lossguard check`` reads from disk."""
    return json.dumps(
        {
            "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": c} for c in cells],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


class EditorChecks:
    """``lossguard.check`` on texts, remembered by (file name, content hash, settings)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._cache: OrderedDict[tuple[str, str, str], Outcome] = OrderedDict()
        self._size = size
        self.runs = 0  # checks actually run (the rest came from the cache)

    def check(self, path: str, text: str) -> Outcome:
        key = (path, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), _config_stamp(path))
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        self.runs += 1
        try:
            data = text.encode("utf-8", "surrogatepass")  # bytes: always source, never a path
            outcome = Outcome(check(data, filename=path).findings)
        except CheckError as exc:
            outcome = Outcome((), str(exc))
        self._cache[key] = outcome
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return outcome


def _config_stamp(path: str) -> str:
    """Which configuration files (and requirements that may pin Keras, pipeline/pins.py) could apply
    to ``path`` and when they changed: an edited ``pyproject.toml``, ``requirements.txt`` or
    ``environment.yml`` must not be answered from the cache."""
    stamps = []
    folder = Path(path).parent
    for candidate in (folder, *folder.parents):
        for name in ("lossguard.toml", *PIN_FILE_NAMES):
            try:
                stamps.append(f"{candidate / name}:{(candidate / name).stat().st_mtime_ns}")
            except OSError:
                continue
    return "|".join(stamps)
