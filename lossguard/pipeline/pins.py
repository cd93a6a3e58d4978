"""The Keras a project pins: ``keras==2.3.1`` or ``tensorflow==2.4.1`` in its requirements.

lossguard often runs where the project's Keras is not installed (a pre-commit hook's own
environment, CI, an editor's interpreter), and then only guesses the Keras a script targets. A
project that pins its Keras says which one. From each checked file's folder upwards, the first
folder with a ``requirements.txt``, ``pyproject.toml``, ``setup.py``, ``setup.cfg`` or conda
``environment.yml`` that pins ``keras`` or ``tensorflow`` (``==``/``===``, ``~=`` for its release
line, conda's ``=``) gives the pin; the search stops at the
repository's root (the folder holding ``.git``). A lower bound (``>=``) pins nothing. A
``keras`` pin wins over a ``tensorflow`` one (``keras==2.3.1`` is the multi-backend Keras that
ran on that TensorFlow). A pin is a default, not an order: ``--keras-version`` and the
configuration win over it, and a script whose own API contradicts it is read by its API
(``keras/semantics.for_script``). The scripts of a subproject with requirements of its own are
read by those.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lossguard.reading.sources import SourceError, read_guarded

MAX_PIN_FILE_BYTES = 1_000_000

_REQUIREMENT = re.compile(
    r"^\s*(?P<name>keras|tensorflow(?:[-_](?:cpu|gpu|macos|intel))?)\s*(?:\[[^\]]*\])?\s*"
    r"(?P<op>===|==|~=|=)\s*v?(?P<version>\d+(?:\.\d+){0,2})(?:\.\*)?\s*(?:[;#,]|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Pin:
    spec: str  # for semantics.parse_target: "2.3.1" (keras) or "tf2.4.1" (tensorflow)
    file: Path
    requirement: str  # as written, for messages

    def described(self) -> str:
        """How messages name it: "keras==2.3.1 in requirements.txt" (relative to the working
        folder when inside it)."""
        try:
            shown = self.file.relative_to(Path.cwd().resolve()).as_posix()
        except (ValueError, OSError):
            shown = self.file.as_posix()
        return f"{self.requirement} in {shown}"

    def names_keras_of(self, code: bytes) -> bool:
        """Whether the pin says which Keras this file gets. A TensorFlow before 2.6 does not
        for a file importing the standalone ``keras``: the multi-backend Keras of those years
        was versioned on its own (from 2.6 on, TensorFlow requires the keras of its release,
        and from 2.16 on Keras 3)."""
        if not self.spec.startswith("tf"):
            return True
        major_minor = tuple(int(n) for n in self.spec[2:].split(".")[:2])
        return major_minor >= (2, 6) or _STANDALONE_KERAS.search(code) is None


_STANDALONE_KERAS = re.compile(rb"^[ \t]*(?:import keras\b|from keras\b)", re.MULTILINE)


@dataclass(frozen=True)
class PinLookup:
    """A file's pin (or None) and every file consulted to find it: path → sha256 of its bytes,
    "" where it was absent, so that a cached result is checked again when one changes."""

    pin: Pin | None
    consulted: dict[str, str]


def lookup_pin(start: Path) -> PinLookup:
    """The nearest pin from ``start`` (a file or a folder) upwards, and what was consulted;
    read once per folder in a run (``forget_pins`` starts a run)."""
    folder = start if start.is_dir() else start.parent
    key = str(folder)
    if key not in _SEEN:
        _SEEN[key] = _read_folder(folder)
    return _SEEN[key]


_SEEN: dict[str, PinLookup] = {}


def forget_pins() -> None:
    """A new run reads the requirements anew: a language server lives through their edits."""
    _SEEN.clear()


def _read_folder(folder: Path) -> PinLookup:
    consulted: dict[str, str] = {}
    try:
        here = folder.resolve()
    except (OSError, RuntimeError):  # a symlink loop: no pin
        return PinLookup(None, consulted)
    for candidate in (here, *here.parents):
        for name, read in _PIN_FILES:
            path = candidate / name
            data = _bytes(path)
            consulted[str(path)] = hashlib.sha256(data).hexdigest() if data is not None else ""
            if data is not None and (pin := _pick(path, read(data))) is not None:
                return PinLookup(pin, consulted)
        if (candidate / ".git").exists():
            break  # the repository's root: a pin above it belongs to another project
    return PinLookup(None, consulted)


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


def _bytes(path: Path) -> bytes | None:
    try:
        return read_guarded(path, MAX_PIN_FILE_BYTES)
    except (SourceError, OSError):
        return None  # absent or unreadable: it pins nothing; the guess stays what it was


def _requirements(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="replace").splitlines()


# A conda environment's dependency (``- tensorflow=1.15``: conda's ``=`` is a release prefix,
# ``==`` exact; ``- keras==2.2.4`` under ``- pip:``).
_CONDA_DEPENDENCY = re.compile(
    r"^\s*-\s*(?:conda-forge::|anaconda::)?(?P<name>[A-Za-z][\w.-]*)\s*(?P<op>==|=)\s*(?P<version>[\d.]+\*?)"
)


def _environment(data: bytes) -> list[str]:
    """``environment.yml`` dependencies as requirement lines, as written (conda's ``=`` is a
    release prefix: ``tensorflow=1.15`` is a 1.15.x, read as 1.15)."""
    lines = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        match = _CONDA_DEPENDENCY.match(line)
        if match is None:
            continue
        lines.append(f"{match['name']}{match['op']}{match['version'].rstrip('.*')}")
    return lines


# A quoted requirement anywhere in ``setup.py`` (``install_requires=["keras==2.2.4"]``).
_QUOTED_REQUIREMENT = re.compile(r"""["']([^"'\n]+)["']""")


def _setup_py(data: bytes) -> list[str]:
    return _QUOTED_REQUIREMENT.findall(data.decode("utf-8", errors="replace"))


def _pyproject(raw: bytes) -> list[str]:
    """``[project] dependencies`` and ``[tool.poetry.dependencies]`` as requirement lines."""
    try:
        data: dict[str, Any] = tomllib.loads(raw.decode("utf-8", errors="replace"))
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


# Read in this order in each folder: the first that pins Keras or TensorFlow gives the pin.
_PIN_FILES = (
    ("requirements.txt", _requirements),
    ("pyproject.toml", _pyproject),
    ("setup.py", _setup_py),
    ("setup.cfg", _requirements),  # install_requires lines, indented
    ("environment.yml", _environment),
    ("environment.yaml", _environment),
)
PIN_FILE_NAMES = tuple(name for name, _ in _PIN_FILES)
