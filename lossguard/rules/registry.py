"""The rule registry: pure functions over facts, each registered under its code.

One source of truth per rule: its code, name, severity and summary live in the front matter of
its doc (``rules/LGxxx-name.md``); the decorator adds only the function and what the function
needs to see in a file's text (``Needs``). The prefilter (``gate.py``) and the pre-parse pruning
of class methods are derived from those declarations, so a rule cannot be gated off by a
pattern kept somewhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from lossguard.facts import Location, MetricSpec, ModuleFacts, Source, TrainingSetup
from lossguard.findings import Applicability, Autofix, Edit, Finding, Message, Related, Severity, parts
from lossguard.rules.docs import RuleDoc, load_docs

# Where a training setup's facts are made: the loss and metrics at compile, the labels and
# callbacks at the training call; a model's head is read at either.
COMPILE_CALL = r"(?<!\bre)\.compile\s*\("  # not re.compile(
MODEL_CALL = r"\.compile\s*\(|\.fit\s*\(|\.fit_generator\s*\(|\.train_on_batch\s*\("
# Where the runtime probe takes its facts: the first training call.
TRAINING_CALL = r"\.fit\s*\(|\.fit_generator\s*\(|\.train_on_batch\s*\("


@dataclass(frozen=True)
class Needs:
    """What a rule needs in a file's text before the static extractor can give it a fact.

    ``anchors``: regexes for the statements that make the rule's facts (a compile call by
    default, a training call, a flagged literal); one must occur. A class method that contains
    no enabled rule's anchor is blanked before parsing. ``words``: regexes that must all occur
    somewhere in the file (each a necessary condition, e.g. ``softmax`` for a softmax head).
    ``runtime_only``: only the probe can give this rule its facts. ``version_dependent``: the
    verdict follows how a Keras version resolves names (a bare 'accuracy', history keys); the
    probe's findings for it count only when the probe's Keras is the target Keras.
    """

    anchors: tuple[str, ...] = (COMPILE_CALL,)
    words: tuple[str, ...] = ()
    runtime_only: bool = False
    version_dependent: bool = False  # its verdict depends on how the Keras version resolves names


@dataclass(frozen=True)
class Explains:
    """The per-output findings a module rule names the one cause of: while the rule is enabled,
    the findings of ``codes`` on each setup ``setups`` returns are not reported (one finding for
    one mistake: a loss list in the wrong order, not a loss-output mismatch on every output)."""

    codes: frozenset[str]
    setups: Callable[[ModuleFacts], Iterable[TrainingSetup]]


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    severity: Severity
    summary: str
    subject: str  # "setup" (one TrainingSetup), "module" (ModuleFacts) or "tool"
    func: Callable[[Any], Iterable[Finding]] | None
    needs: Needs | None
    explains: Explains | None = None


_FUNCTIONS: dict[str, tuple[str, Callable[[Any], Iterable[Finding]], Needs, Explains | None]] = {}


def rule(
    code: str, needs: Needs, subject: str = "setup", explains: Explains | None = None
) -> Callable[[Any], Any]:
    def register(func: Callable[[Any], Iterable[Finding]]) -> Callable[[Any], Iterable[Finding]]:
        _FUNCTIONS[code] = (subject, func, needs, explains)
        return func

    return register


def _info(doc: RuleDoc) -> RuleInfo:
    subject, func, needs, explains = _FUNCTIONS.get(doc.code, ("tool", None, None, None))
    if doc.kind != "tool" and func is None:
        raise LookupError(f"{doc.path.name}: no rule function is registered for {doc.code}")
    return RuleInfo(doc.code, doc.name, Severity(doc.severity), doc.summary, subject, func, needs, explains)


RULES: dict[str, RuleInfo] = {}


def build_registry() -> None:
    """Join the docs with the registered functions (called once the rule modules are imported)."""
    docs = load_docs()
    for code in _FUNCTIONS:
        if code not in docs:
            raise LookupError(f"rule {code} has no doc in rules/")
    RULES.clear()
    RULES.update({code: _info(doc) for code, doc in docs.items()})


def at(location: Location | None) -> Location | str:
    """A place named in a message; rendered as 'line 12' or 'cell 3, line 2' once reported."""
    return location if location is not None else "an unknown line"


def finding(
    code: str,
    message: Message,
    location: Location,
    *,
    severity: Severity | None = None,
    fix: str | None = None,
    related: Iterable[tuple[Location | None, str]] = (),
    source: Source = Source.STATIC,
    autofix: Autofix | None = None,
) -> Finding:
    """The one constructor of findings: for rules and for the tool codes LG900–LG902 alike."""
    info = RULES[code]
    return Finding(
        code=code,
        name=info.name,
        severity=severity or info.severity,
        parts=parts(message),
        location=location,
        related=tuple(Related(loc, msg) for loc, msg in related if loc is not None),
        fix=fix,
        source=source,
        autofix=autofix,
    )


def safe_fix(message: str, *edits: Edit | None) -> Autofix | None:
    """A fix the facts leave no choice about (None when an edit cannot be described)."""
    if not edits or any(e is None for e in edits):
        return None
    return Autofix(Applicability.SAFE, message, tuple(e for e in edits if e is not None))


def metric_fix(metric: MetricSpec, fix: Autofix | None) -> Autofix | None:
    """A fix that edits the metric where it is reported: only where it is written in the
    compile call (a list held in a variable may serve other models as well)."""
    return fix if metric.fixable else None


def unsafe_fix(message: str, *edits: Edit | None) -> Autofix | None:
    """A fix that changes a modelling choice the author may have made on purpose."""
    made = safe_fix(message, *edits)
    return Autofix(Applicability.UNSAFE, made.message, made.edits) if made is not None else None


def run_rules(facts: ModuleFacts, enabled: Callable[[str], bool]) -> Iterator[Finding]:
    explained = _explained(facts, enabled)
    for info in RULES.values():
        if info.func is None or not enabled(info.code):
            continue
        if info.subject == "setup":
            for index, setup in enumerate(facts.setups):
                if info.code in explained.get(index, ()):
                    continue  # an enabled module rule names the cause of this finding
                if setup.output_count is not None and setup.output_count > 1 and setup.metrics:
                    yield from _shared_metrics_kept(info.func(setup), setup)
                else:
                    yield from info.func(setup)
        else:
            yield from info.func(facts)


def _explained(facts: ModuleFacts, enabled: Callable[[str], bool]) -> dict[int, frozenset[str]]:
    """Per setup (its index in ``facts.setups``): the codes whose findings on it an enabled
    module rule explains (``Explains``)."""
    explained: dict[int, frozenset[str]] = {}
    for info in RULES.values():
        if info.explains is None or not enabled(info.code):
            continue
        named = {id(setup) for setup in info.explains.setups(facts)}
        for index, setup in enumerate(facts.setups):
            if id(setup) in named:
                explained[index] = explained.get(index, frozenset()) | info.explains.codes
    return explained


def _shared_metrics_kept(found: Iterable[Finding], setup: Any) -> Iterator[Finding]:
    """One metric list serves every output of the model (before Keras 3): a fix that edits a
    metric for one output would change it for the others too, so such a fix is dropped."""
    at_metrics = {(m.location.path, m.location.ref) for m in setup.metrics}
    for item in found:
        edits = item.autofix.edits if item.autofix is not None else ()
        if any((e.location.path, e.location.ref) in at_metrics for e in edits if e.location is not None):
            item = replace(item, autofix=None)
        yield item


def sentence(text: str) -> str:
    """A clause made the start of a sentence: messages read 'what is wrong. What it does.'"""
    return text[:1].upper() + text[1:]
