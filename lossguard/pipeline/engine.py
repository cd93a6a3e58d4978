"""The one pipeline: read → prefilter → facts (static, probe) → rules → merge → severity,
suppressions, cell mapping → findings.

Every fact source goes through the same steps once: a finding the user silenced stays silent
whether the extractor or the probe found it, and the tool codes (LG900–LG902) are made by the
same constructor as rule findings. I/O lives here and in the face; the fact sources and the
rules stay pure.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from lossguard.facts import Diagnostic, KerasTarget, Location, ModuleFacts, Observed, Source
from lossguard.findings import FileResult, Finding, Report
from lossguard.keras.semantics import pinned_target, same_resolution
from lossguard.pipeline.cache import Cache
from lossguard.pipeline.merge import merge
from lossguard.pipeline.pins import forget_pins, lookup_pin
from lossguard.pipeline.project import Project
from lossguard.pipeline.settings import Settings
from lossguard.pipeline.suppressions import Suppressions, parse_suppressions
from lossguard.reading.sources import (
    MAX_CODE_LINES,
    SKIPPED_DIRS,
    SourceError,
    SourceText,
    as_python_reads,
    iter_python_files,
    read_bytes,
    read_source,
    too_long,
)
from lossguard.rules import RULES, Gate, finding, gate_for, makes_setups, run_rules

if TYPE_CHECKING:
    from lossguard.fix.edits import Text

PARALLEL_THRESHOLD = 8


class UsageError(Exception):
    """Bad paths or options: reported with exit status 2."""


@dataclass(frozen=True)
class ProbeOptions:
    timeout: float = 120.0
    device: str = "auto"
    args: tuple[str, ...] = ()  # the script's command-line arguments (--probe-args)


def ensure_probe_available() -> None:
    """A usage error when TensorFlow/Keras are missing (checked without importing them)."""
    from lossguard.probe.runner import ProbeUnavailable, ensure_available

    try:
        ensure_available()
    except ProbeUnavailable as exc:
        raise UsageError(str(exc)) from None


@dataclass
class CheckOptions:
    settings: Settings
    target: KerasTarget
    use_cache: bool = True
    report_unused_ignores: bool = False
    jobs: int | None = None
    probe: ProbeOptions | None = None  # set: the runtime probe is a second fact source
    read_pins: bool = False  # the version was not named: a file's project pin replaces ``target``

    def target_for(self, path: str, code: bytes) -> tuple[KerasTarget, dict[str, str]]:
        """The Keras a file is checked against, and the files that decided it (for the cache):
        the Keras its project pins (``pipeline/pins.py``) when the user named none."""
        if not self.read_pins:
            return self.target, {}
        found = lookup_pin(Path(path))
        pin = found.pin
        pinned = pinned_target(pin.spec, pin.described()) if pin and pin.names_keras_of(code) else None
        return pinned or self.target, found.consulted

    def enabled(self, path: str) -> frozenset[str]:
        return frozenset(code for code in RULES if self.settings.enabled(code, path))

    def gate(self, path: str) -> Gate:
        return gate_for(self.enabled(path))


# ----- one file ---------------------------------------------------------------------------


def check_source(path: str, data: bytes, options: CheckOptions) -> FileResult:
    """Every finding for one file's bytes (the unit that runs in worker processes)."""
    result = FileResult(path, digest=hashlib.sha256(data).hexdigest())
    try:
        source = read_source(path, data)
    except SourceError as exc:
        if path.endswith(".ipynb") and "notebook" in str(exc):
            return _finish(result, SourceText(path, ""), options, [_parse_error(path, str(exc), 1, 1)])
        return not_checked(result, options, str(exc))
    except Exception as exc:  # a bug in reading must not stop the other files' checks
        if os.environ.get("LOSSGUARD_DEBUG"):
            raise
        result.internal_error = True
        return not_checked(result, options, f"internal error, please report it: {type(exc).__name__}: {exc}")
    # A notebook cell that does not compile is skipped alone; the other cells are checked.
    skipped_cells = [_parse_error(path, p.message, p.line, p.column, cell=True) for p in source.problems]
    gate = options.gate(path)
    code = as_python_reads(source.text)  # analysed as Python reads it; fixes check the file's text
    analysed = source if code is source.text else replace(source, text=code)
    if b"\x00" in data[:4] or source.cells is not None or analysed is not source:
        # UTF-16/32, a notebook's JSON (escapes, a source split into characters), identifiers
        # NFKC-normalised: the words are matched in the code as Python reads it
        data = (code + "\n" + source.written).encode("utf-8", "surrogatepass")
    static = gate.static_candidate(data)
    project = None
    if may_follow(data, options):
        project = Project.around(path, data)  # a notebook's imports are in its cells' text
    if project is not None and project.files:
        result.dependencies.update(project.digests())
        # The model may live in an imported module: its words count for the prefilter too.
        static = static or gate.static_candidate(data + b"\n" + project.joined())
    runtime = options.probe is not None and gate.runtime_candidate(data) and not skipped_cells
    if options.probe is not None and static and not runtime and not skipped_cells:
        result.notes.append("probe not run: no fit(), fit_generator() or train_on_batch() call in this file")
    if not static and not runtime:
        result.skipped = True  # not Keras training code: not analysed, so no syntax verdict either
        return _finish(result, source, options, [])
    target, consulted = options.target_for(path, data)  # only for files analysed
    result.dependencies.update(consulted)
    found: list[Finding] = []
    stopped: str | None = None
    if static and source.text.count("\n") > MAX_CODE_LINES:
        return not_checked(result, options, too_long(source.text.count("\n")))
    if static:
        from lossguard.static.extract import NotAnalysable, ParseFailure  # libcst: only for candidates

        try:
            found, stopped = _static_findings(analysed, options, gate, project, target)
        except ParseFailure as exc:
            return _finish(result, source, options, [_parse_error(path, str(exc), exc.line, exc.column)])
        except NotAnalysable as exc:
            return not_checked(result, options, f"could not analyse: {exc}")
        except Exception as exc:  # a bug in lossguard must not hide the other files' findings
            if os.environ.get("LOSSGUARD_DEBUG"):
                raise
            result.internal_error = True
            return not_checked(
                result, options, f"internal error, please report it: {type(exc).__name__}: {exc}"
            )
    found += skipped_cells
    if stopped is not None:  # what was found before is reported; the file is not "checked"
        result.error = stopped
        reason = f"this file was not checked completely: {stopped}; the rest of it was not analysed"
        found.append(finding("LG903", reason, Location(path, 1, 1, 1, 1)))
    if runtime:
        assert options.probe is not None
        observed, seen = _runtime_findings(source, options, options.probe, target)
        found = merge(found, seen, source.text)
        if observed is not None:
            result.notes += [f"probe: {note}" for note in observed.notes]
    return _finish(result, source, options, found, project.texts() if project is not None else None)


