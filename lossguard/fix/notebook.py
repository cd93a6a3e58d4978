"""Fixing a notebook in place: only the changed code cells' ``source`` changes.

Edits are made on the flattened notebook source (the text the rules saw); each goes back to its
cell only where that line is the cell's own line, unchanged by IPython's transformations. The
JSON is written with the layout it was read with — and only when that layout is one this
module can reproduce byte for byte (indent, key order, escaping, trailing newline); otherwise
the notebook is left alone and the fix reported as not applied.
"""

from __future__ import annotations

import json
from typing import Any

from lossguard.findings import Edit

_LAYOUTS = [(indent, ascii_only) for indent in (1, 2, 4, None) for ascii_only in (False, True)]


def _layout(data: bytes, notebook: Any) -> tuple[int | None, bool, str] | None:
    text = data.decode("utf-8")
    for indent, ascii_only in _LAYOUTS:
        dumped = json.dumps(notebook, indent=indent, ensure_ascii=ascii_only)
        for ending in ("\n", ""):
            if dumped + ending == text:
                return indent, ascii_only, ending
    return None


def apply_to_notebook(
    data: bytes, cells: list[tuple[int, int]], edits: list[Edit], flat: str
) -> bytes | None:
    """The notebook's bytes with ``edits`` (on the flattened source ``flat``, whose line i comes
    from ``cells[i - 1]`` = (code cell number, line in cell)) made in its cells; None when an
    edit cannot be placed or the layout cannot be kept."""
    try:
        notebook = json.loads(data)
        layout = _layout(data, notebook)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if layout is None:
        return None
    code_cells = [
        c for c in notebook.get("cells", []) if isinstance(c, dict) and c.get("cell_type") == "code"
    ]
    sources = [_lines(cell.get("source")) for cell in code_cells]
    if any(source is None for source in sources):
        return None
    flat_lines = flat.split("\n")
    per_line: dict[tuple[int, int], list[Edit]] = {}
    for edit in edits:
        if edit.location.line != edit.location.end_line or not 1 <= edit.location.line <= len(cells):
            return None  # an edit across lines: not placed in a notebook
        per_line.setdefault(cells[edit.location.line - 1], []).append(edit)
    for (cell, line), line_edits in per_line.items():
        source = sources[cell - 1]
        assert source is not None
        original = flat_lines[line_edits[0].location.line - 1]
        if line > len(source) or source[line - 1].rstrip("\n") != original:
            return None  # IPython rewrote this line (a magic): the edit has no place in the cell
        fixed = original
        for edit in sorted(line_edits, key=lambda e: -e.location.column):
            start, end = edit.location.column - 1, edit.location.end_column - 1
            fixed = fixed[:start] + edit.content + fixed[end:]
        ending = "\n" if source[line - 1].endswith("\n") else ""
        source[line - 1] = fixed + ending
    for number in {cell for cell, _ in per_line}:  # only the changed cells are rewritten
        changed, source = code_cells[number - 1], sources[number - 1]
        assert source is not None
        changed["source"] = source if isinstance(changed.get("source"), list) else "".join(source)
    indent, ascii_only, ending = layout
    return (json.dumps(notebook, indent=indent, ensure_ascii=ascii_only) + ending).encode("utf-8")


def _lines(source: object) -> list[str] | None:
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        joined = "".join(source)
    elif isinstance(source, str):
        joined = source
    else:
        return None
    return joined.splitlines(keepends=True) or [""]
