"""The rules: pure functions from facts to findings, one per code."""

from lossguard.findings import Severity
from lossguard.rules import callbacks, labels, loss_head, metrics, runtime, training
from lossguard.rules.registry import RULES, RuleInfo, run_rules, tool_code

tool_code("LG900", "parse-error", Severity.ERROR)
tool_code("LG901", "probe-failed", Severity.WARNING)
tool_code("LG902", "unused-suppression", Severity.WARNING)

__all__ = [
    "RULES",
    "RuleInfo",
    "callbacks",
    "labels",
    "loss_head",
    "metrics",
    "run_rules",
    "runtime",
    "training",
]