def check_facts(path: str, text: str, facts: ModuleFacts, options: CheckOptions) -> FileResult:
    """Findings for facts read elsewhere than from a file (the objects of a notebook kernel,
    ``live/``): the same rules, selection, severity and suppressions, in ``text``'s lines."""
    found = [replace(f, source=Source.RUNTIME) for f in _rules(facts, path, options)]
    return _finish(FileResult(path), SourceText(path, text), options, found)


def _static_findings(
    source: SourceText, options: CheckOptions, gate: Gate, project: Project | None, target: KerasTarget
) -> tuple[list[Finding], str | None]:
    """The static findings, and why the analysis stopped early (None: it did not)."""
    from lossguard.static.extract import extract

    loader = project.load if project is not None and project.files else None
    extraction = extract(source.text, source.path, target, gate.method_anchor, loader)
    raw = _rules(extraction.facts, source.path, options)
    # A mismatch wholly inside an imported module is reported when that module is checked.
    found = [f.relocated(extraction.resolver.resolve) for f in raw if f.location.path == source.path]
    return found, extraction.stopped


def _runtime_findings(
    source: SourceText, options: CheckOptions, probe: ProbeOptions, target: KerasTarget
) -> tuple[ModuleFacts | None, list[Finding]]:
    """The probe's facts (with its notes) and the findings the rules make of them."""
    from lossguard.probe.runner import observe

    observed: Observed = observe(source, timeout=probe.timeout, device=probe.device, args=probe.args)
    found = [replace(f, source=Source.RUNTIME) for f in _rules(observed.facts, source.path, options)]
    probed = observed.facts.keras if observed.facts is not None else None
    if probed is not None and not same_resolution(probed, target):
        # The probe ran another Keras than the target: what the target resolves, static says.
        found = [f for f in found if not _version_dependent(f.code)]
    found += [_tool_finding(d) for d in observed.diagnostics]
    if observed.unexplained is not None and not any(f.severity == "error" for f in found):
        found.append(_tool_finding(observed.unexplained))
    return observed.facts, found


