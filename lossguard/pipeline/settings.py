"""The effective settings of a run: which codes, which files, which Keras, how severe.

Plain data shared by the face (which builds it from flags and configuration files), the engine
and the cache (which keys results on its fingerprint).
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from lossguard.findings import Severity


@dataclass
class Settings:
    select: list[str] = field(default_factory=lambda: ["LG"])
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    keras_version: str | None = None
    probe: bool = False
    probe_timeout: float = 120.0
    follow_imports: bool = True  # read the project modules a checked file imports
    respect_gitignore: bool = True  # leave out what .gitignore/.ignore files leave out
    fix: bool = False  # --fix by default (config `fix = true`)
    unsafe_fixes: bool = False
    fixable: list[str] = field(default_factory=lambda: ["ALL"])  # codes --fix may fix
    unfixable: list[str] = field(default_factory=list)  # codes it never fixes
    severity: dict[str, str] = field(default_factory=dict)
    root: str = "."  # the folder relative paths and globs are taken from
    config_file: str | None = None

    def enabled(self, code: str, path: str | None = None) -> bool:
        if not _matches(code, self.select) or _matches(code, self.ignore):
            return False
        if path is not None and self.per_file_ignores:
            relative = self.relative(path)
            for pattern, codes in self.per_file_ignores.items():
                if _glob(relative, pattern) and _matches(code, codes):
                    return False
        return True

    def fix_enabled(self, code: str) -> bool:
        return _matches(code, self.fixable) and not _matches(code, self.unfixable)

    def relative(self, path: str) -> str:
        try:
            # abspath, not resolve(): the path as given (a symlink loop must not raise here)
            return Path(os.path.abspath(path)).relative_to(os.path.abspath(self.root)).as_posix()
        except ValueError:
            return Path(path).as_posix()

    def excluded(self, path: Path) -> bool:
        relative = self.relative(str(path))
        return any(_glob(relative, pattern) or _glob(path.name, pattern) for pattern in self.exclude)

    def severity_of(self, code: str, default: Severity) -> Severity:
        value = self.severity.get(code)
        return Severity(value) if value else default

    def fingerprint(self) -> str:
        """What the cached results depend on (besides content and version)."""
        data = asdict(self)
        data.pop("probe_timeout", None)
        data.pop("root", None)
        data.pop("config_file", None)
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _matches(code: str, selectors: list[str]) -> bool:
    return any(s == "ALL" or code.startswith(s) for s in selectors)


def _glob(path: str, pattern: str) -> bool:
    pattern = pattern.rstrip("/")
    if fnmatch.fnmatch(path, pattern):
        return True
    posix = PurePosixPath(path)
    if posix.match(pattern):
        return True
    # a folder name or folder glob excludes everything below it
    return any(fnmatch.fnmatch(part, pattern) for part in posix.parts[:-1]) or any(
        fnmatch.fnmatch(str(parent), pattern) for parent in posix.parents if str(parent) != "."
    )
