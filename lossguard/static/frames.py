"""The evaluator's frames and the small pieces its mixins share."""

from __future__ import annotations

import libcst as cst

from lossguard.static.values import Value


class BudgetExceeded(Exception):
    """The script is too large or recursive to follow completely; stop where we are."""


class Frame:
    def __init__(self, env: dict[str, Value], stmt: int, origin: int = 0) -> None:
        self.env = env
        self.stmt = stmt  # the top-level statement of its module being executed
        self.origin = origin  # which module the code comes from (index in ``Evaluator.origins``)
        self.returns: list[Value] = []
        self.yields: list[Value] = []  # what a generator function's body yielded


def dotted_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted_name(node.value)}.{node.attr.value}"
    return ""
