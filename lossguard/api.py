"""The public Python API: ``lossguard.check(...) -> Report``.

A typed mirror of the JSON contract (README, "Python API"): the fields of :class:`Finding`,
:class:`Fix` and :class:`Edit` keep their names and meaning within a major version, whatever
the engine does inside. It runs the one pipeline the CLI runs (``pipeline.engine``), reads the
same configuration files, and is what the language server and the notebook extension call.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

if TYPE_CHECKING:
    from lossguard.findings import Finding as EngineFinding

__all__ = ["CheckError", "Edit", "Finding", "Fix", "Related", "Report", "check"]

PathLike = str | os.PathLike[str]


class CheckError(Exception):
    """Bad arguments or configuration (a missing path, an unknown code, invalid TOML)."""


@dataclass(frozen=True)
class Edit:
    """Replace ``[line:column, end_line:end_column)`` with ``content`` (1-based, columns in
    characters). In a notebook the rows are rows of ``cell``, as in the JSON output."""

    content: str
    line: int
    column: int
    end_line: int
    end_column: int
    cell: int | None = None


@dataclass(frozen=True)
class Fix:
    """What to write instead. ``applicability``: ``"safe"`` (``--fix`` applies it), ``"unsafe"``
    (only with ``--unsafe-fixes``) or ``"display-only"`` (words, no edits)."""

    applicability: Literal["safe", "unsafe", "display-only"]
    message: str
    edits: tuple[Edit, ...] = ()


@dataclass(frozen=True)
class Related:
    """Another place the finding involves (the output layer of a loss mismatch)."""

    path: str
    line: int
    message: str
    cell: int | None = None
    cell_line: int | None = None


@dataclass(frozen=True)
class Finding:
    """One problem. Lines and columns are 1-based; ``line`` is the line of the file (of the
    flattened notebook code for a ``.ipynb``), ``cell``/``cell_line`` place it in a notebook."""

    code: str  # "LG001"; stable forever
    name: str  # "softmax-binary-crossentropy"
    severity: Literal["error", "warning"]
    message: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    source: Literal["static", "runtime", "both"]  # which fact source saw it (live facts: runtime)
    fix: Fix | None = None
    related: tuple[Related, ...] = ()
    cell: int | None = None
    cell_line: int | None = None

    def __str__(self) -> str:
        where = f"cell {self.cell}, line {self.cell_line}" if self.cell is not None else f"{self.line}"
        return f"{self.path}:{where}:{self.column}: {self.code} {self.message}"


@dataclass(frozen=True)
class Report:
    """The findings of one ``check`` call, sorted by file and position, and the files that could
    not be checked (path, reason), which are also reported as ``LG903`` findings."""

    findings: tuple[Finding, ...]
    checked: int
    not_checked: tuple[tuple[str, str], ...] = ()

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    @property
    def ok(self) -> bool:
        """No findings and every file checked: what exit status 0 means on the command line."""
        return not self.findings and not self.not_checked


def check(
    paths_or_source: PathLike | bytes | Sequence[PathLike],
    *,
    filename: str | None = None,
    config: PathLike | Literal[False] | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    keras_version: str | None = None,
    follow_imports: bool | None = None,
) -> Report:
    """Check Keras training code.

    ``paths_or_source``: a ``pathlib.Path``, a list of paths, or a one-line ``str`` naming an
    existing file or folder, expanded as ``lossguard check`` expands them (``exclude``,
    ``.gitignore``); any other ``str``, and ``bytes``, is source text (a script, or a notebook's
    JSON when ``filename`` ends in ``.ipynb``).
    ``filename``: the name source text is reported under; configuration is looked for from its
    folder. ``config``: a ``pyproject.toml``/``lossguard.toml`` to use, ``False`` for none, or
    ``None`` to find it as the CLI does. ``select``/``ignore``: codes or prefixes, added to the
    configuration's as the CLI flags are. Raises :class:`CheckError` for bad arguments.
    """
    from lossguard.face.config import ConfigError, load_settings, validate_codes
    from lossguard.keras.semantics import VersionError, resolve_target
    from lossguard.pipeline.engine import (
        CheckOptions,
        NothingToCheck,
        UsageError,
        check_paths,
        check_source,
        collect_paths,
    )
    from lossguard.pipeline.pins import forget_pins
    from lossguard.pipeline.settings import Settings
    from lossguard.rules import RULES

    if isinstance(paths_or_source, str) and _names_a_path(paths_or_source):
        paths_or_source = Path(paths_or_source)  # check("train.py"): what anyone means by it
    if isinstance(paths_or_source, str | bytes):
        arguments = [filename or "<string>"]
    elif isinstance(paths_or_source, os.PathLike):
        arguments = [os.fspath(paths_or_source)]
    else:
        arguments = [os.fspath(p) for p in paths_or_source]
    known = set(RULES)
    try:
        if config is False:
            settings = Settings()
        else:
            settings = load_settings(arguments, Path(config) if config is not None else None, known)
        if select is not None:
            settings.select = validate_codes(list(select), known, "select")
        if ignore is not None:
            settings.ignore = settings.ignore + validate_codes(list(ignore), known, "ignore")
        if follow_imports is not None:
            settings.follow_imports = follow_imports
        target = resolve_target(keras_version, settings.keras_version)
    except (ConfigError, VersionError) as exc:
        raise CheckError(str(exc)) from None
    options = CheckOptions(
        settings, target, use_cache=False, read_pins=not (keras_version or settings.keras_version)
    )
    if isinstance(paths_or_source, str | bytes):
        data = paths_or_source.encode("utf-8") if isinstance(paths_or_source, str) else paths_or_source
        forget_pins()  # a language server checks its buffers through here, between edits
        results = [check_source(arguments[0], data, options)]
    else:
        try:
            files = collect_paths(arguments, settings)
        except NothingToCheck:
            files = []
        except UsageError as exc:
            raise CheckError(str(exc)) from None
        results = check_paths(files, options).results
    return Report(
        findings=tuple(public_finding(f) for r in results for f in r.findings),
        checked=sum(1 for r in results if r.error is None),
        not_checked=tuple((r.path, r.error) for r in results if r.error is not None),
    )


def _names_a_path(text: str) -> bool:
    if "\n" in text or not text.strip() or len(text) > 4096:
        return False
    try:
        return os.path.exists(text)
    except (OSError, ValueError):  # a NUL byte, a name too long
        return False


Applicability = Literal["safe", "unsafe", "display-only"]


def public_finding(found: EngineFinding) -> Finding:
    """The engine's finding as the public, stable record (via the JSON contract's dict, so the
    two cannot disagree)."""
    from lossguard.findings import finding_to_dict

    data = finding_to_dict(found)
    fix = data["fix"]
    public_fix = None
    if isinstance(fix, dict):
        public_fix = Fix(
            applicability=cast(Applicability, fix["applicability"]),
            message=str(fix["message"]),
            edits=tuple(
                Edit(
                    content=str(e["content"]),
                    line=int(e["location"]["row"]),
                    column=int(e["location"]["column"]),
                    end_line=int(e["end_location"]["row"]),
                    end_column=int(e["end_location"]["column"]),
                    cell=e["location"].get("cell"),
                )
                for e in fix["edits"]
            ),
        )
    related = data["related"]
    assert isinstance(related, list)
    return Finding(
        code=found.code,
        name=found.name,
        severity=found.severity.value,
        message=found.message,
        path=found.location.path,
        line=found.location.line,
        column=found.location.column,
        end_line=found.location.end_line or found.location.line,
        end_column=found.location.end_column or found.location.column,
        source=found.source.value,
        fix=public_fix,
        related=tuple(
            Related(r["path"], int(r["line"]), str(r["message"]), r.get("cell"), r.get("cell_line"))
            for r in related
        ),
        cell=found.location.cell,
        cell_line=found.location.cell_line,
    )
