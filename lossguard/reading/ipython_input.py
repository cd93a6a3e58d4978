"""IPython's input syntax turned into Python as IPython runs it, line for line.

IPython executes a notebook cell after its ``TransformerManager`` rewrote it (the rules of
IPython 9): leading blank lines and the indent common to all lines go, ``>>>``/``In [1]:``
prompts are stripped, a ``%%`` cell magic takes the whole cell, and then, one at a time on
freshly tokenised code, ``a = %magic``, ``a = !cmd``, lines starting with ``! ?? ? % , ; /``
and lines ending in ``?`` become calls on ``get_ipython()``. This module applies the same
rules (``tests/test_ipython_input.py`` compares it with IPython itself) with one difference:
where IPython joins lines (a backslash continuation, a help request over several lines) the
result keeps the line count, padding with blank lines, so that a position in the output is
the same position in the cell. Pasted prompts are stripped by IPython 8's rule (IPython 9.18
adds heuristics for prompts inside triple-quoted strings; such cells are rare in notebooks).

A cell of one line then gets IPython's dynamic transformation, automagic: ``pip install x``,
``cd ..``, ``matplotlib inline`` run the line magic they name unless that name is bound (by an
earlier cell, here), a builtin or a keyword, or the line assigns to it.
"""

from __future__ import annotations

import builtins
import keyword
import re
import textwrap
import tokenize
from collections.abc import Container
from dataclasses import dataclass

_CLASSIC_FIRST = re.compile(r"^>>>( |$)")
_CLASSIC_ANY = re.compile(r"^(>>>|\.\.\.)( |$)")
_IPYTHON_PROMPT = re.compile(r"^(((\[nav\]|\[ins\])? )?In \[\d+\]: |\s*\.{3,}: ?)")
_HELP_TARGET = re.compile(r"(%{0,2}(?!\d)[\w*]+(\.(?!\d)[\w*]+|\[-?[0-9]+\])*)(\?\??)$")
_SINGLE = {"!", "?", "%", ",", ";", "/"}
_DOUBLE = {"!!", "??"}
_OPEN, _CLOSE = {"(", "[", "{"}, {")", "]", "}"}
LOOP_LIMIT = 500
_LINE_SPLIT = re.compile(r"^(\s*)([,;/%]|!!?|\?\??)?\s*(%{0,2}[\w\.\*]*)(.*?$|$)")
# IPython 9.18's line magics and POSIX aliases (InteractiveShell's defaults, ipykernel's pip/conda).
AUTOMAGICS = frozenset(
    [
        "alias",
        "alias_magic",
        "autoawait",
        "autocall",
        "automagic",
        "bookmark",
        "cat",
        "cd",
        "code_wrap",
        "colors",
        "conda",
        "config",
        "cp",
        "debug",
        "dhist",
        "dirs",
        "doctest_mode",
        "ed",
        "edit",
        "env",
        "gui",
        "hist",
        "history",
        "killbgscripts",
        "ldir",
        "lf",
        "lk",
        "ll",
        "load",
        "load_ext",
        "loadpy",
        "logoff",
        "logon",
        "logstart",
        "logstate",
        "logstop",
        "ls",
        "lsmagic",
        "lx",
        "macro",
        "magic",
        "mamba",
        "matplotlib",
        "micromamba",
        "mkdir",
        "mv",
        "notebook",
        "page",
        "pastebin",
        "pdb",
        "pdef",
        "pdoc",
        "pfile",
        "pinfo",
        "pinfo2",
        "pip",
        "popd",
        "pprint",
        "precision",
        "prun",
        "psearch",
        "psource",
        "pushd",
        "pwd",
        "pycat",
        "pylab",
        "quickref",
        "recall",
        "rehashx",
        "reload_ext",
        "rep",
        "rerun",
        "reset",
        "reset_selective",
        "rm",
        "rmdir",
        "run",
        "save",
        "sc",
        "set_env",
        "sx",
        "system",
        "tb",
        "time",
        "timeit",
        "unalias",
        "unload_ext",
        "uv",
        "who",
        "who_ls",
        "whos",
        "xdel",
        "xmode",
    ]
)


class TransformError(Exception):
    """IPython itself would refuse this cell (it keeps changing, or cannot be tokenised)."""


@dataclass(frozen=True)
class CellMagic:
    """A ``%%name args`` cell: IPython hands the rest of the cell to the magic as text."""

    name: str
    args: str
    body: str  # the lines after the first, as IPython passes them
    line: int  # 0-based index of the %% line in the cell


def _help_call(target: str, escape: str) -> str:
    method = "pinfo2" if escape == "??" else "psearch" if "*" in target else "pinfo"
    name, _, argument = f"{method} {target}".partition(" ")
    return f"get_ipython().run_line_magic({name.lstrip('%')!r}, {argument!r})"


