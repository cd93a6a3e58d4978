"""The face of --fix, --unsafe-fixes, --diff and --show-fixes (ruff's contract).

--fix writes the fixed files as an editor does (into the file a symlink points at, in place: its
hard links, owner and mode stay; not when it changed on disk since it was read) and reports
what remains;
--diff prints a unified diff of what --fix would do and writes nothing (exit 1 when there is a
diff); with stdin, --fix writes the fixed code to stdout and the report to stderr.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from lossguard.findings import Finding, Report
from lossguard.pipeline.engine import CheckOptions, UsageError, check_paths, collect_paths
from lossguard.pipeline.fixer import FixOutcome, fix_source, fixable_now
from lossguard.reading.sources import SourceError, read_bytes


@dataclass(frozen=True)
class FixRequest:
    fix: bool
    unsafe: bool
    diff: bool
    show: bool


def run_fixes(
    arguments: list[str],
    options: CheckOptions,
    request: FixRequest,
    stdin_name: str | None,
    force_exclude: bool,
) -> tuple[Report, IO[str] | None]:
    """Fix (or diff) the files; the report of what remains, and the stream it belongs on."""
    if arguments == ["-"]:
        name = stdin_name or "-"
        outcome = fix_source(name, sys.stdin.buffer.read(), options, request.unsafe)
        if request.diff:
            _exit_with_diffs([outcome])
        sys.stdout.buffer.write(outcome.fixed)
        sys.stdout.flush()
        _note(outcome)
        return Report([outcome.result], unsafe_fixes=request.unsafe, fixed=outcome.applied), sys.stderr
    if "-" in arguments:
        raise UsageError("'-' (stdin) cannot be mixed with other paths")
    files = collect_paths(arguments, options.settings, force_exclude)
    if not files:
        raise UsageError(f"no Python files or notebooks found in {', '.join(arguments)}")
    static = replace(options, probe=None)
    report = check_paths(files, static)
    outcomes: dict[str, FixOutcome] = {}
    for result in report.results:
        if any(fixable_now(f, static, request.unsafe) for f in result.findings):
            try:
                outcomes[result.path] = fix_source(
                    result.path, read_bytes(result.path), static, request.unsafe
                )
            except SourceError:
                continue
    if request.diff:
        _exit_with_diffs(list(outcomes.values()))
    for path, outcome in list(outcomes.items()):
        _note(outcome)
        if outcome.changed and not _write_in_place(Path(outcome.path), outcome.original, outcome.fixed):
            del outcomes[path]  # not written: its first check stands
    fixed = [f for outcome in outcomes.values() for f in outcome.applied]
    if options.probe is not None:
        final = check_paths(files, options)  # the probe runs on the fixed files
    else:
        final = Report([outcomes[r.path].result if r.path in outcomes else r for r in report.results])
    final.unsafe_fixes, final.fixed = request.unsafe, fixed
    return final, None


def list_fixes(report: Report, stream: IO[str]) -> None:
    """ruff's --show-fixes listing: per file, how many of each code were fixed."""
    if not report.fixed:
        stream.write("No problems fixed.\n")
        return
    stream.write(f"Fixed {len(report.fixed)} problem{'s' if len(report.fixed) != 1 else ''}:\n")
    by_file: dict[str, Counter[tuple[str, str]]] = {}
    for found in report.fixed:
        by_file.setdefault(found.path, Counter())[(found.code, found.name)] += 1
    for path, counts in by_file.items():
        stream.write(f"- {path}:\n")
        for (code, name), count in sorted(counts.items()):
            stream.write(f"    {count} × {code} ({name})\n")


def fixed_line(fixed: list[Finding]) -> str:
    return f"Fixed {len(fixed)} problem{'s' if len(fixed) != 1 else ''}."


def _exit_with_diffs(outcomes: list[FixOutcome]) -> None:
    changed = [o for o in outcomes if o.changed]
    for outcome in changed:
        sys.stdout.write(_diff(outcome))
        _note(outcome)
    count = sum(len(o.applied) for o in changed)
    if count:
        sys.stderr.write(f"Would fix {count} problem{'s' if count != 1 else ''}.\n")
    else:
        sys.stderr.write("No fixes to apply.\n")
    raise SystemExit(1 if changed else 0)


def _diff(outcome: FixOutcome) -> str:
    before = outcome.original.decode("utf-8", "replace").splitlines(keepends=True)
    after = outcome.fixed.decode("utf-8", "replace").splitlines(keepends=True)
    # A name with spaces ends at a tab, as patch and git apply read the header.
    stamp = " " if any(c.isspace() for c in outcome.path) else ""
    lines = difflib.unified_diff(
        before, after, fromfile=outcome.path, tofile=outcome.path, fromfiledate=stamp, tofiledate=stamp
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _note(outcome: FixOutcome) -> None:
    if outcome.skipped:
        sys.stderr.write(f"lossguard: {outcome.path}: fixes not applied: {outcome.skipped}\n")
    for refused in outcome.refused:
        sys.stderr.write(
            f"lossguard: {outcome.path}: the {refused.code} fix was not applied: it would create a new "
            "finding (fix it by hand)\n"
        )


def _write_in_place(path: Path, original: bytes, data: bytes) -> bool:
    """Write the fixed bytes into the file itself, as an editor saves: the target of a symlink,
    the same inode (hard links, owner, mode and ACLs stay). Refused, and said, when the file no
    longer holds the bytes that were fixed (edited while --fix ran)."""
    try:
        fd = os.open(os.path.realpath(path), os.O_RDWR | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        current = b""
        while chunk := os.read(fd, 1 << 20):
            current += chunk
            if len(current) > len(original):
                break
        if current != original:
            sys.stderr.write(f"lossguard: {path}: changed on disk since it was read; fixes not written\n")
            return False
        os.lseek(fd, 0, os.SEEK_SET)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    return True
