"""Configuration: ``[tool.lossguard]`` in the nearest ``pyproject.toml`` or a ``lossguard.toml``.

Found from the checked paths upwards, like ruff. CLI flags win over the file. Unknown keys and
unknown codes are errors that name the key and the file.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from lossguard.findings import Severity


class ConfigError(Exception):
    """A configuration problem the user must fix; the message says where."""


KNOWN_KEYS = {
    "select",
    "ignore",
    "extend-select",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "keras-version",
    "probe",
    "probe-timeout",
    "severity",
}


@dataclass
class Settings:
    select: list[str] = field(default_factory=lambda: ["LG"])
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    keras_version: str | None = None
    probe: bool = False
    probe_timeout: float = 120.0
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

    def relative(self, path: str) -> str:
        try:
            return Path(path).resolve().relative_to(Path(self.root).resolve()).as_posix()
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


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest lossguard.toml or pyproject.toml with [tool.lossguard], from start upwards."""
    folder = start if start.is_dir() else start.parent
    folder = folder.resolve()
    for candidate in (folder, *folder.parents):
        own = candidate / "lossguard.toml"
        if own.is_file():
            return own, _load(own, section=None)
        project = candidate / "pyproject.toml"
        if project.is_file():
            table = _load(project, section="lossguard")
            if table is not None:
                return project, table
    return None


def load_config(path: Path) -> dict[str, Any]:
    """The lossguard table of a config file given by name (``--config``)."""
    if path.name == "pyproject.toml":
        return _load(path, section="lossguard") or {}
    return _load(path, section=None)


def _load(path: Path, section: str | None) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if section is None:
        return data
    tool = data.get("tool", {})
    return tool.get(section) if isinstance(tool, dict) else None  # type: ignore[return-value]


def settings_from(path: Path | None, table: dict[str, Any] | None, known_codes: set[str]) -> Settings:
    settings = Settings()
    if path is None or table is None:
        return settings
    where = f"{path}"
    settings.root = str(path.parent)
    settings.config_file = str(path)
    for key in table:
        if key not in KNOWN_KEYS:
            raise ConfigError(
                f"{where}: unknown key '{key}' in lossguard settings (known: {', '.join(sorted(KNOWN_KEYS))})"
            )

    def codes(key: str, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: '{key}' must be a list of rule codes")
        return validate_codes(value, known_codes, f"{where}: '{key}'")

    if "select" in table:
        settings.select = codes("select", table["select"])
    if "extend-select" in table:
        settings.select = settings.select + codes("extend-select", table["extend-select"])
    if "ignore" in table:
        settings.ignore = codes("ignore", table["ignore"])
    if "per-file-ignores" in table:
        value = table["per-file-ignores"]
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: 'per-file-ignores' must be a table of glob = [codes]")
        settings.per_file_ignores = {glob: codes(f"per-file-ignores.{glob}", c) for glob, c in value.items()}
    for key in ("exclude", "extend-exclude"):
        if key in table:
            value = table[key]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: '{key}' must be a list of glob patterns")
            settings.exclude += value
    if "keras-version" in table:
        value = table["keras-version"]
        if not isinstance(value, str | int | float):
            raise ConfigError(f"{where}: 'keras-version' must be a string such as \"2.3\"")
        settings.keras_version = str(value)
    if "probe" in table:
        if not isinstance(table["probe"], bool):
            raise ConfigError(f"{where}: 'probe' must be true or false")
        settings.probe = table["probe"]
    if "probe-timeout" in table:
        value = table["probe-timeout"]
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            raise ConfigError(f"{where}: 'probe-timeout' must be a positive number of seconds")
        settings.probe_timeout = float(value)
    if "severity" in table:
        value = table["severity"]
        if not isinstance(value, dict):
            raise ConfigError(f'{where}: \'severity\' must be a table of CODE = "error"|"warning"')
        for code, level in value.items():
            if code not in known_codes:
                raise ConfigError(f"{where}: 'severity': unknown rule code '{code}'")
            if level not in ("error", "warning"):
                raise ConfigError(f'{where}: \'severity.{code}\' must be "error" or "warning", not {level!r}')
            settings.severity[code] = level
    return settings


def validate_codes(values: list[str], known: set[str], where: str) -> list[str]:
    out = []
    for raw in values:
        code = raw.strip().upper()
        if code == "ALL" or any(k.startswith(code) for k in known):
            out.append(code)
        else:
            raise ConfigError(f"{where}: unknown rule code '{raw}' (see `lossguard rules`)")
    return out