def _escaped_call(escape: str, content: str) -> str:
    if escape == "!":
        return f"get_ipython().system({content!r})"
    if escape == "!!":
        return f"get_ipython().getoutput({content!r})"
    if escape in ("?", "??"):
        return _help_call(content, escape) if content else "get_ipython().show_usage()"
    name, _, args = content.partition(" ")
    if escape == "%":
        return f"get_ipython().run_line_magic({name!r}, {args!r})"
    if escape == ",":
        return '{}("{}")'.format(name, '", "'.join(args.split()))
    if escape == ";":
        return f'{name}("{args}")'
    if escape == "/":
        return "{}({})".format(name, ", ".join(args.split()))
    return ""


# ----- cleanup: blank lines, indent, prompts ---------------------------------------------------


def _cleanup(lines: list[str]) -> list[str]:
    first = next((i for i, line in enumerate(lines) if line and not line.isspace()), None)
    if first is None:
        return lines
    # IPython ≥ 9 removes the indent common to all lines (textwrap.dedent), blank ones aside.
    dedented = ["\n"] * first + textwrap.dedent("".join(lines[first:])).splitlines(keepends=True)
    lines = dedented if not _indent(dedented[first]) else _first_line_indent(lines, first)
    for initial, anywhere in ((_CLASSIC_FIRST, _CLASSIC_ANY), (_IPYTHON_PROMPT, _IPYTHON_PROMPT)):
        head = lines[first:]
        if initial.match(head[0]) or (len(head) > 1 and anywhere.match(head[1])):
            lines = lines[:first] + [anywhere.sub("", line, count=1) for line in head]
    return lines


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _first_line_indent(lines: list[str], first: int) -> list[str]:
    """IPython ≤ 8's rule, for a cell whose first line IPython 9's leaves indented: the first
    line's indent is removed from every line that starts with it. IPython 9 raises an
    IndentationError on such a cell, so this changes no cell that runs there; it reads the
    notebooks saved by earlier IPythons (``    model.add(Flatten())`` above an unindented line)
    as they ran."""
    indent = _indent(lines[first])
    kept = lines[first:]
    return lines[:first] + [line[len(indent) :] if line.startswith(indent) else line for line in kept]


def cell_magic(lines: list[str]) -> CellMagic | None:
    """The cell magic of a cleaned-up cell, as IPython reads its first line."""
    first = next((i for i, line in enumerate(lines) if line and not line.isspace()), None)
    if first is None or not lines[first].startswith("%%") or re.match(r"%%\w+\?", lines[first]):
        return None
    name, _, args = lines[first][2:].rstrip().partition(" ")
    return CellMagic(name, args, "".join(lines[first + 1 :]), first)


# ----- token transforms ----------------------------------------------------------------------


def _logical_lines(lines: list[str]) -> list[list[tokenize.TokenInfo]]:
    """Tokens grouped by logical line (a bracketed expression over several lines is one)."""
    grouped: list[list[tokenize.TokenInfo]] = [[]]
    depth = 0
    try:
        for token in tokenize.generate_tokens(iter(lines).__next__):
            grouped[-1].append(token)
            if token.type == tokenize.NEWLINE or (token.type == tokenize.NL and depth <= 0):
                grouped.append([])
            elif token.string in _OPEN:
                depth += 1
            elif token.string in _CLOSE and depth > 0:
                depth -= 1
    except tokenize.TokenError:
        pass  # ends inside a string or brackets: IPython reads what it has
    if not grouped[-1]:
        grouped.pop()
    return grouped


def _assignment(line: list[tokenize.TokenInfo]) -> int | None:
    depth = 0
    for index, token in enumerate(line):
        if token.string == "=" and depth == 0:
            return index
        if token.string in _OPEN:
            depth += 1
        elif token.string in _CLOSE and depth > 0:
            depth -= 1
    return None


def _continued_end(lines: list[str], start: int) -> int:
    end = start
    while lines[end].endswith("\\\n"):
        end += 1
        if end >= len(lines):
            break
    return end


def _joined(lines: list[str], line: int, column: int, end: int) -> str:
    pieces = [lines[line][column:], *lines[line + 1 : end + 1]]
    return " ".join([p.rstrip()[:-1] for p in pieces[:-1]] + [pieces[-1].rstrip()])


@dataclass(frozen=True)
class _Found:
    line: int  # 0-based
    column: int
    priority: int
    kind: str  # "magic-assign", "system-assign", "escaped", "help"
    end: tuple[int, int] = (0, 0)  # help: the position of the '?'


