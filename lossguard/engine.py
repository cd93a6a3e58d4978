"""Checking files: read → prefilter → extract facts → rules → place, filter and order findings.

I/O lives here and in the CLI; the extractor and the rules stay pure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lossguard.cache import Cache
from lossguard.config import Settings
from lossguard.facts import KerasTarget, Location
from lossguard.findings import FileResult, Finding, Related
from lossguard.rules import RULES, run_rules
from lossguard.static.sources import (
    SKIPPED_DIRS,
    SourceError,
    SourceText,
    iter_python_files,
    may_contain_findings,
    read_source,
)
from lossguard.suppressions import parse_suppressions

PARALLEL_THRESHOLD = 8
_LINE_TOKEN = re.compile(r"\{L:(\d+)\}")


class UsageError(Exception):
    """Bad paths or options: reported with exit status 2."""


@dataclass
class CheckOptions:
    settings: Settings
    target: KerasTarget
    use_cache: bool = True
    report_unused_ignores: bool = False
    jobs: int | None = None


@dataclass
class Report:
    results: list[FileResult] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    @property
    def checked(self) -> int:
        return sum(1 for r in self.results if r.error is None)

    @property
    def skipped(self) -> int:
        return sum(1 for r in self.results if r.skipped)

    @property
    def unreadable(self) -> list[FileResult]:
        return [r for r in self.results if r.error is not None]


# ----- one file ---------------------------------------------------------------------------


def check_source(path: str, data: bytes, options: CheckOptions) -> FileResult:
    """Every finding for one file's bytes (the unit that runs in worker processes)."""
    result = FileResult(path)
    try:
        source = read_source(path, data)
    except SourceError as exc:
        if path.endswith(".ipynb") and "notebook" in str(exc):
            result.findings = _filter(path, [_parse_error(path, str(exc), 1, 1)], options)
        else:
            result.error = str(exc)
        return result
    if not may_contain_findings(data):
        result.skipped = True
        return _with_suppressions(result, source, options, [])
    from lossguard.static.extract import ParseFailure, extract  # libcst: only for real candidates

    try:
        extraction = extract(source.text, path, options.target)
        raw = list(run_rules(extraction.facts, lambda code: options.settings.enabled(code, path)))
        placed = [_place(f, extraction.resolver, source) for f in raw]
    except ParseFailure as exc:
        finding = _parse_error(path, str(exc), exc.line, exc.column)
        return _with_suppressions(result, source, options, [finding])
    except Exception as exc:  # a bug in lossguard must not hide the other files' findings
        if os.environ.get("LOSSGUARD_DEBUG"):
            raise
        result.error = f"internal error, please report it: {type(exc).__name__}: {exc}"
        return result
    return _with_suppressions(result, source, options, placed)


def _parse_error(path: str, message: str, line: int, column: int) -> Finding:
    info = RULES["LG900"]
    return Finding(
        "LG900",
        info.name,
        info.severity,
        f"cannot parse this file: {message}; nothing else in it was checked",
        Location(path, line, column, line, column),
    )


def _place(finding: Finding, resolver: Any, source: SourceText) -> Finding:
    location = resolver.resolve(finding.location)
    related = tuple(Related(resolver.resolve(r.location), r.message) for r in finding.related)

    def line(match: re.Match[str]) -> str:
        resolved = resolver.resolve(Location(finding.path, ref=int(match.group(1))))
        spot = source.cells.locate(resolved.line) if source.cells is not None else None
        return f"cell {spot[0]}, line {spot[1]}" if spot else f"line {resolved.line}"

    message = _LINE_TOKEN.sub(line, finding.message)
    return replace(finding, location=location, related=related, message=message)


def _with_suppressions(
    result: FileResult, source: SourceText, options: CheckOptions, findings: list[Finding]
) -> FileResult:
    suppressions = parse_suppressions(source.text)
    kept = [f for f in _filter(result.path, findings, options) if not suppressions.suppresses(f)]
    if source.cells is not None:
        kept = [in_cell(f, source) for f in kept]
    result.findings = kept
    if options.report_unused_ignores:
        result.unused_ignores = suppressions.unused()
        result.findings += [
            _unused_ignore(result.path, line, code, source) for line, code in result.unused_ignores
        ]
        result.findings.sort(key=Finding.sort_key)
    return result


