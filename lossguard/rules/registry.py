"""The rule registry: pure functions over facts, each registered under its code.

One source of truth per rule: its code, name, severity and summary live in the front matter of
its doc (``rules/LGxxx-name.md``); the decorator adds only the function and what the function
needs to see in a file's text (``Needs``). The engine derives the byte prefilter and the
pre-parse pruning of class methods from those declarations, so a rule cannot be gated off by
a pattern kept somewhere else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from lossguard.docs import RuleDoc, load_docs
from lossguard.facts import Location, ModuleFacts, Source, TrainingSetup
from lossguard.findings import Finding, Message, Related, Severity, parts

SetupRule = Callable[[TrainingSetup], Iterable[Finding]]
ModuleRule = Callable[[ModuleFacts], Iterable[Finding]]

# Every rule is about Keras: a file that never says so cannot hold one of its mistakes.
LIBRARY = r"keras"
# Where a training setup's facts are made: a compile or a training call on a model.
MODEL_CALL = r"\.(?:compile|fit|fit_generator|train_on_batch)\s*\("
# Where the runtime probe takes its facts: the first training call.
TRAINING_CALL = r"\.(?:fit|fit_generator|train_on_batch)\s*\("


@dataclass(frozen=True)
class Needs:
    """What a rule needs in a file's text before the static extractor can give it a fact.

    ``anchors``: regexes for the statements that make the rule's facts (a compile or fit call, a
    flagged literal); one must occur. A class method that contains no enabled rule's anchor is
    blanked before parsing. ``words``: regexes that must all occur somewhere in the file (each a
    necessary condition, e.g. ``softmax`` for a softmax head). ``runtime_only``: only the probe
    can give this rule its facts.
    """

    anchors: tuple[str, ...] = (MODEL_CALL,)
    words: tuple[str, ...] = ()
    runtime_only: bool = False


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    severity: Severity
    summary: str
    subject: str  # "setup" (one TrainingSetup), "module" (ModuleFacts) or "tool"
    func: Callable[[Any], Iterable[Finding]] | None
    needs: Needs | None


_FUNCTIONS: dict[str, tuple[str, Callable[[Any], Iterable[Finding]], Needs]] = {}


def rule(code: str, needs: Needs, subject: str = "setup") -> Callable[[Any], Any]:
    def register(func: Callable[[Any], Iterable[Finding]]) -> Callable[[Any], Iterable[Finding]]:
        _FUNCTIONS[code] = (subject, func, needs)
        return func

    return register


def _info(doc: RuleDoc) -> RuleInfo:
    subject, func, needs = _FUNCTIONS.get(doc.code, ("tool", None, None))
    if doc.kind != "tool" and func is None:
        raise LookupError(f"{doc.path.name}: no rule function is registered for {doc.code}")
    return RuleInfo(doc.code, doc.name, Severity(doc.severity), doc.summary, subject, func, needs)


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
    )


def run_rules(facts: ModuleFacts, enabled: Callable[[str], bool]) -> Iterator[Finding]:
    for info in RULES.values():
        if info.func is None or not enabled(info.code):
            continue
        if info.subject == "setup":
            for setup in facts.setups:
                yield from info.func(setup)
        else:
            yield from info.func(facts)


@dataclass(frozen=True)
class Gate:
    """The byte prefilter and the method-pruning pattern derived from the enabled rules' needs."""

    library: re.Pattern[bytes]
    static: tuple[tuple[re.Pattern[bytes], tuple[re.Pattern[bytes], ...]], ...]
    runtime: re.Pattern[bytes] | None
    method_anchor: re.Pattern[str] | None

    def static_candidate(self, data: bytes) -> bool:
        """True when some enabled rule could get a fact from this file's text."""
        if not self.library.search(data):
            return False
        return any(
            anchor.search(data) and all(w.search(data) for w in words) for anchor, words in self.static
        )

    def runtime_candidate(self, data: bytes) -> bool:
        """True when the probe could give an enabled rule a fact (the script trains a model)."""
        return (
            self.runtime is not None and bool(self.library.search(data)) and bool(self.runtime.search(data))
        )


def _bytes(pattern: str) -> re.Pattern[bytes]:
    return re.compile(pattern.encode(), re.IGNORECASE)


@cache
def gate_for(enabled_codes: frozenset[str]) -> Gate:
    static: list[tuple[re.Pattern[bytes], tuple[re.Pattern[bytes], ...]]] = []
    anchors: list[str] = []
    runtime = False
    for code in sorted(enabled_codes):
        info = RULES.get(code)
        if info is None or info.needs is None:
            continue
        needs = info.needs
        runtime = runtime or info.subject == "setup"
        if needs.runtime_only:
            continue
        alternatives = "|".join(f"(?:{a})" for a in needs.anchors)
        static.append((_bytes(alternatives), tuple(_bytes(w) for w in needs.words)))
        anchors.extend(needs.anchors)
    method = (
        re.compile("|".join(f"(?:{a})" for a in dict.fromkeys(anchors)), re.IGNORECASE) if anchors else None
    )
    return Gate(_bytes(LIBRARY), tuple(static), _bytes(TRAINING_CALL) if runtime else None, method)
