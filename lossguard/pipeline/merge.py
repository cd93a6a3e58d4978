"""One finding per problem: a runtime finding that confirms a static one marks it ``both``."""

from __future__ import annotations

import ast
from dataclasses import replace

from lossguard.facts import Source
from lossguard.findings import Finding
from lossguard.reading.sources import parse_python


def statement_spans(text: str) -> list[tuple[int, int]]:
    """Line spans of the simple statements (a finding's statement: where it is 'the same')."""
    try:
        tree = parse_python(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    compound = (
        ast.FunctionDef
        | ast.ClassDef
        | ast.AsyncFunctionDef
        | ast.If
        | ast.For
        | ast.While
        | ast.With
        | ast.Try
    )
    return [
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.stmt) and not isinstance(node, compound)
    ]


def _span_of(line: int, spans: list[tuple[int, int]]) -> tuple[int, int]:
    best = (line, line)
    for start, end in spans:
        if start <= line <= end and (best == (line, line) or end - start < best[1] - best[0]):
            best = (start, end)
    return best


def merge(static: list[Finding], runtime: list[Finding], text: str) -> list[Finding]:
    """Static findings, each marked ``both`` when the probe saw the same code at the same
    statement (its own or a related line), plus the runtime findings nobody saw statically."""
    if not runtime:
        return static
    spans = statement_spans(text)
    merged = list(static)
    for finding in runtime:
        places = [finding.location.line] + [r.location.line for r in finding.related]
        windows = [_span_of(line, spans) for line in places]
        match = None
        for index, existing in enumerate(merged):
            if existing.code != finding.code or existing.source is Source.RUNTIME:
                continue
            lines = [existing.location.line] + [r.location.line for r in existing.related]
            if any(start <= line <= end for line in lines for start, end in windows):
                match = index
                break
        if match is not None:
            merged[match] = replace(merged[match], source=Source.BOTH)
        elif not any(f.code == finding.code and f.location.line == finding.location.line for f in merged):
            merged.append(finding)
    return merged
