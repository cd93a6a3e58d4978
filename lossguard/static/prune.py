"""Pre-parse pruning: blank out class methods that cannot contribute a fact.

libcst parsing dominates the cost of a check; ``ast`` is ~10x faster. Methods are analysed on
their own (``self`` is unknown), so a method holds a fact only if it contains the anchor of an
enabled rule (a compile or fit call, a flagged literal: the rules declare these in their
``Needs``; the engine passes the joined pattern). Other methods become ``pass``, keeping every
line in place so that positions do not move.
"""

from __future__ import annotations

import ast
import re
from functools import cache

from lossguard.reading.sources import parse_python
from lossguard.static.depth import MAX_LIBCST_DEPTH, too_deep

Spans = list[tuple[int, int]]


class ParseFailure(Exception):
    """The file is not valid Python: CPython's own message and position."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class NotAnalysable(Exception):
    """Valid Python (or not provably invalid) that lossguard's parser cannot take."""


class _OwnYield(ast.NodeVisitor):
    """Does a function's own body yield (not a nested function's or lambda's)?"""

    def __init__(self) -> None:
        self.found = False

    def visit_Yield(self, node: ast.Yield) -> None:
        self.found = True

    def visit_YieldFrom(self, node: ast.YieldFrom) -> None:
        self.found = True

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        pass

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        pass

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        pass


