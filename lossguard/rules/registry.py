"""The rule registry: each rule is a pure function over facts, registered under its code."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from lossguard.facts import Location, ModuleFacts, TrainingSetup
from lossguard.findings import Finding, Related, Severity

SetupRule = Callable[[TrainingSetup], Iterable[Finding]]
ModuleRule = Callable[[ModuleFacts], Iterable[Finding]]


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    severity: Severity
    subject: str  # "setup" (one TrainingSetup), "module" (ModuleFacts) or "tool"
    func: Callable[[Any], Iterable[Finding]] | None


RULES: dict[str, RuleInfo] = {}


def rule(code: str, name: str, severity: Severity, subject: str = "setup") -> Callable[[Any], Any]:
    def register(func: Callable[[Any], Iterable[Finding]]) -> Callable[[Any], Iterable[Finding]]:
        RULES[code] = RuleInfo(code, name, severity, subject, func)
        return func

    return register


def tool_code(code: str, name: str, severity: Severity) -> None:
    """Codes the engine reports itself (parse errors, probe failures)."""
    RULES[code] = RuleInfo(code, name, severity, "tool", None)


def line_of(location: Location | None) -> str:
    """'line 12' for a message (or 'cell 3, line 2' in a notebook), filled in once reported."""
    if location is None:
        return "line ?"
    if location.resolved:
        return f"line {location.line}"
    return f"{{L:{location.ref}}}"


def finding(
    code: str,
    message: str,
    location: Location,
    *,
    severity: Severity | None = None,
    fix: str | None = None,
    related: Iterable[tuple[Location | None, str]] = (),
) -> Finding:
    info = RULES[code]
    return Finding(
        code=code,
        name=info.name,
        severity=severity or info.severity,
        message=message,
        location=location,
        related=tuple(Related(loc, msg) for loc, msg in related if loc is not None),
        fix=fix,
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
