"""From the edits rules describe to exact text replacements, and applying them.

A rule says *what* to change at a node (this string literal becomes 'val_accuracy', this call
gains ``threshold=0.0``); only here, with the text, is it checked that the node really is such a
literal or call. An edit that does not fit is dropped with its whole fix: a fix is made exactly
as described or not at all. Edits touch only the text of their node, so comments, quotes and
formatting around them stay as they were.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace

from lossguard.facts import Location
from lossguard.findings import Autofix, Edit, EditKind

_STRING_START = re.compile(r"^([rRuU]?)('''|\"\"\"|'|\")")


class Text:
    """A file's text with its line offsets, to turn 1-based (line, column) into offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def offset(self, line: int, column: int) -> int | None:
        if not 1 <= line <= len(self.starts) or column < 1:
            return None
        at = self.starts[line - 1] + column - 1
        return at if at <= len(self.text) else None

    def span(self, location: Location) -> tuple[int, int] | None:
        start = self.offset(location.line, location.column)
        end = self.offset(location.end_line, location.end_column)
        if start is None or end is None or end < start:
            return None
        return start, end


def concrete(autofix: Autofix, text: Text, path: str) -> Autofix | None:
    """The fix with every edit an exact replacement in ``path``, or None when one does not fit."""
    edits = []
    for edit in autofix.edits:
        made = _concrete(edit, text, path)
        if made is None:
            return None
        edits.append(made)
    return replace(autofix, edits=tuple(edits))


def _concrete(edit: Edit, text: Text, path: str) -> Edit | None:
    location = edit.location
    if location.path != path or not location.resolved:
        return None
    span = text.span(location)
    if span is None:
        return None
    original = text.text[span[0] : span[1]]
    content = _content(edit, original)
    if content is None:
        return None
    return Edit(location, content)


def _content(edit: Edit, original: str) -> str | None:
    if edit.kind is EditKind.REPLACE:
        return edit.content
    if edit.kind in (EditKind.STRING, EditKind.LITERAL):
        if not _plain_string(original):
            return None
        if edit.kind is EditKind.LITERAL:
            return edit.content
        match = _STRING_START.match(original)
        if match is None or any(c in edit.content for c in "'\"\\\n"):
            return None
        prefix, quote = match.groups()
        return f"{prefix}{quote}{edit.content}{quote}"
    if edit.kind is EditKind.RENAME:
        assert edit.old is not None
        found = list(re.finditer(rf"(?<![\w]){re.escape(edit.old)}\b", original))
        if len(found) != 1:
            return None
        at = found[0]
        return original[: at.start()] + edit.content + original[at.end() :]
    if edit.kind is EditKind.KEYWORD:
        return _with_keyword(original, edit.content, edit.old)
    return None


def _plain_string(code: str) -> bool:
    """One ordinary string literal: not an f-string, bytes, or implicit concatenation (its
    opening quote's match, escapes skipped, is its last character)."""
    code = code.strip()
    match = _STRING_START.match(code)
    if match is None:
        return False
    try:
        tree = ast.parse(code, mode="eval")
    except (SyntaxError, ValueError):
        return False
    if not isinstance(tree.body, ast.Constant) or not isinstance(tree.body.value, str):
        return False
    quote = match.group(2)
    at = match.end()
    while at < len(code):
        if code[at] == "\\":
            at += 2
        elif code.startswith(quote, at):
            return at + len(quote) == len(code)
        else:
            at += 1
    return False


def _with_keyword(call: str, keyword: str, name: str | None) -> str | None:
    """``call`` with ``keyword`` (``name=value``) added before its closing parenthesis."""
    try:
        tree = ast.parse(call.strip(), mode="eval")
    except SyntaxError:
        return None
    node = tree.body
    if not isinstance(node, ast.Call) or not call.rstrip().endswith(")"):
        return None
    if any(k.arg is None or k.arg == name for k in node.keywords):
        return None  # already given, or possibly inside **kwargs
    close = call.rstrip().rfind(")")
    before = call[:close].rstrip()
    if not (node.args or node.keywords):
        return call[:close] + keyword + call[close:]
    separator = " " if before.endswith(",") else ", "
    return before + separator + keyword + call[len(before) : close] + call[close:]


def apply(text: str, fixes: list[Autofix]) -> tuple[str, list[Autofix]]:
    """Apply every fix none of whose edits overlaps one already taken; a fix goes in whole or
    waits for the next round (as ruff does)."""
    lines = Text(text)
    taken: list[tuple[int, int, str]] = []
    applied: list[Autofix] = []
    for fix in fixes:
        spans = [lines.span(edit.location) for edit in fix.edits]
        if not spans or any(span is None for span in spans):
            continue
        wanted = [(s[0], s[1], e.content) for s, e in zip(spans, fix.edits, strict=True) if s is not None]
        if any(_overlaps(a, b) for a in wanted for b in taken) or any(
            _overlaps(a, b) for i, a in enumerate(wanted) for b in wanted[i + 1 :]
        ):
            continue
        taken.extend(wanted)
        applied.append(fix)
    out: list[str] = []
    cursor = 0
    for start, end, content in sorted(taken):
        out.append(text[cursor:start])
        out.append(content)
        cursor = end
    out.append(text[cursor:])
    return "".join(out), applied


def _overlaps(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    return (a[0] < b[1] and b[0] < a[1]) or a[0] == a[1] == b[0] == b[1]