def _find(grouped: list[list[tokenize.TokenInfo]]) -> list[_Found]:
    found: list[_Found] = []

    def first(kind: str, test: object) -> None:
        for line in grouped:
            hit = test(line)  # type: ignore[operator]
            if hit is not None:
                found.append(hit)
                return

    def magic_assign(line: list[tokenize.TokenInfo]) -> _Found | None:
        at = _assignment(line)
        if (
            at is not None
            and len(line) >= at + 2
            and line[at + 1].string == "%"
            and line[at + 2].type == tokenize.NAME
        ):
            row, col = line[at + 1].start
            return _Found(row - 1, col, 10, "magic-assign")
        return None

    def system_assign(line: list[tokenize.TokenInfo]) -> _Found | None:
        at = _assignment(line)
        if at is None or line[at].line.strip().startswith("=") or len(line) < at + 2:
            return None
        if line[at + 1].type != tokenize.ERRORTOKEN:
            return None
        for token in line[at + 1 :]:
            if token.type != tokenize.ERRORTOKEN:
                break
            if token.string == "!":
                return _Found(token.start[0] - 1, token.start[1], 10, "system-assign")
            if not token.string.isspace():
                break
        return None

    def lead(line: list[tokenize.TokenInfo]) -> int | None:
        index = 0
        while index < len(line) and line[index].type in (tokenize.INDENT, tokenize.DEDENT):
            index += 1
        return index if index < len(line) else None

    def escaped(line: list[tokenize.TokenInfo]) -> _Found | None:
        index = lead(line) if line else None
        if index is not None and line[index].string in _SINGLE:
            return _Found(line[index].start[0] - 1, line[index].start[1], 10, "escaped")
        return None

    def help_end(line: list[tokenize.TokenInfo]) -> _Found | None:
        if len(line) > 2 and line[-2].string == "?":
            index = lead(line) or 0
            start, mark = line[index].start, line[-2].start
            return _Found(start[0] - 1, start[1], 5, "help", (mark[0] - 1, mark[1]))
        return None

    for kind, test in (
        ("magic-assign", magic_assign),
        ("system-assign", system_assign),
        ("escaped", escaped),
        ("help", help_end),
    ):
        first(kind, test)
    return found


def _apply(found: _Found, lines: list[str]) -> list[str]:
    """One transformation; the lines it joined become blank lines after the new one."""
    start, column = found.line, found.column
    if found.kind == "help":
        last = found.end[0]
        piece = "".join(lines[start : last + 1])
        indent, content = piece[:column], piece[column:]
        match = _HELP_TARGET.search(content)
        if match is None:
            raise SyntaxError(content)
        new = indent + _help_call(match.group(1), match.group(3)) + "\n"
        return lines[:start] + [new] + ["\n"] * (last - start) + lines[last + 1 :]
    end = _continued_end(lines, start)
    head = lines[start][:column]
    text = _joined(lines, start, column, end)
    if found.kind == "magic-assign":
        name, _, args = text[1:].partition(" ")
        call = f"get_ipython().run_line_magic({name!r}, {args!r})"
    elif found.kind == "system-assign":
        call = f"get_ipython().getoutput({text[1:]!r})"
    else:
        escape = text[:2] if len(text) > 1 and text[:2] in _DOUBLE else text[:1]
        call = _escaped_call(escape, text[len(escape) :])
    return lines[:start] + [head + call + "\n"] + ["\n"] * (end - start) + lines[end + 1 :]


def _token_transforms(lines: list[str]) -> list[str]:
    for _ in range(LOOP_LIMIT):
        candidates = sorted(_find(_logical_lines(lines)), key=lambda f: (f.line, f.column, f.priority))
        for candidate in candidates:
            try:
                lines = _apply(candidate, lines)
                break
            except SyntaxError:
                continue
        else:
            return lines
    raise TransformError(f"IPython's input transformation does not settle after {LOOP_LIMIT} steps")


def _automagic(lines: list[str], bound: Container[str]) -> list[str]:
    """IPython's dynamic transformation of a one-line cell (its ``prefilter_lines``): a first
    word that names a line magic runs it, unless the line assigns to it or the name is shadowed."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or len(lines) - first != 1:
        return lines  # IPython counts the lines after the leading blank ones: one, or no change
    match = _LINE_SPLIT.match(lines[first].rstrip("\n"))
    if match is None:
        return lines
    pre, escape, name, rest = match.groups()
    rest = rest.lstrip()
    if escape or name not in AUTOMAGICS or (rest and rest[0] in "=,"):
        return lines
    if name in bound or name in dir(builtins) or keyword.iskeyword(name):
        return lines
    _, _, args = f"{name} {rest}".partition(" ")
    return [*lines[:first], f"{pre}get_ipython().run_line_magic({name!r}, {args!r})\n"]


def transform_lines(cell: str, bound: Container[str] = ()) -> tuple[list[str], CellMagic | None]:
    """The cell as Python, one output line per input line, and its cell magic if it has one.

    A cell magic's body is returned untransformed in ``CellMagic.body``: whether it is Python
    (``%%time``) or not (``%%bash``) is the caller's decision. ``bound``: the names earlier
    cells bound, which shadow a magic of that name.
    """
    lines = (cell if cell.endswith("\n") else cell + "\n").splitlines(keepends=True)
    count = len(cell.split("\n"))
    lines = _cleanup(lines)
    magic = cell_magic(lines)
    if magic is not None:
        return [""] * count, magic
    out = [line.rstrip("\n") for line in _automagic(_token_transforms(lines), bound)]
    return (out + [""] * count)[:count], None
