"""Command line: ``lossguard check``, ``lossguard rules``, ``lossguard explain``.

Exit status (ruff's convention): 0 no findings, 1 findings, 2 usage or internal error.
"""

from __future__ import annotations

import io
import json
import os
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated

import typer

from lossguard import __version__
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

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Catch the silent mistakes in Keras training code: output layer, loss, metrics, labels "
    "and callbacks that do not fit together.",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's plain help: wrapped to the terminal, option names never cut
)


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


def _error(message: str) -> typer.Exit:
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, highlight=False).print(
        f"[bold red]lossguard: error:[/] {escape(message)}", soft_wrap=True
    )
    return typer.Exit(2)


def _nothing_to_check(message: str, quiet: bool) -> typer.Exit:
    if not quiet:
        sys.stderr.write(f"lossguard: {message}\n")
    return typer.Exit(0)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lossguard {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_callback(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """lossguard."""


def _codes(values: list[str] | None, flag: str) -> list[str] | None:
    if not values:
        return None
    split = [c for value in values for c in value.split(",") if c.strip()]
    return validate_codes(split, set(RULES), flag)


def _load_settings(paths: list[str], config: Path | None) -> Settings:
    return load_settings(paths, config, set(RULES))


@app.command()
def check(
    paths: Annotated[
        list[str] | None, typer.Argument(help="Files or folders to check; '-' reads stdin.")
    ] = None,
    output_format: Annotated[
        OutputFormat | None,
        typer.Option(
            "--output-format",
            "--format",
            "-f",
            help="Output format (default: text; github on GitHub Actions).",
        ),
    ] = None,
    select: Annotated[
        list[str] | None, typer.Option(help="Only these codes or prefixes (comma-separated).")
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option(help="Skip these codes or prefixes (comma-separated).")
    ] = None,
    keras_version: Annotated[
        str | None,
        typer.Option(help="Check against this Keras, e.g. 3, 2.15, 2.3 (default: installed, else 3)."),
    ] = None,
    probe: Annotated[
        bool | None,
        typer.Option("--probe/--no-probe", help="Also run the script up to fit() with the real Keras."),
    ] = None,
    probe_timeout: Annotated[
        float | None, typer.Option(help="Seconds before the probe is killed (default 120).")
    ] = None,
    probe_device: Annotated[
        ProbeDevice, typer.Option(help="Where the probe's training step runs.")
    ] = ProbeDevice.auto,
    probe_args: Annotated[
        str | None, typer.Option(help="Arguments for the probed script, as on its command line.")
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Neither read nor write .lossguard_cache/.")
    ] = False,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even when problems are found.")
    ] = False,
    show_source: Annotated[
        bool, typer.Option("--show-source", help="Show the code lines of each finding.")
    ] = False,
    statistics: Annotated[
        bool, typer.Option("--statistics", help="Print only a count of the findings per code.")
    ] = False,
    output_file: Annotated[
        Path | None, typer.Option("--output-file", "-o", help="Write the report to this file.")
    ] = None,
    report_unused_ignores: Annotated[
        bool,
        typer.Option(
            "--report-unused-ignores", help="Report '# lossguard: ignore' comments that silence nothing."
        ),
    ] = False,
    config: Annotated[Path | None, typer.Option(help="Use this pyproject.toml / lossguard.toml.")] = None,
    stdin_filename: Annotated[str | None, typer.Option(help="The name to report for '-' (stdin).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary line.")] = False,
    jobs: Annotated[int | None, typer.Option(help="Worker processes (default: CPU count).")] = None,
    follow_imports: Annotated[
        bool | None,
        typer.Option(
            "--follow-imports/--no-follow-imports",
            help="Read the project modules a file imports (a model built in model.py). Default: on.",
            show_default=False,
        ),
    ] = None,
    respect_gitignore: Annotated[
        bool | None,
        typer.Option(
            "--respect-gitignore/--no-respect-gitignore",
            help="Skip what .gitignore and .ignore files ignore. Default: on.",
            show_default=False,
        ),
    ] = None,
    force_exclude: Annotated[
        bool, typer.Option("--force-exclude", help="Apply 'exclude' to files named on the command line too.")
    ] = False,
    fix: Annotated[
        bool | None,
        typer.Option("--fix/--no-fix", help="Apply the safe fixes and write the files.", show_default=False),
    ] = None,
    unsafe_fixes: Annotated[
        bool | None,
        typer.Option(
            "--unsafe-fixes/--no-unsafe-fixes",
            help="Also apply fixes that change a modelling choice (see each rule's Fix line).",
            show_default=False,
        ),
    ] = None,
    diff: Annotated[
        bool,
        typer.Option("--diff", help="Print what --fix would change as a unified diff; write nothing."),
    ] = False,
    show_fixes: Annotated[bool, typer.Option("--show-fixes", help="List what --fix fixed.")] = False,
) -> None:
    """Check Keras training scripts and notebooks."""
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
        raise _error(str(exc)) from None
    use_probe = settings.probe if probe is None else probe
    probe_options = None
    if use_probe:
        try:
            ensure_probe_available()
        except UsageError as exc:
            raise _error(str(exc)) from None
        timeout = settings.probe_timeout if probe_timeout is None else probe_timeout
        if not (0 < timeout <= MAX_PROBE_TIMEOUT):  # also false for nan
            raise _error(
                f"--probe-timeout must be a number of seconds in (0, {MAX_PROBE_TIMEOUT:g}], not {timeout:g}"
            )
        try:
            script_args = tuple(shlex.split(probe_args or ""))
        except ValueError as exc:
            raise _error(f"--probe-args: {exc}") from None
        probe_options = ProbeOptions(timeout, probe_device.value, script_args)
    options = CheckOptions(
        settings,
        target,
        use_cache=not no_cache,
        report_unused_ignores=report_unused_ignores,
        jobs=jobs,
        probe=probe_options,
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
            raise _error(str(exc)) from None
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
        raise _error(str(exc)) from None
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
        raise typer.Exit(2)  # lossguard failed on a file: never a pass, whatever --exit-zero says
    if report.findings and not exit_zero:
        raise typer.Exit(1)


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
        raise _error(f"cannot write {path}: {exc.strerror or exc}") from None


@app.command("rules")
def list_rules(
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """List every rule: code, name, severity, what --fix can do, summary."""
    from lossguard.rules.docs import load_docs

    docs = load_docs()
    rows = []
    for code, info in sorted(RULES.items()):
        doc = docs.get(code)
        rows.append(
            {
                "code": code,
                "name": info.name,
                "severity": "/".join(docs[code].severities) if code in docs else info.severity.value,
                "summary": doc.summary if doc else "",
                "fix": doc.fix if doc else "never",
            }
        )
    if output_format == "json":
        typer.echo(json.dumps(rows, indent=2))
        return
    if output_format != "text":
        raise _error(f"unknown format {output_format!r} (text or json)")
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True)
    for row in rows:
        console.print(
            f"[bold]{row['code']}[/]  {row['name']:<36} {row['severity']:<14} "
            f"{'fix: ' + row['fix']:<23} {escape(row['summary'])}"
        )


@app.command()
def explain(code: Annotated[str, typer.Argument(help="A rule code, e.g. LG001.")]) -> None:
    """Print the documentation of one rule."""
    from lossguard.face.explaining import explain_text

    text = explain_text(code)
    if text is None:
        raise _error(f"unknown rule {code!r}; `lossguard rules` lists them")
    typer.echo(text)


@app.command()
def server() -> None:
    """Run the language server on stdin/stdout (install lossguard[lsp])."""
    try:
        from lossguard.face.server import serve
    except ImportError as exc:
        raise _error(
            f"the language server needs the 'lsp' extra: pip install 'lossguard[lsp]' ({exc.name} is missing)"
        ) from None
    serve()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
