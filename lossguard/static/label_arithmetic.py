"""What arithmetic does to the values of label arrays: the facts the loss contracts read.

``masks * 255`` (0/255 masks), ``to_categorical(y) * 2 - 1`` (±1 rows), ``(y - y.mean()) /
y.std()`` (targets of both signs), ``s / s.sum(axis=1, keepdims=True)`` (rows that sum to 1) and
``y == 0`` (a 0/1 mask of the labels' shape). Anything else is left to the caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossguard.static.values import (
    UNKNOWN,
    ArrayVal,
    LabelVal,
    StatisticVal,
    Value,
    array_shape,
    float_value,
    label_bounds,
)

if TYPE_CHECKING:
    from lossguard.static.interpreter import Interpreter

_INF = float("inf")
MASK = "a comparison (0/1)"
_SYMBOLS = {cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*"}


def labels_combined(
    ev: Interpreter, node: cst.CSTNode, op: cst.BaseBinaryOp, left: Value, right: Value
) -> Value | None:
    """Known labels and a number under ``+``, ``-`` or ``*``: the same labels when nothing
    changes (``y * 1``), else an array of the values the encoding's values become."""
    symbol = _SYMBOLS.get(type(op))
    label, number, flipped = (left, right, False) if isinstance(left, LabelVal) else (right, left, True)
    value = float_value(number)
    if not isinstance(label, LabelVal) or value is None:
        return None
    bounds = label_bounds(label)
    if bounds is None:
        return None
    if isinstance(op, cst.Divide) and not flipped and value >= 2:
        # y / 255 like the images: class ids or 0/1 labels squeezed towards 0
        written = f"{label.origin} / {value:g}"
        return ArrayVal(
            ev.ref(node),
            array_shape(label) or None,
            origin=written,
            low=bounds[0] / value,
            high=bounds[1] / value,
        )
    if symbol is None:
        return None
    if (symbol in "+-" and value == 0 and not (flipped and symbol == "-")) or (symbol == "*" and value == 1):
        return label
    low, high = bounds
    if symbol == "+":
        ends = (low + value, high + value)
    elif symbol == "-":
        ends = (value - high, value - low) if flipped else (low - value, high - value)
    else:
        ends = (low * value, high * value)
    written = f"{value:g} {symbol} {label.origin}" if flipped else f"{label.origin} {symbol} {value:g}"
    return ArrayVal(ev.ref(node), array_shape(label) or None, origin=written, low=min(ends), high=max(ends))


def with_statistic(
    ev: Interpreter, node: cst.CSTNode, op: cst.BaseBinaryOp, left: Value, right: Value
) -> Value | None:
    """An array and a statistic: centred on its mean (both signs), or rows divided by their own
    sum (a distribution per row)."""
    if not isinstance(left, ArrayVal) or not isinstance(right, StatisticVal):
        return None
    if isinstance(op, cst.Subtract) and right.name in ("mean", "median") and not right.per_row:
        origin = f"{left.origin or 'values'} centred on the {right.name}"
        return ArrayVal(ev.ref(node), left.shape, continuous=True, origin=origin, low=-_INF, high=_INF)
    if isinstance(op, cst.Divide) and left.low == -_INF and left.high == _INF:
        return ArrayVal(
            ev.ref(node), left.shape, continuous=True, origin=left.origin, low=-_INF, high=_INF
        )  # (y - mean) / std: still both signs
    rows_normalised = right.name == "sum" and right.per_row and right.of is left
    if isinstance(op, cst.Divide) and rows_normalised and left.low is not None and left.low >= 0:
        origin = f"{left.origin or 'values'} divided by their row sums"
        return ArrayVal(
            ev.ref(node), left.shape, continuous=True, origin=origin, low=0.0, high=1.0, distribution=True
        )
    return None


def compared(ev: Interpreter, node: cst.CSTNode, left: Value, right: Value) -> Value | None:
    """``y == 0``, ``prices > 100``: a 0/1 mask with the shape of the array compared."""
    if not isinstance(left, ArrayVal | LabelVal) or float_value(right) is None:
        return None
    shape = array_shape(left) or None
    return ArrayVal(ev.ref(node), shape, origin=MASK, low=0.0, high=1.0)


def plain(value: Value) -> Value:
    """A statistic is only a number to the rest of the interpreter."""
    return UNKNOWN if isinstance(value, StatisticVal) else value