def _unused_ignore(path: str, line: int, code: str, source: SourceText) -> Finding:
    info = RULES["LG902"]
    what = "every code" if code == "*" else code
    finding = Finding(
        "LG902",
        info.name,
        info.severity,
        f"unused suppression: '# lossguard: ignore' for {what} silences no finding here",
        Location(path, line, 1, line, 1),
        fix="remove the comment (or the code from its list)",
    )
    return in_cell(finding, source) if source.cells is not None else finding


def _filter(path: str, findings: Iterable[Finding], options: CheckOptions) -> list[Finding]:
    seen: set[tuple[str, str, int, int]] = set()
    out = []
    for finding in findings:
        if not options.settings.enabled(finding.code, path):
            continue
        key = finding.dedupe_key()
        if key in seen:
            continue
        seen.add(key)
        severity = options.settings.severity_of(finding.code, finding.severity)
        out.append(replace(finding, severity=severity) if severity != finding.severity else finding)
    out.sort(key=Finding.sort_key)
    return out


def in_cell(finding: Finding, source: SourceText) -> Finding:
    assert source.cells is not None
    spot = source.cells.locate(finding.location.line)
    if spot is None:
        return finding
    return replace(finding, cell=spot[0], cell_line=spot[1])


# ----- many files -------------------------------------------------------------------------


def collect_paths(arguments: list[str], settings: Settings, force_exclude: bool = False) -> list[Path]:
    """Expand directories; a missing path is a usage error.

    Files named explicitly are checked even when ``exclude`` matches them, unless
    ``force_exclude`` (as pre-commit, which passes every staged file, needs).
    """
    files: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        if not path.exists():
            raise UsageError(f"{argument}: no such file or directory")
        if path.is_dir():
            for found in iter_python_files(path, SKIPPED_DIRS):
                if not settings.excluded(found):
                    files.append(found)
        elif not (force_exclude and settings.excluded(path)):
            files.append(path)
    unique: dict[str, Path] = {}
    for file in files:
        unique.setdefault(str(file), file)
    return list(unique.values())


def _check_path(path: str, options: CheckOptions) -> FileResult:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return FileResult(path, error=f"cannot read: {exc.strerror or exc}")
    return check_source(path, data, options)


def _check_one(path: str, options: CheckOptions) -> FileResult:
    return _check_path(path, options)


def check_paths(paths: list[Path], options: CheckOptions, cache: Cache | None = None) -> Report:
    report = Report()
    pending: list[str] = []
    results: dict[str, FileResult] = {}
    for path in paths:
        key = str(path)
        cached = cache.lookup(key) if cache is not None else None
        if cached is not None:
            results[key] = cached
        else:
            pending.append(key)
    for result in _run(pending, options):
        results[result.path] = result
        if cache is not None:
            cache.store(result.path, result)
    report.results = [results[str(p)] for p in paths]
    if cache is not None:
        cache.save()
    return report


def _run(pending: list[str], options: CheckOptions) -> list[FileResult]:
    jobs = options.jobs or os.cpu_count() or 1
    if jobs <= 1 or len(pending) < PARALLEL_THRESHOLD:
        return [_check_path(path, options) for path in pending]
    # Prefilter in this process so the workers only get files worth parsing.
    candidates: list[str] = []
    out: list[FileResult] = []
    for path in pending:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            candidates.append(path)
            continue
        if may_contain_findings(data):
            candidates.append(path)
        else:
            out.append(check_source(path, data, options))  # cheap: never parsed
    if len(candidates) < 2:
        return out + [_check_path(path, options) for path in candidates]
    # Big files first, handed out one by one, so that no worker waits on the last large file.
    candidates.sort(key=lambda p: -_size(p))
    workers = min(jobs, len(candidates))
    import multiprocessing  # only for many files: keeps a single-file check's start-up light
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        out.extend(pool.map(_check_one, candidates, [options] * len(candidates), chunksize=1))
    return out


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


__all__ = ["CheckOptions", "Report", "UsageError", "check_paths", "check_source", "collect_paths"]
