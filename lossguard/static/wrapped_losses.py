"""A loss the script defines that only wraps a built-in loss (``def loss(y_true, y_pred):
return K.mean(K.binary_crossentropy(y_true, y_pred))``) is that loss for every rule.

Read from the function's text: one ``return`` of a built-in cross-entropy called with the
function's own two parameters, in order, optionally averaged, summed or scaled by a number.
Anything more (a second term, a mask computed from the labels, other arguments) stays a custom
loss: unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from lossguard.facts import LossKind

_REDUCTIONS = {"mean", "reduce_mean", "sum", "reduce_sum"}
_LOSSES = {
    "binary_crossentropy": (LossKind.BINARY_CE, None),
    "categorical_crossentropy": (LossKind.CATEGORICAL_CE, None),
    "sparse_categorical_crossentropy": (LossKind.SPARSE_CATEGORICAL_CE, None),
    "sigmoid_cross_entropy_with_logits": (LossKind.BINARY_CE, True),
    "softmax_cross_entropy_with_logits": (LossKind.CATEGORICAL_CE, True),
    "softmax_cross_entropy_with_logits_v2": (LossKind.CATEGORICAL_CE, True),
    "sparse_softmax_cross_entropy_with_logits": (LossKind.SPARSE_CATEGORICAL_CE, True),
}
_LIBRARIES = ("keras", "tensorflow", "tf_keras")
_LABEL_KEYWORDS = ("y_true", "target", "labels")
_OUTPUT_KEYWORDS = ("y_pred", "output", "logits")


@dataclass(frozen=True)
class WrappedLoss:
    kind: LossKind
    from_logits: bool | None
    callee: str  # as written, e.g. "K.binary_crossentropy"


def wrapped_loss(
    function: cst.FunctionDef | cst.Lambda, qualified: Callable[[cst.BaseExpression], str | None]
) -> WrappedLoss | None:
    """The built-in loss a function only wraps; ``qualified`` names a callee as imported."""
    params = [p.name.value for p in function.params.params]
    if len(params) != 2:
        return None
    returned = _returned(function)
    if returned is None:
        return None
    call = _unwrap(returned, qualified)
    if call is None:
        return None
    path = qualified(call.func)
    if path is None or path.split(".")[0] not in _LIBRARIES:
        return None
    entry = _LOSSES.get(path.rsplit(".", 1)[-1])
    if entry is None or not _given(call, params):
        return None
    kind, logits = entry
    if logits is None:
        logits = _from_logits(call)
    return WrappedLoss(kind, logits, _code(call.func))


def _returned(function: cst.FunctionDef | cst.Lambda) -> cst.BaseExpression | None:
    if isinstance(function, cst.Lambda):
        return function.body
    statements: list[cst.CSTNode] = list(function.body.body)
    if statements and _docstring(statements[0]):
        statements = statements[1:]
    if len(statements) != 1:
        return None
    only = statements[0]
    smalls = only.body if isinstance(only, cst.SimpleStatementLine | cst.SimpleStatementSuite) else [only]
    if len(smalls) != 1 or not isinstance(smalls[0], cst.Return) or smalls[0].value is None:
        return None
    return smalls[0].value


def _docstring(statement: cst.CSTNode) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    return isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString | cst.ConcatenatedString)


def _unwrap(
    node: cst.BaseExpression, qualified: Callable[[cst.BaseExpression], str | None]
) -> cst.Call | None:
    """Peel reductions (K.mean, tf.reduce_mean, …) and scaling by a number off the loss call."""
    for _ in range(4):
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply | cst.Divide):
            numbers = [isinstance(side, cst.Integer | cst.Float) for side in (node.left, node.right)]
            if numbers == [False, True]:
                node = node.left
                continue
            if numbers == [True, False] and isinstance(node.operator, cst.Multiply):
                node = node.right
                continue
            return None
        if not isinstance(node, cst.Call):
            return None
        path = qualified(node.func) or ""
        if path.rsplit(".", 1)[-1] in _REDUCTIONS and path.split(".")[0] in (*_LIBRARIES, "numpy"):
            if not node.args or node.args[0].keyword is not None:
                return None
            node = node.args[0].value
            continue
        return node
    return None


def _given(call: cst.Call, params: list[str]) -> bool:
    """The call gets the function's labels and predictions, in that order (or by keyword)."""
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    named = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    labels = positional[0] if positional else next((named[k] for k in _LABEL_KEYWORDS if k in named), None)
    outputs = (
        positional[1]
        if len(positional) > 1
        else next((named[k] for k in _OUTPUT_KEYWORDS if k in named), None)
    )
    return (
        isinstance(labels, cst.Name)
        and isinstance(outputs, cst.Name)
        and [labels.value, outputs.value] == params
        and len(positional) <= 2
    )


def _from_logits(call: cst.Call) -> bool | None:
    for argument in call.args:
        if argument.keyword is not None and argument.keyword.value == "from_logits":
            value = argument.value
            if isinstance(value, cst.Name) and value.value in ("True", "False"):
                return value.value == "True"
            return None
    positional = [a for a in call.args if a.keyword is None]
    return False if len(positional) <= 2 else None


def _code(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_code(node.value)}.{node.attr.value}"
    return "?"
