"""Reading what the user points us at, the way Python and IPython would: scripts and notebooks.

Only regular files are read, never more than the size limit (a FIFO, a device or a symlink to
``/dev/zero`` is refused before it is opened); Python sources are decoded as CPython decodes
them (a BOM, a PEP 263 coding line); notebooks (nbformat 3 and 4) are flattened cell by cell as
IPython transforms them (``ipython_input.py``), and a cell that does not compile is skipped
alone, with its position, so that the other cells are still checked.
"""

from __future__ import annotations

import ast
import codecs
import io
import json
import os
import re
import stat
import tokenize
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAX_SCRIPT_BYTES = 2_000_000  # a .py file: far beyond any hand-written training script
MAX_NOTEBOOK_BYTES = 100_000_000  # a notebook file, outputs (plots, images) included
MAX_CODE_BYTES = 2_000_000  # a notebook's code cells together
# Lines of code analysed in one file (a script, a notebook's code cells together): ten times a
# long training script. Beyond it the analysis could not finish within its statement budget,
# and parsing alone would take minutes and gigabytes (a 200,000-line cell: 2 min, 2 GB).
MAX_CODE_LINES = 20_000
# Cell magics whose body IPython runs as Python in the notebook's namespace.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug"}
_COMPILE_FLAGS = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT


def parse_python(text: str, flags: int = ast.PyCF_ONLY_AST) -> ast.Module:
    """``ast.parse`` without the warnings CPython prints about the user's code (``1()`` …)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree: ast.Module = compile(text, "<source>", "exec", flags | ast.PyCF_ONLY_AST)
    return tree


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


@dataclass(frozen=True)
class SyntaxProblem:
    """A syntax error, at CPython's position in the (flattened) source."""

    line: int
    column: int
    message: str


@dataclass
class SourceText:
    path: str
    text: str
    cells: CellMap | None = None  # set for notebooks
    problems: tuple[SyntaxProblem, ...] = ()  # notebook cells that do not compile (skipped)
    written: str = ""  # a notebook's code cells as written (a skipped cell's words count too)


# ----- bytes from disk -----------------------------------------------------------------------


def limit_for(path: str) -> int:
    return MAX_NOTEBOOK_BYTES if path.endswith(".ipynb") else MAX_SCRIPT_BYTES


def read_bytes(path: str) -> bytes:
    """A regular file's bytes, refusing what Python would not read as a source file."""
    return read_guarded(path, limit_for(path))


