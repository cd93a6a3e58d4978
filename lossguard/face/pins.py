"""The Keras a project pins: ``keras==2.3.1`` or ``tensorflow==2.4.1`` in its requirements.

lossguard often runs where the project's Keras is not installed (a pre-commit hook's own
environment, CI, an editor's interpreter), and then only guesses the Keras a script targets. A
project that pins its Keras says which one. From the checked path upwards, the first folder
with a ``requirements.txt`` or a ``pyproject.toml`` that pins ``keras`` or ``tensorflow``
(``==``/``===``, or ``~=`` for its release line) gives the pin; the search stops at the
repository's root (the folder holding ``.git``). A lower bound (``>=``) pins nothing. A
``keras`` pin wins over a ``tensorflow`` one (``keras==2.3.1`` is the multi-backend Keras that
ran on that TensorFlow). A pin is a default, not an order: ``--keras-version`` and the
configuration win over it, and a script whose own API contradicts it is read by its API
(``keras/semantics.for_script``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lossguard.reading.sources import SourceError, read_guarded

MAX_PIN_FILE_BYTES = 1_000_000

_REQUIREMENT = re.compile(
    r"^\s*(?P<name>keras|tensorflow(?:[-_](?:cpu|gpu|macos|intel))?)\s*(?:\[[^\]]*\])?\s*"
    r"(?P<op>===|==|~=)\s*v?(?P<version>\d+(?:\.\d+){0,2})(?:\.\*)?\s*(?:[;#,]|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Pin:
    spec: str  # for semantics.parse_target: "2.3.1" (keras) or "tf2.4.1" (tensorflow)
    file: Path
    requirement: str  # as written, for messages


def find_pin(start: Path) -> Pin | None:
    """The nearest pin from ``start`` (a file or a folder) upwards, or None."""
    folder = start if start.is_dir() else start.parent
    try:
        folder = folder.resolve()
    except (OSError, RuntimeError):
        return None
    for candidate in (folder, *folder.parents):
        for name, read in (("requirements.txt", _requirements), ("pyproject.toml", _pyproject)):
            path = candidate / name
            if path.is_file():
                pin = _pick(path, read(path))
                if pin is not None:
                    return pin
        if (candidate / ".git").exists():
            return None  # the repository's root: a pin above it belongs to another project
    return None


def pin_of(lines: list[str]) -> tuple[str, str] | None:
    """(spec, requirement) of the Keras the requirement lines pin, or None."""
    keras = tensorflow = None
    for line in lines:
        match = _REQUIREMENT.match(line)
        if match is None:
            continue
        name, version = match["name"].lower(), match["version"]
        written = f"{match['name']}{match['op']}{version}"  # without extras, markers, comments
        if name == "keras":
            keras = keras or (version, written)
        else:
            tensorflow = tensorflow or (f"tf{version}", written)
    return keras or tensorflow


def _pick(path: Path, lines: list[str]) -> Pin | None:
    found = pin_of(lines)
    return Pin(found[0], path, found[1]) if found is not None else None


def _text(path: Path) -> str | None:
    try:
        return read_guarded(path, MAX_PIN_FILE_BYTES).decode("utf-8", errors="replace")
    except (SourceError, OSError):
        return None  # an unreadable file pins nothing; the guess stays what it was


def _requirements(path: Path) -> list[str]:
    text = _text(path)
    return text.splitlines() if text is not None else []


def _pyproject(path: Path) -> list[str]:
    """``[project] dependencies`` and ``[tool.poetry.dependencies]`` as requirement lines."""
    text = _text(path)
    if text is None:
        return []
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []  # the configuration reader reports a broken pyproject.toml; a pin is optional
    lines: list[str] = []
    project = data.get("project")
    if isinstance(project, dict) and isinstance(project.get("dependencies"), list):
        lines += [d for d in project["dependencies"] if isinstance(d, str)]
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    dependencies = poetry.get("dependencies") if isinstance(poetry, dict) else None
    if isinstance(dependencies, dict):
        for name, value in dependencies.items():
            version = value.get("version") if isinstance(value, dict) else value
            if isinstance(version, str) and re.fullmatch(r"\s*=*\s*\d[\d.]*\s*", version):
                lines.append(f"{name}=={version.strip().lstrip('=')}")  # poetry: "2.3.1" is exact
    return lines
