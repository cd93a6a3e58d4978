"""The rules: pure functions from facts to findings, one per code."""

from lossguard.rules import (
    callbacks,
    contracts,
    domains,
    labels,
    loss_head,
    loss_order,
    metrics,
    runtime,
    sequences,
    training,
)
from lossguard.rules.gate import Gate, gate_for, makes_setups
from lossguard.rules.registry import (
    RULES,
    Needs,
    RuleInfo,
    build_registry,
    finding,
    run_rules,
)

build_registry()

__all__ = [
    "RULES",
    "Gate",
    "Needs",
    "RuleInfo",
    "callbacks",
    "contracts",
    "domains",
    "finding",
    "gate_for",
    "labels",
    "loss_head",
    "loss_order",
    "makes_setups",
    "metrics",
    "run_rules",
    "runtime",
    "sequences",
    "training",
]
