"""Line and column of a node handle, computed only for what is reported.

libcst positions cost a full code generation of the statement, so the cheap path finds the
node's exact text inside the line span of its top-level statement (from ``ast``) and inside the
text of the statement that was executing; only when that text is not unique does it fall back
to libcst's PositionProvider on that one top-level statement — never on the whole module.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import replace

import libcst as cst

from lossguard.facts import Location
from lossguard.static.modules import Origin


class ProjectPositions:
    """Resolves locations in the checked file and in the project modules it imported."""

    def __init__(
        self,
        origins: list[Origin],
        refs: list[tuple[int, cst.CSTNode | None, cst.CSTNode]],
        ref_origins: list[int],
    ) -> None:
        self.origins = origins
        self.refs = refs
        self.ref_origins = ref_origins
        self._resolvers: dict[int, PositionResolver] = {}

    def resolve(self, location: Location) -> Location:
        if location.ref is None or location.resolved:
            return location
        origin = self.ref_origins[location.ref]
        resolver = self._resolvers.get(origin)
        if resolver is None:
            parsed = self.origins[origin].parsed
            resolver = PositionResolver(parsed.module, self.refs, parsed.text, parsed.spans)
            self._resolvers[origin] = resolver
        return resolver.resolve(location)


class PositionResolver:
    """Resolves the ``ref`` of a static ``Location`` to its line and column."""

    def __init__(
        self,
        module: cst.Module,
        refs: list[tuple[int, cst.CSTNode | None, cst.CSTNode]],
        text: str,
        spans: list[tuple[int, int]] | None = None,
    ) -> None:
        self.module = module
        self.refs = refs
        self.text = text
        self._offsets: list[int] | None = None
        self._positions: dict[int, dict[cst.CSTNode, object]] = {}
        self._spans: list[tuple[int, int]] | None = (
            spans if spans is not None and len(spans) == len(module.body) else None
        )
        self._line_starts: list[int] | None = None
        self._cache: dict[int, Location] = {}

    def resolve(self, location: Location) -> Location:
        if location.ref is None or location.resolved:
            return location
        found = self._cache.get(location.ref)
        if found is None:
            found = self._locate(location.ref, location.path)
            self._cache[location.ref] = found
        return replace(
            location,
            line=found.line,
            column=found.column,
            end_line=found.end_line,
            end_column=found.end_column,
        )

    def _locate(self, ref: int, path: str) -> Location:
        stmt_index, statement, node = self.refs[ref]
        if stmt_index >= len(self.module.body):
            return Location(path, 1, 1, 1, 1)
        try:
            quick = self._by_text(stmt_index, statement, node)
            if quick is not None:
                return Location(path, *quick)
            return Location(path, *self._by_metadata(stmt_index, node))
        except RecursionError:  # a node nested too deeply to render: its statement's first line
            line = self._spans[stmt_index][0] if self._spans else 1
            return Location(path, line, 1, line, 1)

    # ----- the cheap path -------------------------------------------------------------------

    def _top_level_spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            return []
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        return self._spans

    def _by_text(
        self, stmt_index: int, statement: cst.CSTNode | None, node: cst.CSTNode
    ) -> tuple[int, int, int, int] | None:
        spans = self._top_level_spans()
        if not spans or self._line_starts is None:
            return None
        starts = self._line_starts
        first, last = spans[stmt_index]
        begin = starts[first - 1]
        end = starts[last] if last < len(starts) else len(self.text)
        windows = [(begin, end), (0, len(self.text))]
        if statement is not None and statement is not node:
            statement_text = self.module.code_for_node(statement).strip()
            at = _unique(self.text, statement_text, begin, end)
            if at is not None:
                windows.insert(0, (at, at + len(statement_text)))
        node_text = self.module.code_for_node(node).strip()
        for low, high in windows:
            at = _unique(self.text, node_text, low, high)
            if at is not None:
                return (*self._line_column(at), *self._line_column(at + len(node_text)))
            if self.text.find(node_text, low, high) >= 0:
                return None  # present but ambiguous here: a wider window cannot do better
        return None

    def _line_column(self, offset: int) -> tuple[int, int]:
        assert self._line_starts is not None
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    # ----- the exact path -------------------------------------------------------------------

    def _by_metadata(self, stmt_index: int, node: cst.CSTNode) -> tuple[int, int, int, int]:
        positions = self._positions.get(stmt_index)
        if positions is None:
            from libcst.metadata import MetadataWrapper, PositionProvider  # the rare, costly path

            stmt = self.module.body[stmt_index]
            mini = cst.Module(
                body=[stmt],
                default_indent=self.module.default_indent,
                default_newline=self.module.default_newline,
            )
            wrapper = MetadataWrapper(mini, unsafe_skip_copy=True)
            positions = dict(wrapper.resolve(PositionProvider))
            self._positions[stmt_index] = positions
        code_range = positions.get(node)
        if code_range is None:
            return (1, 1, 1, 1)
        offset = self._statement_offset(stmt_index)
        start, end = code_range.start, code_range.end  # type: ignore[attr-defined]
        return (start.line + offset, start.column + 1, end.line + offset, end.column + 1)

    def _statement_offset(self, stmt_index: int) -> int:
        """Lines before the statement's own leading comments: from ast's span, no rendering."""
        stmt = self.module.body[stmt_index]
        leading = len(getattr(stmt, "leading_lines", ()))
        if self._spans is not None:
            return self._spans[stmt_index][0] - 1 - leading
        if self._offsets is None:  # no ast spans (never for a file CPython parsed): render once
            offsets, line = [], len(self.module.header)
            for each in self.module.body:
                offsets.append(line)
                line += self.module.code_for_node(each).count("\n")
            self._offsets = offsets
        return self._offsets[stmt_index]


def _unique(text: str, needle: str, begin: int, end: int) -> int | None:
    if not needle:
        return None
    first = text.find(needle, begin, end)
    if first < 0 or text.find(needle, first + 1, end) >= 0:
        return None
    return first
