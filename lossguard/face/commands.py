"""The commands, their options and their help, as typer declares them; ``face/cli.py`` runs them.

Imported only when a command line is not a plain check (``cli.quick_arguments``): help, an
error in the options, ``--version``, ``rules``, ``explain``, ``server``, and a check with an
option the quick parser leaves to typer. An option of ``check`` is declared here and is a
keyword of ``cli.run_check`` (tests/cli/test_quick_path.py holds the two to the same names and
defaults).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lossguard import __version__
from lossguard.face import cli
from lossguard.face.cli import OutputFormat, ProbeDevice
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
        typer.Option(
            help="Check against this Keras, e.g. 3, 2.15, 2.3 (default: the project's pin in "
            "requirements.txt, pyproject.toml, setup.py/.cfg or environment.yml, else installed, "
            "else 3)."
        ),
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
    cli.run_check(**locals())


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
        raise cli.error(f"unknown format {output_format!r} (text or json)")
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
        raise cli.error(f"unknown rule {code!r}; `lossguard rules` lists them")
    typer.echo(text)


@app.command()
def server() -> None:
    """Run the language server on stdin/stdout (install lossguard[lsp])."""
    cli.started()
    try:
        from lossguard.face.server import serve
    except ImportError as exc:
        raise cli.error(
            f"the language server needs the 'lsp' extra: pip install 'lossguard[lsp]' ({exc.name} is missing)"
        ) from None
    serve()
