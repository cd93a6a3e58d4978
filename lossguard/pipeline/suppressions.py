"""Inline suppressions.

``# lossguard: ignore[LG001,LG020]`` silences those codes for a finding on that line, or — when
the comment stands on a line of its own — on the line below; it also works on any of the
finding's related lines (where the loss is written, say). A bare ``# lossguard: ignore``
silences every code there; ``# lossguard: ignore-file`` (optionally ``[codes]``) the whole file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lossguard.findings import Finding

_COMMENT = re.compile(
    r"#\s*lossguard:\s*(?P<kind>ignore-file|ignore)\b(?:\[(?P<codes>[A-Za-z0-9_,\s]*)\])?",
    re.IGNORECASE,
)
ALL = "*"


@dataclass
class Suppressions:
    lines: dict[int, frozenset[str]] = field(default_factory=dict)  # {"*"} means every code
    own_line: set[int] = field(default_factory=set)  # comments standing alone on their line
    file_codes: frozenset[str] | None = None  # ignore-file; None when absent
    used: set[tuple[int, str]] = field(default_factory=set)

    def _entries_for(self, line: int) -> list[tuple[int, frozenset[str]]]:
        """The comments that apply to a line: its own, and an own-line comment right above."""
        entries = []
        if line in self.lines:
            entries.append((line, self.lines[line]))
        if line - 1 in self.own_line:
            entries.append((line - 1, self.lines[line - 1]))
        return entries

    def suppresses(self, finding: Finding) -> bool:
        if self.file_codes is not None and (ALL in self.file_codes or finding.code in self.file_codes):
            return True
        lines = [finding.location.line]
        lines += [r.location.line for r in finding.related if r.location.path == finding.path]
        for line in lines:
            for where, codes in self._entries_for(line):
                if ALL in codes or finding.code in codes:
                    self.used.add((where, ALL if ALL in codes else finding.code))
                    return True
        return False

    def unused(self) -> list[tuple[int, str]]:
        """(line, code) of every suppression that silenced nothing."""
        out = []
        for line, codes in sorted(self.lines.items()):
            for code in sorted(codes):
                if (line, code) not in self.used:
                    out.append((line, code))
        return out


def parse_suppressions(text: str) -> Suppressions:
    found = Suppressions()
    if "lossguard:" not in text.lower():
        return found
    for number, line in enumerate(text.split("\n"), start=1):
        if "lossguard:" not in line.lower():
            continue
        match = _COMMENT.search(line)
        if match is None:
            continue
        codes_text = match.group("codes")
        codes = frozenset(
            {c.strip().upper() for c in codes_text.split(",") if c.strip()} if codes_text else {ALL}
        )
        if match.group("kind").lower() == "ignore-file":
            found.file_codes = (found.file_codes or frozenset()) | codes
            continue
        found.lines[number] = codes
        if line.lstrip().startswith("#"):
            found.own_line.add(number)
    return found
