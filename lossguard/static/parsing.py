"""From a file's text to the libcst tree the evaluator runs: ``ast`` first (CPython's verdict,
method pruning, generator functions), then libcst on the pruned text."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import libcst as cst

from lossguard.static.prune import NotAnalysable, ParseFailure, Spans, prune_methods

_DEPENDENCY_MEMO_SIZE = 64


@dataclass(frozen=True)
class ParsedModule:
    """A parsed module and what placing its nodes needs (the text libcst read, statement spans)."""

    path: str
    module: cst.Module
    text: str
    spans: Spans | None
    generators: dict[str, bool | None] | None  # function name → yields? (None: names disagree)


def parse_file(
    path: str,
    text: str,
    method_anchor: str | None = None,
    wanted: frozenset[str] | None = None,
) -> ParsedModule:
    """Raises ``ParseFailure`` (not Python) or ``NotAnalysable`` (Python libcst cannot take)."""
    reduced, spans, generators = prune_methods(text, method_anchor, wanted)
    return ParsedModule(path, parse(reduced), reduced, spans, generators)


_Key = tuple[str, str, str, frozenset[str] | None]
_dependencies: dict[_Key, ParsedModule | None] = {}


def _key(path: str, text: str, method_anchor: str | None, wanted: frozenset[str] | None) -> _Key:
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return (path, digest, method_anchor or "", wanted)


def _remember(key: _Key, parsed: ParsedModule | None) -> None:
    if len(_dependencies) >= _DEPENDENCY_MEMO_SIZE:
        _dependencies.pop(next(iter(_dependencies)))
    _dependencies[key] = parsed


def parse_checked(path: str, text: str, method_anchor: str | None = None) -> ParsedModule:
    """The checked file's tree; a Python file's is kept, as a later file of the run may import it
    (a model module is usually larger than its training scripts, so it is checked first)."""
    key = _key(path, text, method_anchor, None)
    parsed = _dependencies.get(key)  # imported whole by a file checked before it
    if parsed is None:
        parsed = parse_file(path, text, method_anchor)  # raises what the file's report needs
        if path.endswith(".py"):
            _remember(key, parsed)
    return parsed


def parse_dependency(
    path: str,
    text: str,
    method_anchor: str | None = None,
    wanted: frozenset[str] | None = None,
) -> ParsedModule | None:
    """A module the checked file imports, parsed once per process for the same content, its
    fact-less methods pruned as the checked file's are and, when it is imported for ``wanted``
    names only, the definitions those cannot reach; None when it cannot be parsed (its facts
    are then unknown, never an error of the importer)."""
    key = _key(path, text, method_anchor, wanted)
    if key in _dependencies:
        return _dependencies[key]
    for (*source, covered), before in _dependencies.items():
        if tuple(source) == key[:3] and (covered is None or (wanted is not None and wanted <= covered)):
            return before  # parsed already with these names and more: the extra is harmless
    try:
        parsed: ParsedModule | None = parse_file(path, text, method_anchor, wanted)
    except (ParseFailure, NotAnalysable):
        parsed = None
    _remember(key, parsed)
    return parsed


def parse(text: str) -> cst.Module:
    """libcst's tree of a file CPython accepted; tab-indented code is retried with the tabs
    expanded as CPython's tokenizer reads them (libcst's tokenizer rejects some mixes)."""
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        expanded = expand_indent_tabs(text)
        if expanded != text:
            try:
                return cst.parse_module(expanded)
            except cst.ParserSyntaxError:
                pass
        message = str(exc.message).strip().splitlines()[0] if exc.message else "invalid syntax"
        raise NotAnalysable(f"lossguard's parser (libcst) cannot read this valid Python: {message}") from None
    except RecursionError:
        raise NotAnalysable("nested too deeply for lossguard's parser") from None


def expand_indent_tabs(text: str) -> str:
    """Leading tabs to spaces at multiples of 8 columns, as CPython's tokenizer counts them."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        stripped = line.lstrip(" \t")
        indent = line[: len(line) - len(stripped)]
        if "\t" in indent:
            lines[index] = indent.expandtabs(8) + stripped
    return "\n".join(lines)
