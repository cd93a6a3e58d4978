"""Command line: ``lossguard check``, ``lossguard rules``, ``lossguard explain``, ``lossguard server``.

Exit status (ruff's convention): 0 no findings, 1 findings, 2 usage or internal error.

The commands, their options and their help are declared for typer in ``face/commands.py``;
this module runs them. A plain check (``check``, paths, and only the options in ``QUICK_FLAGS``
and ``QUICK_OPTIONS``) is parsed here without importing typer and click, which cost about a
tenth of a one-file check's start-up; every other command line goes to typer, which gives the
help, the usage errors and the other commands. tests/cli/test_quick_path.py holds the two
parsers to the same meaning.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import io
import os
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from lossguard.face.config import (
    ConfigError,
    load_settings,
    validate_codes,
)
from lossguard.findings import Report
from lossguard.keras.semantics import VersionError, resolve_target
from lossguard.pipeline.cache import Cache
from lossguard.pipeline.engine import (
    CheckOptions,
    NothingToCheck,
    ProbeOptions,
    UsageError,
    check_paths,
    check_source,
    collect_paths,
    ensure_probe_available,
)
from lossguard.pipeline.settings import Settings
from lossguard.rules import RULES

MAX_PROBE_TIMEOUT = 86_400.0  # a day: longer is a mistake (inf, 1e300), not a wish


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


class ProbeDevice(StrEnum):
    auto = "auto"
    cpu = "cpu"
    gpu = "gpu"


def error(message: str) -> SystemExit:
    """A usage error: the message on stderr; raise what it returns (exit status 2)."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, highlight=False).print(
        f"[bold red]lossguard: error:[/] {escape(message)}", soft_wrap=True
    )
    return SystemExit(2)


def _nothing_to_check(message: str, quiet: bool) -> SystemExit:
    if not quiet:
        sys.stderr.write(f"lossguard: {message}\n")
    return SystemExit(0)


def _codes(values: list[str] | None, flag: str) -> list[str] | None:
    if not values:
        return None
    split = [c for value in values for c in value.split(",") if c.strip()]
    return validate_codes(split, set(RULES), flag)


def _load_settings(paths: list[str], config: Path | None) -> Settings:
    return load_settings(paths, config, set(RULES))


def run_check(
    *,
    paths: list[str] | None = None,
    output_format: OutputFormat | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    keras_version: str | None = None,
    probe: bool | None = None,
    probe_timeout: float | None = None,
    probe_device: ProbeDevice = ProbeDevice.auto,
    probe_args: str | None = None,
    no_cache: bool = False,
    exit_zero: bool = False,
    show_source: bool = False,
    statistics: bool = False,
    output_file: Path | None = None,
    report_unused_ignores: bool = False,
    config: Path | None = None,
    stdin_filename: str | None = None,
    quiet: bool = False,
    jobs: int | None = None,
    follow_imports: bool | None = None,
    respect_gitignore: bool | None = None,
    force_exclude: bool = False,
    fix: bool | None = None,
    unsafe_fixes: bool | None = None,
    diff: bool = False,
    show_fixes: bool = False,
) -> None:
    """``lossguard check``: each keyword is the option of the same name (commands.check)."""
    started()
    arguments = paths or ["."]
    try:
        settings = _load_settings(arguments, config)
        if (codes := _codes(select, "--select")) is not None:
            settings.select = codes
        if (codes := _codes(ignore, "--ignore")) is not None:
            settings.ignore = settings.ignore + codes
        target = resolve_target(keras_version, settings.keras_version)
        if follow_imports is not None:
            settings.follow_imports = follow_imports
        if respect_gitignore is not None:
            settings.respect_gitignore = respect_gitignore
    except (ConfigError, VersionError) as exc:
        raise error(str(exc)) from None
    use_probe = settings.probe if probe is None else probe
    probe_options = None
    if use_probe:
        try:
            ensure_probe_available()
        except UsageError as exc:
            raise error(str(exc)) from None
        timeout = settings.probe_timeout if probe_timeout is None else probe_timeout
        if not (0 < timeout <= MAX_PROBE_TIMEOUT):  # also false for nan
            raise error(
                f"--probe-timeout must be a number of seconds in (0, {MAX_PROBE_TIMEOUT:g}], not {timeout:g}"
            )
        try:
            script_args = tuple(shlex.split(probe_args or ""))
        except ValueError as exc:
            raise error(f"--probe-args: {exc}") from None
        probe_options = ProbeOptions(timeout, probe_device.value, script_args)
    options = CheckOptions(
        settings,
        target,
        use_cache=not no_cache,
        report_unused_ignores=report_unused_ignores,
        jobs=jobs,
        probe=probe_options,
        read_pins=not (keras_version or settings.keras_version),
    )
    fixing_on = settings.fix if fix is None else fix
    unsafe = settings.unsafe_fixes if unsafe_fixes is None else unsafe_fixes
    if fixing_on or diff:
        from lossguard.face.fixing import FixRequest, fixed_line, list_fixes, run_fixes  # only --fix pays

        fixing = FixRequest(fixing_on, unsafe, diff, show_fixes)
        try:
            report, stream = run_fixes(arguments, options, fixing, stdin_filename, force_exclude)
        except NothingToCheck as exc:
            raise _nothing_to_check(str(exc), quiet) from None
        except UsageError as exc:
            raise error(str(exc)) from None
        text = (output_format or OutputFormat.text) is OutputFormat.text and output_file is None
        listing = stream or (sys.stdout if text else sys.stderr)
        try:
            _finish_report(
                report, options, output_format, output_file, show_source, statistics, quiet, exit_zero, stream
            )
        finally:
            if fixing.show:
                list_fixes(report, listing)
            elif not quiet and report.fixed:
                listing.write(fixed_line(report.fixed) + "\n")
        return
    try:
        if arguments == ["-"]:
            name = stdin_filename or "-"
            data = sys.stdin.buffer.read()
            if probe_options is not None:
                options.probe = None
                sys.stderr.write("lossguard: probe not run: it executes a file, and stdin is not one\n")
            report = Report([check_source(name, data, options)])
        else:
            if "-" in arguments:
                raise UsageError("'-' (stdin) cannot be mixed with other paths")
            files = collect_paths(arguments, settings, force_exclude)
            if not files:
                raise UsageError(f"no Python files or notebooks found in {', '.join(arguments)}")
            cache = None
            if options.use_cache and not use_probe:
                cache = Cache(
                    Path(settings.root) if settings.config_file else Path.cwd(), _cache_key(options)
                )
            report = check_paths(files, options, cache)
    except NothingToCheck as exc:
        raise _nothing_to_check(str(exc), quiet) from None
    except UsageError as exc:
        raise error(str(exc)) from None
    report.unsafe_fixes = unsafe
    _finish_report(report, options, output_format, output_file, show_source, statistics, quiet, exit_zero)


