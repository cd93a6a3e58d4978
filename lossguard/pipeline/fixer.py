"""--fix: apply the fixes the findings carry, check again, repeat — as ruff does.

The engine has made every fix exact (``fix/edits.py``); here they are chosen (safe, or unsafe
with --unsafe-fixes; ``fixable``/``unfixable``), applied together where they do not overlap,
and the file is checked again until nothing more applies (at most ``MAX_FIX_ROUNDS``). A round
that would leave code that does not parse is not taken, and a fix that would create a finding
is refused (fix, then prove: each fix of such a round is proven alone). Scripts keep their encoding, BOM and
line endings; notebooks change only in the fixed cells' source (``fix/notebook.py``).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from lossguard.findings import FileResult, Finding
from lossguard.fix.edits import apply as apply_fixes
from lossguard.fix.notebook import apply_to_notebook
from lossguard.pipeline.engine import CheckOptions, check_source
from lossguard.reading.sources import SourceError, parse_python, read_source

MAX_FIX_ROUNDS = 10  # as ruff: fix, check again, until nothing more applies


@dataclass
class FixOutcome:
    """What --fix did to one file: its bytes before and after, the findings it fixed, and the
    check of the fixed bytes."""

    path: str
    original: bytes
    fixed: bytes
    applied: list[Finding]
    result: FileResult
    skipped: str | None = None  # why the fixes found could not be written (encoding, layout)
    refused: list[Finding] = field(default_factory=list)  # fixes not applied: they made a new finding

    @property
    def changed(self) -> bool:
        return self.fixed != self.original


def fixable_now(found: Finding, options: CheckOptions, unsafe: bool) -> bool:
    """A fix --fix applies: safe (or unsafe with --unsafe-fixes) and not excluded by config."""
    return found.fix_applies(unsafe) and options.settings.fix_enabled(found.code)


def fix_source(path: str, data: bytes, options: CheckOptions, unsafe: bool = False) -> FixOutcome:
    """Apply the fixes, check again, repeat (bounded); every round must leave valid Python."""
    static_only = replace(options, probe=None, use_cache=False)
    current = data
    result = check_source(path, current, static_only)
    applied: list[Finding] = []
    refused: list[Finding] = []
    skipped = None
    for _ in range(MAX_FIX_ROUNDS):
        wanted = [
            f for f in result.findings if fixable_now(f, static_only, unsafe) and not _among(f, refused)
        ]
        if not wanted:
            break
        fixed, done, skipped = _fix_round(path, current, wanted)
        if fixed is None or not done:
            break
        after = check_source(path, fixed, static_only)
        if not creates_findings(result, after, done):
            current, result = fixed, after
            applied.extend(done)
            continue
        # Fix, then prove: some fix of the round made a new finding. Each is proven alone; the
        # first that creates none is taken, the ones that do are refused (their findings stay).
        proven = _first_proven(path, current, wanted, result, static_only, refused)
        if proven is None:
            break
        current, result, done = proven
        applied.extend(done)
    return FixOutcome(path, data, current, applied, result, skipped, refused)


def creates_findings(before: FileResult, after: FileResult, fixed: list[Finding]) -> bool:
    """Did the fixed text gain a finding: a code more often than before, less the fixed ones?"""
    left = Counter(f.code for f in before.findings)
    left.subtract(Counter(f.code for f in fixed))
    return any(count > left[code] for code, count in Counter(f.code for f in after.findings).items())


def _among(found: Finding, findings: list[Finding]) -> bool:
    return any(f.code == found.code and f.message == found.message for f in findings)


def _first_proven(
    path: str,
    data: bytes,
    wanted: list[Finding],
    before: FileResult,
    options: CheckOptions,
    refused: list[Finding],
) -> tuple[bytes, FileResult, list[Finding]] | None:
    for one in wanted:
        fixed, done, _ = _fix_round(path, data, [one])
        if fixed is None or not done:
            refused.append(one)
            continue
        after = check_source(path, fixed, options)
        if creates_findings(before, after, done):
            refused.append(one)
            continue
        return fixed, after, done
    return None


def _fix_round(
    path: str, data: bytes, wanted: list[Finding]
) -> tuple[bytes | None, list[Finding], str | None]:
    try:
        source = read_source(path, data)
    except SourceError as exc:
        return None, [], str(exc)
    by_fix = {id(f.autofix): f for f in wanted}
    fixes = [f.autofix for f in wanted if f.autofix is not None]
    fixed_text, done = apply_fixes(source.text, fixes)
    findings = [by_fix[id(fix)] for fix in done]
    if not _parses(fixed_text):
        return None, [], "a fix would leave code that does not parse; nothing was written"
    if source.cells is not None:
        edits = [edit for fix in done for edit in fix.edits]
        notebook = apply_to_notebook(data, source.cells.lines, edits, source.text)
        if notebook is None:
            return None, [], "the notebook's cells or JSON layout could not be kept; nothing was written"
        return notebook, findings, None
    encoded = _encode_like(data, source.text, fixed_text)
    if encoded is None:
        return None, [], "only UTF-8 files are fixed; nothing was written"
    return encoded, findings, None


def _parses(text: str) -> bool:
    try:
        parse_python(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _encode_like(data: bytes, text: str, fixed: str) -> bytes | None:
    """The fixed text in the original's bytes: UTF-8, its BOM, and each line's own ending (LF,
    CRLF or CR, mixed as they were) and characters the reader normalised (a no-break space)
    kept wherever the fixes did not touch them. None: the file is not UTF-8."""
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    try:
        original = data[len(bom) :].decode("utf-8")
    except UnicodeDecodeError:
        return None
    parts = _LINE_BREAK.split(original)
    contents, endings = parts[0::2], [*parts[1::2], ""]
    text_lines, fixed_lines = text.split("\n"), fixed.split("\n")
    if len(contents) != len(text_lines) or any(
        c != t and c.replace("\u00a0", " ") != t for c, t in zip(contents, text_lines, strict=True)
    ):
        return None  # characters read differently: not rewritten
    usual = max(set(parts[1::2]), key=parts[1::2].count, default="\n")
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, text_lines, fixed_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += [contents[k] + endings[k] for k in range(i1, i2)]
            continue
        for n, line in enumerate(fixed_lines[j1:j2]):
            k = i1 + n
            if k < i2:
                out.append(_outside_edit(contents[k], text_lines[k], line) + endings[k])
            else:  # a line the fixes added: the ending of the line it follows
                out.append(line + (endings[i2 - 1] if i2 > i1 and endings[i2 - 1] else usual))
    return bom + "".join(out).encode("utf-8")


_LINE_BREAK = re.compile("(\r\n|\r|\n)")


def _outside_edit(original: str, read: str, fixed: str) -> str:
    """A changed line, with the original's characters kept before and after the edit."""
    if original == read:
        return fixed
    head = _common(read, fixed)
    tail = _common(read[head:][::-1], fixed[head:][::-1])
    kept_tail = original[len(original) - tail :] if tail else ""
    return original[:head] + fixed[head : len(fixed) - tail] + kept_tail


def _common(a: str, b: str) -> int:
    """The length of the common prefix of two strings."""
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return size