def _version_dependent(code: str) -> bool:
    needs = RULES[code].needs
    return needs is not None and needs.version_dependent


def _rules(facts: ModuleFacts | None, path: str, options: CheckOptions) -> list[Finding]:
    if facts is None:
        return []
    return list(run_rules(facts, lambda code: options.settings.enabled(code, path)))


def _tool_finding(diagnostic: Diagnostic) -> Finding:
    return finding(
        diagnostic.code, diagnostic.message, diagnostic.location, fix=diagnostic.fix, source=Source.RUNTIME
    )


def _parse_error(path: str, message: str, line: int, column: int, cell: bool = False) -> Finding:
    where = Location(path, line, column, line, column)
    if cell:
        return finding(
            "LG900", f"cannot parse this cell: {message}; the cell was skipped, the others checked", where
        )
    return finding("LG900", f"cannot parse this file: {message}; nothing else in it was checked", where)


def not_checked(result: FileResult, options: CheckOptions, reason: str) -> FileResult:
    """A file lossguard did not read or analyse: reported (LG903), never a silent pass."""
    result.error = reason
    found = finding("LG903", f"this file was not checked: {reason}", Location(result.path, 1, 1, 1, 1))
    result.findings = _select(result.path, [found], options)
    return result


def _finish(
    result: FileResult,
    source: SourceText,
    options: CheckOptions,
    found: list[Finding],
    texts: dict[str, str] | None = None,
) -> FileResult:
    """Severity, selection, suppressions, cell mapping and unused suppressions, once for all sources."""
    suppressions = parse_suppressions(source.text)
    kept = [f for f in _select(result.path, found, options) if not suppressions.suppresses(f)]
    if options.report_unused_ignores:
        result.unused_ignores = suppressions.unused()
        kept += _select(result.path, _unused(result.path, suppressions), options)
    if any(f.autofix is not None for f in kept):
        from lossguard.fix.edits import Text  # only files with a fixable finding pay for it

        text = Text(source.text)
        kept = [_concrete_fix(f, text, result.path) for f in kept]
    if source.cells is not None:
        cells = source.cells

        def in_cell(location: Location) -> Location:
            if location.path != result.path:
                return location  # in a module the notebook imports
            spot = cells.locate(location.line)
            return replace(location, cell=spot[0], cell_line=spot[1]) if spot else location

        kept = [f.relocated(in_cell) for f in kept]
    kept.sort(key=Finding.sort_key)
    result.findings = kept
    result.lines = quoted_lines(kept, result.path, source.text, texts)
    return result


def quoted_lines(
    found: list[Finding], path: str, text: str, texts: dict[str, str] | None = None
) -> dict[str, dict[int, str]]:
    """The lines the findings and their related places point at, from the text that was
    checked (and the project modules read for it): what reporters show, without reading files."""
    wanted: dict[str, set[int]] = {}
    for each in found:
        for location in (each.location, *(r.location for r in each.related)):
            if location.line > 0:
                wanted.setdefault(location.path, set()).add(location.line)
    out: dict[str, dict[int, str]] = {}
    for where, numbers in wanted.items():
        body = text if where == path else (texts or {}).get(where)
        if body is None:
            continue
        lines = body.split("\n")
        out[where] = {n: lines[n - 1].rstrip("\r") for n in sorted(numbers) if n <= len(lines)}
    return out


def _concrete_fix(found: Finding, text: Text, path: str) -> Finding:
    """The rule's edits checked against the text and made exact; a fix that does not fit is
    dropped (the finding keeps its fix in words)."""
    from lossguard.fix.edits import concrete

    if found.autofix is None:
        return found
    return replace(found, autofix=concrete(found.autofix, text, path))


def _unused(path: str, suppressions: Suppressions) -> list[Finding]:
    out = []
    for line, code in suppressions.unused():
        what = "every code" if code == "*" else code
        out.append(
            finding(
                "LG902",
                f"unused suppression: '# lossguard: ignore' for {what} silences no finding here",
                Location(path, line, 1, line, 1),
                fix="remove the comment (or the code from its list)",
            )
        )
    return out


def _select(path: str, findings: Iterable[Finding], options: CheckOptions) -> list[Finding]:
    seen: set[tuple[str, str, int, int]] = set()
    out = []
    for found in findings:
        if not options.settings.enabled(found.code, path):
            continue
        key = found.dedupe_key()
        if key in seen:
            continue
        seen.add(key)
        severity = options.settings.severity_of(found.code, found.severity)
        out.append(replace(found, severity=severity) if severity != found.severity else found)
    return out