def _finish_report(
    report: Report,
    options: CheckOptions,
    output_format: OutputFormat | None,
    output_file: Path | None,
    show_source: bool,
    statistics: bool,
    quiet: bool,
    exit_zero: bool,
    stream: IO[str] | None = None,
) -> None:
    """Emit the report, the notes, and exit with the status the findings give."""
    for result in report.results:  # fixes excluded by `fixable`/`unfixable` are not offered
        result.findings = [
            f if f.autofix is None or options.settings.fix_enabled(f.code) else replace(f, autofix=None)
            for f in result.findings
        ]
    under_actions = os.environ.get("GITHUB_ACTIONS") == "true" and output_file is None
    chosen = output_format or (OutputFormat.github if under_actions else OutputFormat.text)
    _emit(report, chosen, output_file, View(show_source, statistics, quiet), stream)
    for result in report.results:
        for note in result.notes:
            sys.stderr.write(f"lossguard: {result.path}: {note}\n")
    if report.internal_errors:
        raise SystemExit(2)  # lossguard failed on a file: never a pass, whatever --exit-zero says
    if report.findings and not exit_zero:
        raise SystemExit(1)


def _cache_key(options: CheckOptions) -> str:
    return f"{options.target}|{options.settings.fingerprint()}|{options.report_unused_ignores}"


@dataclass(frozen=True)
class View:
    """How the report is shown, whatever the format."""

    show_source: bool = False
    statistics: bool = False
    quiet: bool = False
    colour: bool = False


def _render_text(report: Report, out: IO[str], view: View) -> None:
    from lossguard.report import text

    writer = text.Writer(out, colour=view.colour)
    text.render(writer, report, show_source=view.show_source, statistics=view.statistics, quiet=view.quiet)


def _render_json(report: Report, out: IO[str], view: View) -> None:
    from lossguard.report import json as json_report

    out.write(json_report.render(report))


def _render_github(report: Report, out: IO[str], view: View) -> None:
    from lossguard.report import github

    out.write(github.render(report))


def _render_sarif(report: Report, out: IO[str], view: View) -> None:
    from lossguard.report import sarif

    out.write(sarif.render(report))


Renderer = Callable[[Report, IO[str], View], None]
RENDERERS: dict[OutputFormat, Renderer] = {
    OutputFormat.text: _render_text,
    OutputFormat.json: _render_json,
    OutputFormat.github: _render_github,
    OutputFormat.sarif: _render_sarif,
}


def _emit(
    report: Report,
    fmt: OutputFormat,
    output_file: Path | None,
    view: View,
    stream: IO[str] | None = None,
) -> None:
    out = stream or sys.stdout
    if output_file is not None:
        buffer = io.StringIO()
        RENDERERS[fmt](report, buffer, view)
        _write(output_file, buffer.getvalue())
    else:
        from lossguard.report.text import wants_colour

        RENDERERS[fmt](report, out, replace(view, colour=fmt is OutputFormat.text and wants_colour(out)))
    if view.statistics and fmt not in (OutputFormat.text, OutputFormat.json) and not view.quiet:
        from lossguard.report.text import summary

        sys.stderr.write(summary(report) + "\n")
    if fmt is OutputFormat.github:
        _job_summary(report)


