"""Expressions of the Python core: literals, containers, operators, subscripts, attributes.

Library values (a Keras model's ``.output``, ``np.eye(n)[y]``) are handed to the handlers
registered for their value type; everything else here is plain Python semantics.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from typing import TYPE_CHECKING

import libcst as cst

from lossguard.static import handlers, label_arithmetic
from lossguard.static.state import same_value
from lossguard.static.values import (
    UNKNOWN,
    ApiRef,
    ArrayVal,
    Const,
    DictVal,
    InstanceVal,
    LabelVal,
    LambdaVal,
    LazyImport,
    ModuleVal,
    QuotientVal,
    SeqVal,
    Value,
    float_value,
)

if TYPE_CHECKING:
    from lossguard.static.interpreter import Interpreter


@lru_cache(maxsize=4096)
def _literal(code: str) -> Value:
    """A number or string literal's value, from its code (libcst's ``evaluated_value`` runs
    ``ast.literal_eval`` at every call; the same literals recur across a run)."""
    try:
        value = ast.literal_eval(code)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return UNKNOWN
    return Const(value) if isinstance(value, int | float | complex | str) else UNKNOWN


def evaluate(ev: Interpreter, node: cst.BaseExpression | None) -> Value:
    if node is None:
        return UNKNOWN
    if isinstance(node, cst.Name):
        return ev.lookup(node.value)
    if isinstance(node, cst.Integer | cst.Float | cst.SimpleString):
        return _literal(node.value)
    if isinstance(node, cst.ConcatenatedString):
        try:
            literal = node.evaluated_value
        except Exception:
            return UNKNOWN
        return Const(literal) if isinstance(literal, str) else UNKNOWN
    if isinstance(node, cst.FormattedString):
        for part in node.parts:
            if isinstance(part, cst.FormattedStringExpression):
                ev.eval(part.expression)
        return UNKNOWN
    if isinstance(node, cst.Attribute):
        return _attribute(ev, node)
    if isinstance(node, cst.Call):
        return ev.eval_call(node)
    if isinstance(node, cst.List | cst.Tuple | cst.Set):
        return _sequence(ev, node)
    if isinstance(node, cst.Dict):
        return _dict(ev, node)
    if isinstance(node, cst.Subscript):
        return _subscript(ev, node)
    if isinstance(node, cst.BinaryOperation):
        return _binary(ev, node)
    if isinstance(node, cst.UnaryOperation):
        operand = ev.eval(node.expression)
        if isinstance(operand, Const) and isinstance(operand.value, int | float | bool):
            if isinstance(node.operator, cst.Minus):
                return Const(-operand.value)
            if isinstance(node.operator, cst.Not):
                return Const(not operand.value)
            if isinstance(node.operator, cst.Plus):
                return operand
        return UNKNOWN
    if isinstance(node, cst.Comparison):
        return _comparison(ev, node)
    if isinstance(node, cst.BooleanOperation):
        left = ev.eval(node.left)
        right = ev.eval(node.right)
        if isinstance(left, Const) and isinstance(right, Const):
            if isinstance(node.operator, cst.And):
                return Const(left.value and right.value)
            return Const(left.value or right.value)
        return UNKNOWN
    if isinstance(node, cst.IfExp):
        test = ev.eval(node.test)
        body = ev.eval(node.body)
        orelse = ev.eval(node.orelse)
        if isinstance(test, Const):
            return body if test.value else orelse
        return body if same_value([body, orelse]) else UNKNOWN
    if isinstance(node, cst.NamedExpr):
        named = ev.eval(node.value)
        ev.bind(node.target, named)
        return named
    if isinstance(node, cst.Lambda):
        return LambdaVal(node)
    if isinstance(node, cst.Yield):
        if isinstance(node.value, cst.BaseExpression):
            ev.yielded(ev.eval(node.value))
        else:
            ev.yielded(UNKNOWN)  # yield from …, or a bare yield
        return UNKNOWN
    if isinstance(node, cst.Await):
        ev.eval(node.expression)
        return UNKNOWN
    return UNKNOWN


def _sequence(ev: Interpreter, node: cst.List | cst.Tuple | cst.Set) -> Value:
    items: list[Value] = []
    exact = True
    for element in node.elements:
        if isinstance(element, cst.StarredElement):
            inner = ev.eval(element.value)
            if isinstance(inner, SeqVal) and inner.exact:
                items.extend(inner.items)
            else:
                items = [UNKNOWN]
                exact = False
        else:
            items.append(ev.eval(element.value))
    return SeqVal(items, isinstance(node, cst.Tuple), exact, ev.loop_depth)


def _dict(ev: Interpreter, node: cst.Dict) -> Value:
    entries: dict[str, Value] = {}
    known = True
    for entry in node.elements:
        if isinstance(entry, cst.DictElement):
            key = ev.eval(entry.key)
            value = ev.eval(entry.value)
            if isinstance(key, Const) and isinstance(key.value, str):
                entries[key.value] = value
            else:
                known = False
        else:
            ev.eval(entry.value)
            known = False
    return DictVal(entries) if known else UNKNOWN


def _comparison(ev: Interpreter, node: cst.Comparison) -> Value:
    left = ev.eval(node.left)
    if len(node.comparisons) != 1:
        for target in node.comparisons:
            ev.eval(target.comparator)
        return UNKNOWN
    comparison = node.comparisons[0]
    right = ev.eval(comparison.comparator)
    if not (isinstance(left, Const) and isinstance(right, Const)):
        mask = label_arithmetic.compared(ev, node, left, right)
        return UNKNOWN if mask is None else mask
    compare = _COMPARISONS.get(type(comparison.operator))
    if compare is None:
        return UNKNOWN
    try:
        return Const(compare(left.value, right.value))
    except TypeError:
        return UNKNOWN


def _binary(ev: Interpreter, node: cst.BinaryOperation) -> Value:
    left = ev.eval(node.left)
    right = ev.eval(node.right)
    op = node.operator
    if isinstance(left, Const) and isinstance(right, Const):
        return _constant(op, left.value, right.value)
    made = label_arithmetic.with_statistic(ev, node, op, left, right)
    made = made or label_arithmetic.labels_combined(ev, node, op, left, right)
    if made is not None:
        return made
    left, right = label_arithmetic.plain(left), label_arithmetic.plain(right)
    if isinstance(op, cst.Add) and isinstance(right, SeqVal):
        if isinstance(left, SeqVal):
            return SeqVal(left.items + right.items, right.is_tuple, left.exact and right.exact)
        return SeqVal([UNKNOWN, *right.items], right.is_tuple, exact=False)
    real = real_valued(ev, node, op, left, right)
    if real is not None:
        return real
    if isinstance(op, cst.Divide | cst.FloorDivide):
        return QuotientVal()
    return UNKNOWN


_ARITHMETIC = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.Power)
_INF = float("inf")
_SYMBOL = {cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/"}
_UNIT_SCALES = (255, 255.0, 256, 65535)  # image intensities: 0/255 masks become 0/1, not reals


_AUGMENTED: dict[type, cst.BaseBinaryOp] = {
    cst.AddAssign: cst.Add(),
    cst.SubtractAssign: cst.Subtract(),
    cst.MultiplyAssign: cst.Multiply(),
    cst.DivideAssign: cst.Divide(),
    cst.PowerAssign: cst.Power(),
}


def augmented(ev: Interpreter, node: cst.AugAssign, current: Value, value: Value) -> Value:
    """``x /= 255.``: what ``x = x / 255.`` would give for arrays (their values and range); any
    other augmented assignment leaves the name unknown, as before."""
    op = _AUGMENTED.get(type(node.operator))
    if op is None or not isinstance(current, ArrayVal):
        return UNKNOWN
    made = real_valued(ev, node, op, current, value)
    return made if isinstance(made, ArrayVal) else UNKNOWN


def real_valued(
    ev: Interpreter, node: cst.CSTNode, op: cst.BaseBinaryOp, left: Value, right: Value
) -> Value | None:
    """Arithmetic that makes real values (a regression's targets), or keeps an array an array:
    reals combined with anything numeric, a division of data by a number (not an image scale),
    a product with a fractional constant, a square root."""
    if not isinstance(op, _ARITHMETIC):
        return None
    arrays = [v for v in (left, right) if isinstance(v, ArrayVal)]
    if any(isinstance(v, Const) and isinstance(v.value, str) for v in (left, right)):
        return None
    if any(a.continuous for a in arrays):
        first = next(a for a in arrays if a.continuous)
        low, high = _bounds(op, left, right)
        origin = first.origin or "arithmetic on real values"
        made = ArrayVal(ev.ref(node), first.shape, continuous=True, origin=origin, low=low, high=high)
        made.noisy_copy_of = _noisy_copy_of(ev, node, op, left, right)
        return made
    numerator, denominator = float_value(left), float_value(right)
    data = left if isinstance(left, ArrayVal | LabelVal) or left is UNKNOWN else None
    if isinstance(op, cst.Divide) and data is not None and denominator not in (None, 0.0, 1.0):
        if isinstance(data, ArrayVal) and data.pixels:
            origin = "pixel intensities scaled"
            return ArrayVal(ev.ref(node), data.shape, continuous=True, origin=origin, low=0.0, high=1.0)
        if denominator in _UNIT_SCALES:
            return ArrayVal(ev.ref(node), data.shape) if isinstance(data, ArrayVal) else None
        if isinstance(data, ArrayVal):
            return ArrayVal(ev.ref(node), data.shape, continuous=True, origin="values divided by a number")
        return QuotientVal(real=True, ref=ev.ref(node))
    fractional_power = denominator is not None and not denominator.is_integer()  # x ** 0.5
    if isinstance(op, cst.Power) and data is not None and fractional_power:
        return ArrayVal(ev.ref(node), None, continuous=True, origin="a fractional power")
    if isinstance(op, cst.Multiply):
        for number, other in ((numerator, right), (denominator, left)):
            if (
                number is not None
                and not number.is_integer()
                and (isinstance(other, ArrayVal) or other is UNKNOWN)
            ):
                return ArrayVal(
                    ev.ref(node),
                    getattr(other, "shape", None),
                    continuous=True,
                    origin="scaled by a fraction",
                )
    if arrays and all(isinstance(v, ArrayVal | Const) for v in (left, right)):
        array = arrays[0]
        low, high = _bounds(op, left, right)
        pixels = array.pixels and not isinstance(op, cst.Divide)
        named = array.origin
        number = float_value(right if array is left else left)
        if named == label_arithmetic.MASK and low is not None and number is not None:
            named = f"a 0/1 mask {_SYMBOL.get(type(op), '?')} {number:g}"
        return ArrayVal(array.ref, array.shape, None, False, origin=named, pixels=pixels, low=low, high=high)
    return None


def _noisy_copy_of(
    ev: Interpreter, node: cst.CSTNode, op: cst.BaseBinaryOp, left: Value, right: Value
) -> str | None:
    """``x_train + 0.5 * np.random.normal(…)``: the code of the array the noise was added to —
    a name, attribute or subscript, so that the same code at ``fit`` is the same array."""
    if not isinstance(node, cst.BinaryOperation) or not isinstance(op, cst.Add | cst.Subtract):
        return None
    for noise, other, other_node in ((right, left, node.left), (left, right, node.right)):
        drawn = isinstance(noise, ArrayVal) and (noise.origin or "").startswith("np.random.")
        plain = isinstance(other_node, cst.Name | cst.Attribute | cst.Subscript)
        if drawn and plain and not isinstance(other, Const):
            return ev.text(other_node)
    return None


def _bounds(op: cst.BaseBinaryOp, left: Value, right: Value) -> tuple[float | None, float | None]:
    """Interval arithmetic for an array with known bounds and a number (``2 * y - 1``)."""
    array, number, flipped = (left, right, False) if isinstance(left, ArrayVal) else (right, left, True)
    if not isinstance(array, ArrayVal) or array.low is None or array.high is None:
        return None, None
    value = float_value(number)
    if value is None and not (array.low == -_INF and array.high == _INF):
        return None, None
    low, high = array.low, array.high
    if low == -_INF and high == _INF and isinstance(op, cst.Multiply | cst.Divide):
        return low, high  # values of both signs stay so when scaled
    if value is None:
        return None, None
    try:
        if isinstance(op, cst.Add):
            ends = (low + value, high + value)
        elif isinstance(op, cst.Subtract):
            ends = (value - high, value - low) if flipped else (low - value, high - value)
        elif isinstance(op, cst.Multiply):
            ends = (low * value, high * value)
        elif isinstance(op, cst.Divide) and not flipped and value != 0:
            ends = (low / value, high / value)
        else:
            return None, None
    except (OverflowError, ValueError):
        return None, None
    if any(e != e for e in ends):  # inf - inf, 0 * inf: unknown
        return None, None
    return min(ends), max(ends)


def _constant(op: cst.BaseBinaryOp, a: object, b: object) -> Value:
    if isinstance(a, bool) or isinstance(b, bool):
        return UNKNOWN
    try:
        if isinstance(op, cst.Add):
            return Const(a + b)  # type: ignore[operator]
        if isinstance(op, cst.Subtract):
            return Const(a - b)  # type: ignore[operator]
        if isinstance(op, cst.Multiply) and not (isinstance(a, str) or isinstance(b, str)):
            return Const(a * b)  # type: ignore[operator]
        if isinstance(op, cst.FloorDivide):
            return Const(a // b, quotient=True)  # type: ignore[operator]
        if isinstance(op, cst.Divide):
            return Const(a / b, quotient=True)  # type: ignore[operator]
    except (TypeError, ZeroDivisionError, OverflowError):
        return UNKNOWN
    return UNKNOWN


def _subscript(ev: Interpreter, node: cst.Subscript) -> Value:
    base = ev.eval(node.value)
    index: Value = UNKNOWN
    if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        index = ev.eval(node.slice[0].slice.value)
    else:
        for element in node.slice:
            if isinstance(element.slice, cst.Index):
                ev.eval(element.slice.value)
    if isinstance(base, SeqVal) and base.exact and isinstance(index, Const):
        if isinstance(index.value, int) and -len(base.items) <= index.value < len(base.items):
            return base.items[index.value]
        return UNKNOWN
    if isinstance(base, DictVal) and isinstance(index, Const) and isinstance(index.value, str):
        return base.items.get(index.value, UNKNOWN)
    subscript = handlers.subscript_for(base)
    return subscript(ev, base, index, node) if subscript is not None else UNKNOWN


def _attribute(ev: Interpreter, node: cst.Attribute) -> Value:
    base = ev.eval(node.value)
    attr = node.attr.value
    if isinstance(base, ApiRef):
        return ApiRef(f"{base.path}.{attr}")
    if isinstance(base, InstanceVal) and attr in base.attrs:
        return base.attrs[attr]
    if isinstance(base, ModuleVal):
        found = base.namespace.get(attr, UNKNOWN)
        return found.resolve() if isinstance(found, LazyImport) else found
    attribute = handlers.attribute_for(base)
    return attribute(ev, base, attr) if attribute is not None else UNKNOWN


def _is(a: object, b: object) -> bool:
    return a is b


def _is_not(a: object, b: object) -> bool:
    return a is not b


_COMPARISONS = {
    cst.Equal: lambda a, b: a == b,
    cst.NotEqual: lambda a, b: a != b,
    cst.LessThan: lambda a, b: a < b,
    cst.GreaterThan: lambda a, b: a > b,
    cst.LessThanEqual: lambda a, b: a <= b,
    cst.GreaterThanEqual: lambda a, b: a >= b,
    cst.Is: _is,
    cst.IsNot: _is_not,
}
