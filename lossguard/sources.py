"""Reading what the user points us at: scripts and notebooks, as Python source text.

Also the byte prefilter: a file that cannot contain a Keras training mistake is never parsed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 2_000_000

_KERAS_WORD = re.compile(rb"keras", re.IGNORECASE)
_COMPILE = re.compile(rb"\.compile\s*\(")
# Words at least one rule needs besides a compile call: losses, accuracy metrics, monitors, …
_RULE_WORDS = re.compile(
    rb"crossentropy|accuracy|['\"](?:acc|bce|cce|ce)['\"]|monitor|softmax|sigmoid|from_logits"
    rb"|Precision|Recall|AUC|class_weight|steps_per_epoch|validation_steps",
    re.IGNORECASE,
)
# Rules that need no compile call: string booleans, class_weight='auto', steps counted in samples.
_NO_COMPILE_NEEDED = re.compile(
    rb"=\s*['\"](?:true|false|yes|no|0|1|2)['\"]|class_weight\s*=\s*['\"]"
    rb"|steps_per_epoch|validation_steps",
    re.IGNORECASE,
)


class SourceError(Exception):
    """A file that cannot be read as Python source; the message says why."""


@dataclass
class CellMap:
    """Maps lines of the concatenated notebook source back to (cell, line in cell)."""

    lines: list[tuple[int, int]] = field(default_factory=list)  # index: line-1

    def locate(self, line: int) -> tuple[int, int] | None:
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1]
        return None


@dataclass
class SourceText:
    path: str
    text: str
    cells: CellMap | None = None  # set for notebooks


def may_contain_findings(data: bytes) -> bool:
    """Cheap byte test: True when some rule could fire on this file."""
    if not _KERAS_WORD.search(data):
        return False
    if _COMPILE.search(data) and _RULE_WORDS.search(data):
        return True
    return _NO_COMPILE_NEEDED.search(data) is not None


def decode(data: bytes, path: str) -> str:
    if b"\x00" in data[:8192]:
        raise SourceError("binary file, not Python source")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_source(path: str, data: bytes) -> SourceText:
    if len(data) > MAX_BYTES:
        raise SourceError(
            f"file too large ({len(data) / 1e6:.1f} MB > {MAX_BYTES / 1e6:.0f} MB limit), skipped"
        )
    text = decode(data, path)
    if path.endswith(".ipynb"):
        return notebook_source(path, text)
    return SourceText(path, text.replace("\u00a0", " "))


_MAGIC_ASSIGN = re.compile(r"^(\s*[\w.,\s\[\]()]+=\s*)[!%].*$")
_CELL_MAGICS_PYTHON = ("%%time", "%%timeit", "%%capture", "%%prun", "%%debug")


def _clean_cell_line(line: str) -> str:
    """Turn IPython-only syntax into Python of the same line count."""
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    if stripped.startswith(("%", "!")) or (stripped.endswith("?") and not stripped.startswith("#")):
        return f"{indent}pass  # ipython: {stripped[:40]}"
    match = _MAGIC_ASSIGN.match(line)
    if match and not stripped.startswith("#"):
        return f"{match.group(1)}None"
    return line


def notebook_source(path: str, text: str) -> SourceText:
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"broken notebook: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise SourceError("broken notebook: no 'cells' list")
    out: list[str] = []
    cell_map = CellMap()
    code_index = 0
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        code_index += 1
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            raise SourceError(f"broken notebook: cell {code_index} has no text source")
        lines = source.replace("\u00a0", " ").split("\n")
        first = lines[0].strip() if lines else ""
        python_cell = not first.startswith("%%") or first.split()[0] in _CELL_MAGICS_PYTHON
        for number, line in enumerate(lines, start=1):
            if not python_cell:
                cleaned = "# non-Python cell"
            elif number == 1 and first.startswith("%%"):
                cleaned = "# cell magic"
            else:
                cleaned = _clean_cell_line(line)
            out.append(cleaned)
            cell_map.lines.append((code_index, number))
    return SourceText(path, "\n".join(out) + "\n", cell_map)


def iter_python_files(root: Path, excluded: set[str]) -> list[Path]:
    """Every .py/.ipynb below root, skipping VCS folders, venvs, caches and excluded names."""
    found: list[Path] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(folder.iterdir(), key=lambda p: p.name)
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if entry.is_dir():
                if name in excluded or name.startswith(".") or (entry / "pyvenv.cfg").exists():
                    continue
                stack.append(entry)
            elif name.endswith((".py", ".ipynb")) and name not in excluded:
                found.append(entry)
    return sorted(found)


SKIPPED_DIRS = {
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "env",
    "__pycache__",
    "node_modules",
    "site-packages",
    ".tox",
    ".nox",
    ".lossguard_cache",
    ".ipynb_checkpoints",
    "build",
    "dist",
}
