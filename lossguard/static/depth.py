"""How deeply libcst will nest a file CPython accepted, measured on ``ast`` before libcst parses.

CPython keeps ``a and b and c`` flat (one ``BoolOp``) and joins ``"a" "b" "c"`` into one
constant; libcst nests both, one level per term, and its native parser overflows the C stack
(a segfault, the whole run lost) where CPython was fine: an ``and`` chain of 7,500 terms is
enough. Binary chains, attributes, calls and brackets nest in ``ast`` too, so counting ``ast``
levels, plus libcst's extra ones, bounds what libcst will build.
"""

from __future__ import annotations

import ast
import io
import tokenize

# Far beyond hand-written code (a script nests a few dozen levels), far below where libcst's
# native parser crashes (~7,000 levels on an 8 MB stack) or the evaluator's Python recursion
# stops (reported as "analysis stopped").
MAX_LIBCST_DEPTH = 1_000
_STATEMENT_LEVELS = 3  # libcst wraps a nested statement in a block and its lines
_SHORT = 200  # a string literal this short has at most 100 parts: no need to tokenize it
_STRING_TOKENS = {tokenize.STRING} | (
    {tokenize.FSTRING_START} if hasattr(tokenize, "FSTRING_START") else set()
)


def too_deep(tree: ast.Module, text: str, limit: int = MAX_LIBCST_DEPTH) -> int | None:
    """The nesting libcst would reach when it exceeds ``limit`` (None: it stays below).

    Only statements whose text is at least ``limit`` characters long can nest that deep (a
    level takes a character at least), so short statements cost nothing but a subtraction.
    """
    starts = _line_starts(text)
    pending: list[tuple[ast.AST, int]] = [(node, 0) for node in tree.body]
    while pending:
        node, level = pending.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                pending.append((child, level + _STATEMENT_LEVELS))
            elif isinstance(child, ast.excepthandler | ast.match_case):
                pending.append((child, level + 1))
        if _extent(node, starts) < limit - level:
            continue
        deepest = _expression_depth(node, text, starts, level, limit)
        if deepest > limit:
            return deepest
    return None


def _expression_depth(statement: ast.AST, text: str, starts: list[int], level: int, limit: int) -> int:
    deepest = level
    stack: list[tuple[ast.AST, int]] = [
        (child, level + 1)
        for child in ast.iter_child_nodes(statement)
        if not isinstance(child, ast.stmt | ast.excepthandler | ast.match_case)
    ]
    while stack:
        node, depth = stack.pop()
        depth += _extra_levels(node, text, starts, limit - depth)
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _extra_levels(node: ast.AST, text: str, starts: list[int], room: int) -> int:
    """The levels libcst adds where ``ast`` stays flat (``room``: how many more the limit allows)."""
    if isinstance(node, ast.BoolOp):
        return len(node.values) - 1
    if isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str | bytes)
    ):
        return _string_parts(node, text, starts, room) - 1
    return 0


def _string_parts(node: ast.AST, text: str, starts: list[int], room: int) -> int:
    """How many literals an implicitly concatenated string is made of (``"a" "b"``: 2), counted
    only when it could matter: a literal takes two quotes, so a string with no more quotes than
    twice the room left (a docstring) cannot reach the limit and is taken as one."""
    if _extent(node, starts) < _SHORT:
        return 1
    first = _offset(text, starts, node.lineno, node.col_offset)  # type: ignore[attr-defined]
    last = _offset(text, starts, node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
    if text.count('"', first, last) + text.count("'", first, last) <= 2 * room:
        return 1
    segment = "(" + text[first:last] + ")"  # in brackets: lines and indents do not matter
    try:
        tokens = tokenize.generate_tokens(io.StringIO(segment).readline)
        return max(1, sum(1 for token in tokens if token.type in _STRING_TOKENS))
    except (tokenize.TokenError, SyntaxError):
        return max(1, len(segment) // 2)  # an upper bound: a literal takes two characters at least


def _offset(text: str, starts: list[int], line: int, utf8_column: int) -> int:
    """The text index of an ``ast`` position (its columns count UTF-8 bytes)."""
    start = starts[line - 1]
    head = text[start : start + utf8_column].encode("utf-8", "surrogatepass")[:utf8_column]
    return start + len(head.decode("utf-8", "ignore"))


def _line_starts(text: str) -> list[int]:
    starts = [0]
    index = text.find("\n")
    while index >= 0:
        starts.append(index + 1)
        index = text.find("\n", index + 1)
    return starts


def _extent(node: ast.AST, starts: list[int]) -> int:
    """A node's length in characters (UTF-8 columns count a character once or more: never less)."""
    line = getattr(node, "lineno", None)
    end = getattr(node, "end_lineno", None)
    if line is None or end is None:
        return 1 << 30  # no position (an ``arguments`` node …): always looked at
    return starts[end - 1] + (node.end_col_offset or 0) - starts[line - 1] - node.col_offset  # type: ignore[attr-defined]