def read_guarded(path: str | os.PathLike[str], limit: int) -> bytes:
    """The one way lossguard reads a file (sources, the cache index, config files): a regular
    file of at most ``limit`` bytes. The file is opened without blocking and checked on its
    descriptor, so a FIFO, a device or a symlink to ``/dev/zero`` is refused before a byte is
    read, even if it was swapped in after a ``stat``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise SourceError(_os_reason(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SourceError(f"not a regular file ({_kind(info.st_mode)})")
        if info.st_size > limit:
            raise SourceError(_too_large(info.st_size, limit))
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise SourceError(_os_reason(exc)) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise SourceError(_too_large(len(data), limit))
    return data


def _os_reason(exc: OSError) -> str:
    if exc.errno == 40:  # ELOOP
        return "cannot read: a symbolic link loop"
    return f"cannot read: {exc.strerror or exc}"


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a file"


def too_long(lines: int) -> str:
    return f"too long to analyse ({lines:,} lines of code > {MAX_CODE_LINES:,} limit)"


def _too_large(size: int, limit: int) -> str:
    return f"file too large ({size / 1e6:.1f} MB > {limit / 1e6:.0f} MB limit)"


# ----- decoding ---------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


_NOT_UTF8 = "not UTF-8 and no PEP 263 coding line (Python cannot run it either)"


def decode(data: bytes, path: str) -> str:
    """Text as CPython reads a source file: a BOM, else the PEP 263 coding line, else UTF-8."""
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if encoding is None:
        if b"\x00" in data[:8192]:
            raise SourceError("binary file, not Python source")
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:
            if "missing" in exc.msg:
                raise SourceError(_NOT_UTF8) from None
            raise SourceError(f"cannot decode: {exc.msg}") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding == "utf-8":
            raise SourceError(f"{_NOT_UTF8} (byte {exc.start})") from None
        raise SourceError(f"not valid {encoding} text ({exc.reason} at byte {exc.start})") from None
    except LookupError as exc:
        raise SourceError(f"cannot decode: {exc}") from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def as_python_reads(text: str) -> str:
    """The text with its identifiers NFKC-normalised, as Python's tokenizer reads them
    (``model.ｃompile`` calls ``compile``); strings and comments stay as written. The same
    object back when nothing changes (the common case costs one ``isascii``)."""
    if text.isascii() or not any(
        unicodedata.normalize("NFKC", word) != word for word in _NON_ASCII_WORD.findall(text)
    ):
        return text
    lines = text.split("\n")
    try:
        names = [
            token
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type == tokenize.NAME and not token.string.isascii()
        ]
    except (tokenize.TokenError, SyntaxError):
        return text
    for token in reversed(names):  # from the end: earlier columns stay valid
        (row, start), (_, end) = token.start, token.end
        line = lines[row - 1]
        lines[row - 1] = line[:start] + unicodedata.normalize("NFKC", token.string) + line[end:]
    return "\n".join(lines)


_NON_ASCII_WORD = re.compile(r"\w*[^\x00-\x7f]\w*")


def read_source(path: str, data: bytes) -> SourceText:
    limit = limit_for(path)
    if len(data) > limit:
        raise SourceError(_too_large(len(data), limit))
    if path.endswith(".ipynb"):
        return notebook_source(path, data)
    return SourceText(path, decode(data, path).replace("\u00a0", " "))


# ----- notebooks --------------------------------------------------------------------------------


def _code_cells(notebook: object) -> list[str]:
    """The code cells' text, nbformat 4 (``cells``/``source``) or 3 (``worksheets``/``input``)."""
    if not isinstance(notebook, dict):
        raise SourceError("broken notebook: not a JSON object")
    cells = notebook.get("cells")
    key = "source"
    if cells is None and isinstance(notebook.get("worksheets"), list):
        cells = [
            c for sheet in notebook["worksheets"] if isinstance(sheet, dict) for c in sheet.get("cells") or []
        ]
        key = "input"
    if not isinstance(cells, list):
        raise SourceError("broken notebook: no 'cells' list")
    out = []
    for cell in cells:
        if isinstance(cell, dict) and "cell_type" not in cell:
            raise SourceError("broken notebook: a cell without 'cell_type' (Jupyter cannot open it)")
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get(key)
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        out.append(source if isinstance(source, str) else "")
    return out


def _json_int(digits: str) -> int | str:
    """An integer of the notebook's JSON; one too long for Python's int conversion limit (a
    5,000-digit execution count) stays text: no cell's code depends on it."""
    return int(digits) if len(digits) < 4000 else digits