def _job_summary(report: Report) -> None:
    """Every finding in the job's summary page: GitHub shows only 10 annotations of each kind."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from lossguard.report.github import job_summary

    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(job_summary(report))
    except OSError as exc:
        sys.stderr.write(f"lossguard: cannot write the job summary to {target}: {exc.strerror or exc}\n")


def _write(path: Path, content: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise error(f"cannot write {path}: {exc.strerror or exc}") from None


# ----- the quick path: a plain check without typer ------------------------------------------

# Flags of `check` the quick parser understands: the keyword each sets, and to what.
QUICK_FLAGS: dict[str, tuple[str, bool]] = {
    "-q": ("quiet", True),
    "--quiet": ("quiet", True),
    "--no-cache": ("no_cache", True),
    "--exit-zero": ("exit_zero", True),
    "--show-source": ("show_source", True),
    "--statistics": ("statistics", True),
    "--report-unused-ignores": ("report_unused_ignores", True),
    "--force-exclude": ("force_exclude", True),
    "--diff": ("diff", True),
    "--show-fixes": ("show_fixes", True),
    **{
        f"--{prefix}{name}": (name.replace("-", "_"), not prefix)
        for name in ("fix", "unsafe-fixes", "follow-imports", "respect-gitignore", "probe")
        for prefix in ("", "no-")
    },
}
# Options of `check` with a value: the keyword, and the value as typer converts it (a ValueError
# leaves the command line to typer, which reports it). select and ignore collect a list.
QUICK_OPTIONS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "--select": ("select", str),
    "--ignore": ("ignore", str),
    "--keras-version": ("keras_version", str),
    "--output-format": ("output_format", OutputFormat),
    "--format": ("output_format", OutputFormat),
    "-f": ("output_format", OutputFormat),
    "--output-file": ("output_file", Path),
    "-o": ("output_file", Path),
    "--config": ("config", Path),
    "--stdin-filename": ("stdin_filename", str),
    "--jobs": ("jobs", int),
}
_REPEATED = {"select", "ignore"}


def quick_arguments(argv: list[str]) -> dict[str, Any] | None:
    """``run_check``'s keywords for a plain check, as typer would give them; None for any other
    command line (another command, help, ``--``, an option or a value this parser leaves to
    typer, Windows, where click expands wildcards, or a shell-completion request)."""
    if not argv or argv[0] != "check" or os.name == "nt" or "_LOSSGUARD_COMPLETE" in os.environ:
        return None
    keywords: dict[str, Any] = {}
    paths: list[str] = []
    tokens = iter(argv[1:])
    for token in tokens:
        if token == "-" or not token.startswith("-"):
            paths.append(token)
            continue
        if token in QUICK_FLAGS:
            name, setting = QUICK_FLAGS[token]
            keywords[name] = setting
            continue
        option, equals, value = token.partition("=") if token.startswith("--") else (token, "", "")
        if option not in QUICK_OPTIONS:
            return None
        if not equals:
            value = next(tokens, "")
            if value.startswith("-"):  # a missing value, or one click may read otherwise
                return None
        if not value:
            return None
        name, convert = QUICK_OPTIONS[option]
        try:
            converted = convert(value)
        except ValueError:
            return None
        if name in _REPEATED:
            keywords.setdefault(name, []).append(converted)
        else:
            keywords[name] = converted
    return {"paths": paths or None, **keywords}


def main() -> None:
    """The process's entry point (the console script, ``python -m lossguard``): it leaves the
    garbage collector as a process about to exit wants it, so call it only to end with it."""
    # Start-up makes a few hundred thousand objects (the modules, libcst's node classes) that
    # live until exit; the collector would scan them again and again and find nothing. It is
    # off until a command starts its work (started()), and at exit what is left is frozen: the
    # interpreter's last full collection skips it and the OS takes the memory back. Together
    # about 50 ms of a one-file check's 0.5 s (benchmarks/bench_startup.py).
    gc.disable()
    try:
        quick = quick_arguments(sys.argv[1:])
        if quick is None:
            from lossguard.face.commands import app

            app()
        else:
            _run_quick(quick)
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        gc.freeze()


def _run_quick(keywords: dict[str, Any]) -> None:
    """``run_check`` ended as typer ends a command (its ``_main``): Ctrl-D is 'Aborted!' (1),
    a closed pipe ends quietly with 1; SystemExit and other errors go up unchanged."""
    try:
        run_check(**keywords)
    except EOFError:
        sys.stderr.write("\nAborted!\n")
        sys.exit(1)
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        for stream in (sys.stdout, sys.stderr):  # nothing more can reach the reader: drop it
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
        sys.exit(1)


def started() -> None:
    """Start-up is over: what it made is frozen (never scanned again), the collector runs again."""
    gc.freeze()
    gc.enable()


if __name__ == "__main__":
    main()
