"""The project around a checked file: the local modules it imports, found as Python finds them.

A training script often keeps its model elsewhere (``from model import build_model``,
``from .nets import UNet``). Python looks for such a module beside the script (the script's
folder is first on ``sys.path``), and a module inside a package is found from the folder that
holds the top package. This module finds those files, reads them once, and gives the static
extractor a loader over exactly the files it read, so the cache can key a result on their
content too. Bounded: ``MAX_DEPTH`` imports deep, ``MAX_MODULES`` files a checked file.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field

from lossguard.reading.sources import SourceError, decode, read_bytes

MAX_DEPTH = 3  # as the evaluator's MAX_IMPORT_DEPTH
MAX_MODULES = 16
MAX_PACKAGE_LEVELS = 8
# Installed libraries a script imports by these names; a file of the project that shadowed them
# would be a different problem (and following it would read the wrong thing as Keras).
LIBRARIES = frozenset(
    {"keras", "tensorflow", "tf_keras", "numpy", "pandas", "sklearn", "scipy", "torch", "matplotlib"}
)
_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+(\.*)[ \t]*([\w.]*)[ \t]+import[ \t]+\(?([\w, \t]*)|import[ \t]+([\w., \t]+))",
    re.MULTILINE,
)


def module_file(importer: str, module: str, level: int) -> str | None:
    """The project file ``import module`` (``level`` leading dots) means in ``importer``."""
    parts = [p for p in module.split(".") if p]
    if not level and (not parts or parts[0] in LIBRARIES):
        return None
    here = os.path.dirname(os.path.abspath(importer))
    if level:
        roots = [here]
        for _ in range(level - 1):
            roots = [os.path.dirname(roots[0])]
    else:
        top = _above_top_package(here)
        roots = [here] if top == here else [here, top]
    for root in roots:
        stem = os.path.join(root, *parts)
        for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
            if os.path.isfile(candidate):
                return candidate if os.path.isabs(importer) else os.path.relpath(candidate)
    return None


def _above_top_package(folder: str) -> str:
    """The folder holding the outermost package around ``folder`` (``folder`` itself if none)."""
    current = folder
    for _ in range(MAX_PACKAGE_LEVELS):
        if not os.path.isfile(os.path.join(current, "__init__.py")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return current
        current = parent
    return current


def imported_modules(data: bytes) -> list[tuple[str, int]]:
    """Every (module, level) an import statement names, and ``pkg.name`` for
    ``from pkg import name`` (``name`` may be a submodule). Read by pattern: cheap, and a
    module missed here is simply not followed."""
    found: list[tuple[str, int]] = []
    for match in _IMPORT.finditer(data):
        dots, module, names, plain = match.groups()
        if plain is not None:
            for item in plain.decode("ascii", "replace").split(","):
                words = item.split()
                if words:
                    found.append((words[0], 0))
            continue
        level = len(dots)
        base = module.decode("ascii", "replace")
        if base or level:
            if base:
                found.append((base, level))
            for item in (names or b"").decode("ascii", "replace").split(","):
                words = item.split()
                if words and words[0].isidentifier():
                    found.append((f"{base}.{words[0]}" if base else words[0], level))
    return found


@dataclass
class Project:
    """The project modules a checked file imports, directly or through each other."""

    files: dict[str, bytes] = field(default_factory=dict)  # path → bytes, in the order found
    _texts: dict[str, str] = field(default_factory=dict)
    _found: dict[tuple[str, str, int], str | None] = field(default_factory=dict)

    def module_file(self, importer: str, module: str, level: int) -> str | None:
        """``module_file``, remembered for this file's check (the loader asks again)."""
        key = (os.path.dirname(importer), module, level)
        if key not in self._found:
            self._found[key] = module_file(importer, module, level)
        found = self._found[key]
        return None if found is not None and os.path.abspath(found) == os.path.abspath(importer) else found

    @classmethod
    def around(cls, path: str, data: bytes) -> Project:
        project = cls()
        checked = os.path.abspath(path)
        frontier = [(path, data)]
        for _ in range(MAX_DEPTH):
            following: list[tuple[str, bytes]] = []
            for importer, content in frontier:
                for module, level in imported_modules(content):
                    found = project.module_file(importer, module, level)
                    if found is None or found in project.files or os.path.abspath(found) == checked:
                        continue
                    if len(project.files) >= MAX_MODULES:
                        return project
                    try:
                        project.files[found] = read_bytes(found)
                    except SourceError:
                        continue
                    following.append((found, project.files[found]))
            frontier = following
        return project

    def joined(self) -> bytes:
        return b"\n".join(self.files.values())

    def digests(self) -> dict[str, str]:
        return {path: hashlib.sha256(data).hexdigest() for path, data in self.files.items()}

    def texts(self) -> dict[str, str]:
        """The modules read and decoded for this check (for the lines reporters show)."""
        return dict(self._texts)

    def load(self, importer: str, module: str, level: int) -> tuple[str, str] | None:
        """The static extractor's ``Loader``: only the files read here, so the result depends
        on exactly the content the cache keys it on."""
        found = self.module_file(importer, module, level)
        if found is None or found not in self.files:
            return None
        if found not in self._texts:
            try:
                self._texts[found] = decode(self.files[found], found)
            except SourceError:
                return None
        return found, self._texts[found]