def notebook_source(path: str, data: bytes) -> SourceText:
    try:
        notebook = json.loads(data, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise SourceError(f"broken notebook: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except (UnicodeDecodeError, RecursionError) as exc:
        raise SourceError(f"broken notebook: {type(exc).__name__}") from None
    cells = _code_cells(notebook)
    if sum(len(c) for c in cells) > MAX_CODE_BYTES:
        raise SourceError(_too_large(sum(len(c) for c in cells), MAX_CODE_BYTES) + " of code cells")
    code_lines = sum(c.count("\n") + c.count("\r") + 1 for c in cells)
    if code_lines > MAX_CODE_LINES:
        raise SourceError(too_long(code_lines) + " in its code cells")
    out: list[str] = []
    cell_map = CellMap()
    problems: list[SyntaxProblem] = []
    bound: set[str] = set()  # the notebook's global names so far: they shadow automagics
    for number, cell in enumerate(cells, start=1):
        text = cell.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
        lines, problem = python_of_cell(text, bound)
        if problem is not None:
            problems.append(SyntaxProblem(len(out) + problem.line, problem.column, problem.message))
            lines = [""] * len(lines)  # skipped: the other cells are still checked
        cell_map.lines.extend((number, line) for line in range(1, len(lines) + 1))
        out.extend(lines)
    return SourceText(path, "\n".join(out) + "\n", cell_map, tuple(problems), "\n".join(cells))


def python_of_cell(cell: str, bound: set[str] | None = None) -> tuple[list[str], SyntaxProblem | None]:
    """One output line per cell line, and the syntax error (cell-relative) if it has one.
    ``bound``: the global names of the cells before (shadowing a magic's name); this cell's are
    added to it."""
    from lossguard.reading.ipython_input import TransformError, transform_lines  # only cells pay

    count = len(cell.split("\n"))
    bound = bound if bound is not None else set()
    try:
        lines, magic = transform_lines(cell, bound)
    except (TransformError, RecursionError) as exc:
        return [""] * count, SyntaxProblem(1, 1, f"IPython cannot transform this cell ({exc})")
    except SyntaxError as exc:  # IPython's tokenizer refuses it too (an unindent to no level)
        return [""] * count, SyntaxProblem(exc.lineno or 1, exc.offset or 1, exc.msg)
    if magic is not None:
        if magic.name not in PYTHON_CELL_MAGICS:
            return [""] * count, None  # %%bash, %%writefile, …: not Python
        body, problem = python_of_cell(magic.body, bound)
        offset = magic.line + 1
        lines = ([""] * offset + body + [""] * count)[:count]
        if problem is not None:
            problem = SyntaxProblem(problem.line + offset, problem.column, problem.message)
        return lines, problem
    try:
        code = "\n".join(lines)
        tree = parse_python(code if code.endswith("\n") else code + "\n", _COMPILE_FLAGS)
    except SyntaxError as exc:
        return lines, SyntaxProblem(exc.lineno or 1, exc.offset or 1, exc.msg)
    except (RecursionError, MemoryError, ValueError) as exc:
        return lines, SyntaxProblem(1, 1, f"cannot compile this cell ({type(exc).__name__})")
    bound.update(global_names(tree))
    return lines, None


def global_names(tree: ast.Module) -> set[str]:
    """The names a cell binds in the notebook's namespace (not those local to its functions)."""
    names: set[str] = set()
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            stack.extend(node.decorator_list)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")
            continue
        if isinstance(node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return names


# ----- folders ----------------------------------------------------------------------------------


def iter_python_files(root: Path, excluded: set[str]) -> list[Path]:
    """Every .py/.ipynb below root, skipping VCS folders, venvs, caches and excluded names.

    Symbolic links to folders are not followed (no loops, no file found twice that way); a
    linked file is listed once, however many links lead to it. Broken links and links in a
    loop are listed, so that they are reported as unreadable instead of silently dropped.
    """
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    for entry in _walk(root, excluded):
        try:
            info = entry.stat()
        except OSError:
            found.append(Path(entry.path))
            continue
        key = (info.st_dev, info.st_ino)
        if key in seen:
            continue
        seen.add(key)
        found.append(Path(entry.path))
    return sorted(found)


def _walk(folder: Path, excluded: set[str]) -> Iterator[os.DirEntry[str]]:
    stack = [str(folder)]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError:
            continue
        for entry in listed:
            name = entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if (
                    name in excluded
                    or name.startswith(".")
                    or os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))
                ):
                    continue
                stack.append(entry.path)
            elif name.endswith((".py", ".ipynb")) and name not in excluded:
                yield entry


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