def _functions(body: list[ast.stmt]) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every function defined in these statements, nested ones too (statements only: cheap)."""
    found: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    stack: list[ast.stmt | ast.excepthandler] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append(node)
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(node, field, None)
            if isinstance(inner, list):
                stack.extend(n for n in inner if isinstance(n, ast.stmt | ast.excepthandler))
        if isinstance(node, ast.Match):
            stack.extend(statement for case in node.cases for statement in case.body)
    return found


def generator_functions(tree: ast.Module, text: str) -> dict[str, bool | None]:
    """Function name → whether it is a generator (None: several functions of that name disagree).

    Only functions whose lines hold the word ``yield`` are looked at closely.
    """
    yield_lines = {text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"\byield\b", text)}
    found: dict[str, bool | None] = {}
    for node in _functions(tree.body):
        lines = range(node.lineno, (node.end_lineno or node.lineno) + 1)
        own = False
        if any(line in yield_lines for line in lines):
            finder = _OwnYield()
            for statement in node.body:
                finder.visit(statement)
            own = finder.found
        known = found.get(node.name, own)
        found[node.name] = own if known == own else None
    return found


MODEL_METHODS = ("__init__", "call", "build")


@cache
def _case_blind(pattern: str) -> re.Pattern[str]:
    """The method anchor, compiled when a file first has a method to prune (~6 ms: most don't)."""
    return re.compile(pattern, re.IGNORECASE)


def _names_model(base: ast.expr) -> bool:
    """``keras.Model``, ``tf.keras.Model``, ``Model``: a base that names a Keras model, or a
    keras-tuner ``HyperModel`` (whose ``build(hp)`` the tuner runs as a model factory)."""
    name = base.attr if isinstance(base, ast.Attribute) else base.id if isinstance(base, ast.Name) else ""
    return name in ("Model", "Sequential", "HyperModel")


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _main_block(node: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` — never run when the file is imported."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    sides = [node.test.left, *node.test.comparators]
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


def reached_definitions(tree: ast.Module, wanted: frozenset[str]) -> set[str]:
    """The top-level functions and classes an importer of ``wanted`` can reach: those names,
    every name the module's own top-level code uses (it runs on import), and, transitively,
    the names a reached definition uses. An over-approximation: every name counts, local or not."""
    definitions: dict[str, list[ast.stmt]] = {}
    pending = set(wanted)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            definitions.setdefault(node.name, []).append(node)
        elif not _main_block(node):
            pending |= _names(node)
    reached: set[str] = set()
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        for node in definitions.get(name, ()):
            pending |= _names(node) - reached
    return reached


def attributes_taken(text: str, name: str) -> frozenset[str] | None:
    """``import nets as n``: the attributes the file takes from ``n`` (``n.build``), or None
    when ``n`` is used otherwise too (passed on, compared: then the module is needed whole).
    Read from the text, so a word in a comment or string only makes this None."""
    taken: set[str] = set()
    for match in re.finditer(rf"(?<![\w.]){re.escape(name)}\b(?:\s*\.\s*(\w+))?", text):
        if match.group(1) is not None:
            taken.add(match.group(1))
            continue
        line = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
        if not re.search(r"\bimport\b", line):
            return None
    return frozenset(taken)


def _span(node: ast.stmt) -> tuple[int, int]:
    """A statement's first line (its decorators included) and last line, 1-based."""
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return first, node.end_lineno or node.lineno


def statement_spans(body: list[ast.stmt]) -> Spans:
    """The line spans of libcst's top-level statements: simple statements that share a line
    (``x = 1; y = 2``) are one statement line there, several statements in ``ast``."""
    spans: Spans = []
    for node in body:
        first, last = _span(node)
        if spans and first == spans[-1][1] and not isinstance(node, ast.FunctionDef | ast.ClassDef):
            spans[-1] = (spans[-1][0], max(last, spans[-1][1]))
        else:
            spans.append((first, last))
    return spans


def _blank(lines: list[str], first: int, last: int) -> None:
    """The statement on lines ``first``..``last`` becomes ``pass`` at its indent; every line
    stays in place, so positions do not move."""
    head = lines[first - 1]
    lines[first - 1] = head[: len(head) - len(head.lstrip())] + "pass"
    for index in range(first, last):
        lines[index] = ""


def _blank_unreached(tree: ast.Module, lines: list[str], wanted: frozenset[str]) -> bool:
    """A project module imported for a few names: the definitions no importer can reach become
    ``pass`` (the statement count and every line stay in place), so libcst parses only the rest."""
    reached = reached_definitions(tree, wanted)
    changed = False
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if node.name in reached:
            continue
        first, last = _span(node)
        if node.col_offset != 0 or not lines[first - 1].startswith(("def ", "async ", "class ", "@")):
            continue
        _blank(lines, first, last)
        changed = True
    return changed


def prune_methods(
    text: str, anchor: str | None, wanted: frozenset[str] | None = None
) -> tuple[str, Spans | None, dict[str, bool | None] | None]:
    """The text with fact-less methods blanked, the line span of every top-level statement, and
    which functions are generators. ``wanted``: the file is a project module imported for these
    names only; the definitions they cannot reach are blanked too.

    CPython's ``ast.parse`` runs first: a syntax error is reported at CPython's own position,
    and a file it cannot take never reaches libcst (whose native parser would crash on it).
    """
    try:
        tree = parse_python(text)
    except SyntaxError as exc:
        raise ParseFailure(exc.msg, exc.lineno or 1, exc.offset or 1) from None
    except ValueError as exc:  # e.g. "source code string cannot contain null bytes"
        raise ParseFailure(str(exc), 1, 1) from None
    except (RecursionError, MemoryError):
        # CPython's own parser gives up here; libcst's would overflow its stack and crash.
        raise NotAnalysable("nested too deeply to analyse (CPython's ast.parse gives up too)") from None
    depth = too_deep(tree, text)
    if depth is not None:  # libcst's native parser would overflow the stack: a segfault
        raise NotAnalysable(
            f"nested too deeply for lossguard's parser ({depth:,} levels > {MAX_LIBCST_DEPTH:,})"
        )
    spans = statement_spans(tree.body)
    lines = text.split("\n")
    changed = _blank_unreached(tree, lines, wanted) if wanted is not None else False
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        model = any(_names_model(base) for base in node.bases)
        for member in node.body:
            if not isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if model and member.name in MODEL_METHODS:
                continue  # they make the model's layers (static/handlers/subclass.py)
            first, last = _span(member)
            if not lines[first - 1].lstrip().startswith(("def ", "async ", "@")) or first == node.lineno:
                continue
            if anchor is not None and _case_blind(anchor).search("\n".join(lines[first - 1 : last])):
                continue
            _blank(lines, first, last)
            changed = True
    generators = generator_functions(tree, text) if "yield" in text else {}
    return ("\n".join(lines) if changed else text), spans, generators