# ----- many files -------------------------------------------------------------------------


class NothingToCheck(UsageError):
    """Every path given was excluded (``exclude``, ``.gitignore``): not an error, exit 0, as
    pre-commit with ``--force-exclude`` needs when only excluded files are staged."""


def collect_paths(arguments: list[str], settings: Settings, force_exclude: bool = False) -> list[Path]:
    """Expand directories; a missing path is a usage error.

    Files named explicitly are checked even when ``exclude`` or a ``.gitignore`` matches them,
    unless ``force_exclude`` (as pre-commit, which passes every staged file, needs).
    """
    ignores = None
    if settings.respect_gitignore:
        from lossguard.pipeline.ignores import IgnoreFiles

        ignores = IgnoreFiles()

    def left_out(path: Path) -> bool:
        return settings.excluded(path) or (ignores is not None and ignores.ignored(path))

    files: list[Path] = []
    dropped = 0
    for argument in arguments:
        path = Path(argument)
        if not path.exists():
            raise UsageError(f"{argument}: no such file or directory")
        if path.is_dir():
            for found in iter_python_files(path, SKIPPED_DIRS):
                if left_out(found):
                    dropped += 1
                else:
                    files.append(found)
        elif force_exclude and left_out(path):
            dropped += 1
        else:
            files.append(path)
    if not files and dropped:
        given = ", ".join(arguments)
        raise NothingToCheck(f"all {dropped} file(s) in {given} are excluded; nothing to check")
    unique: dict[str, Path] = {}
    for file in files:
        unique.setdefault(str(file), file)
    return list(unique.values())


def _check_path(path: str, options: CheckOptions) -> FileResult:
    try:
        data = read_bytes(path)
    except SourceError as exc:
        return not_checked(FileResult(path), options, str(exc))
    return check_source(path, data, options)


def check_paths(paths: list[Path], options: CheckOptions, cache: Cache | None = None) -> Report:
    forget_pins()
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
    jobs = 1 if options.probe is not None else options.jobs or os.cpu_count() or 1
    if jobs <= 1 or len(pending) < PARALLEL_THRESHOLD:
        return [_check_path(path, options) for path in pending]
    # Prefilter in this process so the workers only get files worth parsing.
    candidates: list[str] = []
    out: list[FileResult] = []
    for path in pending:
        try:
            data = read_bytes(path)
        except SourceError as exc:
            out.append(not_checked(FileResult(path), options, str(exc)))
            continue
        if options.gate(path).static_candidate(data) or may_follow(data, options):
            candidates.append(path)
        else:
            out.append(check_source(path, data, options))  # cheap: never parsed
    if len(candidates) < 2:
        return out + [_check_path(path, options) for path in candidates]
    # Big files first, handed out one by one, so that no worker waits on the last large file.
    candidates.sort(key=lambda p: -_size(p))
    return out + _pooled(candidates, options, min(jobs, len(candidates)))


def _pooled(paths: list[str], options: CheckOptions, workers: int) -> list[FileResult]:
    """Check files in worker processes. A worker that dies (a crash in native code) costs only
    its own file: the files in flight are checked again one per process to find it."""
    import multiprocessing  # only for many files: keeps a single-file check's start-up light
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
    results: dict[str, FileResult] = {}
    suspects: list[str] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(_check_path, path, options): path for path in paths}
        for future in as_completed(futures):
            try:
                results[futures[future]] = future.result()
            except BrokenProcessPool:
                suspects.append(futures[future])
    for path in suspects:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as alone:
            try:
                results[path] = alone.submit(_check_path, path, options).result()
            except BrokenProcessPool:
                failed = FileResult(path, internal_error=True)
                results[path] = not_checked(
                    failed, options, "lossguard's worker process crashed on this file"
                )
    return [results[path] for path in paths]


def may_follow(data: bytes, options: CheckOptions) -> bool:
    """A file whose model may come from another module of the project: only a worker can tell
    (it reads those modules), so it is not checked here, ahead of the pool."""
    return options.settings.follow_imports and makes_setups(data)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


__all__ = [
    "CheckOptions",
    "NothingToCheck",
    "ProbeOptions",
    "Report",
    "UsageError",
    "check_facts",
    "check_paths",
    "check_source",
    "collect_paths",
    "ensure_probe_available",
]
