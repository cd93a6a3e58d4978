"""Configuration: ``[tool.lossguard]`` in the nearest ``pyproject.toml`` or a ``lossguard.toml``.

Found from the checked paths upwards, like ruff. CLI flags win over the file. Unknown keys and
unknown codes are errors that name the key and the file.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from lossguard.pipeline.settings import Settings
from lossguard.reading.sources import SourceError, read_guarded


class ConfigError(Exception):
    """A configuration problem the user must fix; the message says where."""


MAX_CONFIG_BYTES = 10_000_000  # a pyproject.toml; a larger one is refused, not read
KNOWN_KEYS = {
    "select",
    "ignore",
    "extend-select",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "follow-imports",
    "respect-gitignore",
    "fix",
    "unsafe-fixes",
    "fixable",
    "unfixable",
    "keras-version",
    "probe",
    "probe-timeout",
    "severity",
}


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest lossguard.toml or pyproject.toml with [tool.lossguard], from start upwards."""
    folder = start if start.is_dir() else start.parent
    try:
        folder = folder.resolve()
    except (OSError, RuntimeError):  # a symlink loop: look from the path as given
        folder = Path(os.path.abspath(folder))
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
        data = tomllib.loads(read_guarded(path, MAX_CONFIG_BYTES).decode("utf-8"))
    except SourceError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except (RecursionError, MemoryError):
        raise ConfigError(f"{path}: invalid TOML: nested too deeply to read") from None
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
        if isinstance(value, float):  # 2.10 in TOML is the number 2.1: the version is lost
            raise ConfigError(
                f"{where}: 'keras-version' = {value!r} is a TOML number, which drops trailing zeros "
                f'(2.10 reads as 2.1); quote the version: keras-version = "{value}"'
            )
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ConfigError(f"{where}: 'keras-version' must be a string such as \"2.3\"")
        settings.keras_version = str(value)
    for key, attribute in (("fix", "fix"), ("unsafe-fixes", "unsafe_fixes")):
        if key in table:
            if not isinstance(table[key], bool):
                raise ConfigError(f"{where}: '{key}' must be true or false")
            setattr(settings, attribute, table[key])
    if "fixable" in table:
        settings.fixable = codes("fixable", table["fixable"])
    if "unfixable" in table:
        settings.unfixable = codes("unfixable", table["unfixable"])
    if "follow-imports" in table:
        if not isinstance(table["follow-imports"], bool):
            raise ConfigError(f"{where}: 'follow-imports' must be true or false")
        settings.follow_imports = table["follow-imports"]
    if "respect-gitignore" in table:
        if not isinstance(table["respect-gitignore"], bool):
            raise ConfigError(f"{where}: 'respect-gitignore' must be true or false")
        settings.respect_gitignore = table["respect-gitignore"]
    if "probe" in table:
        if not isinstance(table["probe"], bool):
            raise ConfigError(f"{where}: 'probe' must be true or false")
        settings.probe = table["probe"]
    if "probe-timeout" in table:
        value = table["probe-timeout"]
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= 86_400:
            raise ConfigError(f"{where}: 'probe-timeout' must be a number of seconds in (0, 86400]")
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


def load_settings(paths: list[str], config: Path | None, known_codes: set[str]) -> Settings:
    """The settings a run over ``paths`` uses: ``config`` when given, else the nearest
    configuration file above the first path (the working folder for stdin or a missing path).
    The CLI, the Python API, the language server and the notebook extension all read it here."""
    if config is not None:
        if not config.is_file():
            raise ConfigError(f"{config}: no such configuration file")
        return settings_from(config, load_config(config), known_codes)
    start = Path(paths[0]) if paths and paths[0] != "-" else Path.cwd()
    if not start.exists():
        start = start.parent if start.parent.exists() else Path.cwd()  # an unsaved editor buffer
    found = find_config(start)
    if found is None:
        return settings_from(None, None, known_codes)
    return settings_from(found[0], found[1], known_codes)


def validate_codes(values: list[str], known: set[str], where: str) -> list[str]:
    out = []
    for raw in values:
        code = raw.strip().upper()
        if code == "ALL" or any(k.startswith(code) for k in known):
            out.append(code)
        else:
            raise ConfigError(f"{where}: unknown rule code '{raw}' (see `lossguard rules`)")
    return out
