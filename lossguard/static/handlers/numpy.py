"""numpy: arrays of labels and features, ``np.eye(n)[y]`` one-hot, ``np.argmax`` back to integers."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import libcst as cst

from lossguard.facts import LabelEncoding
from lossguard.static.calls import Call
from lossguard.static.handlers.registry import attributes, function, methods, stores, subscripts
from lossguard.static.values import (
    UNKNOWN,
    ApiRef,
    ArrayVal,
    Const,
    CountVal,
    EyeVal,
    LabelVal,
    MethodVal,
    QuotientVal,
    SeqVal,
    StatisticVal,
    Value,
    array_shape,
    float_value,
    int_value,
    label_bounds,
    shape_of,
)

if TYPE_CHECKING:
    from lossguard.static.interpreter import Interpreter


@function("numpy.eye", "numpy.identity")
def eye(ev: Interpreter, call: Call) -> Value:
    first = call.args.get(0, "N")
    return EyeVal(first.value if isinstance(first, Const) and isinstance(first.value, int) else None)


@function("numpy.array", "numpy.asarray", "numpy.asanyarray", "numpy.squeeze", "numpy.ravel", "numpy.copy")
def same_array(ev: Interpreter, call: Call) -> Value:
    first = call.args.get(0, "N")
    if isinstance(first, SeqVal):
        return literal_array(ev, first, call.node)
    return first if isinstance(first, LabelVal | ArrayVal | QuotientVal) else UNKNOWN


def literal_array(ev: Interpreter, value: SeqVal, node: cst.CSTNode) -> Value:
    """``np.array([[1.5], [2.25]])``: written numbers; reals when one is not a whole number.
    Whole numbers keep their shape and bounds; 0/1 values are a 0/1 column, one-hot rows
    (exactly one 1 in each row) or multi-hot rows (some row with several); only 0s or only 1s
    are a constant (as ``np.zeros``/``np.ones``)."""
    stacked = _stacked(ev, value, node)
    if stacked is not None:
        return stacked
    rows = value.items
    width: int | None = None
    table: list[list[float]] = []
    for row in rows:
        cells = row.items if isinstance(row, SeqVal) and row.exact else [row]
        if isinstance(row, SeqVal):
            width = len(cells) if width in (None, len(cells)) else -1
        written = [float_value(cell) for cell in cells]
        known = [n for n in written if n is not None]
        if len(known) != len(written):
            return UNKNOWN
        table.append(known)
    numbers = [n for row_numbers in table for n in row_numbers]
    if not value.exact or not numbers or (width is not None and width <= 0):
        return UNKNOWN
    shape = (len(rows),) if width is None else (len(rows), width)
    ref = ev.ref(node)
    if not all(n.is_integer() for n in numbers):
        return ArrayVal(ref, shape, continuous=True, origin="an array of real numbers written in the script")
    distinct = set(numbers)
    if distinct in ({0.0}, {1.0}):  # every value the same 0 or 1: a constant, as np.ones
        return ArrayVal(ref, shape, fill=int(numbers[0]))
    if distinct == {0.0, 1.0}:
        origin = "an array of 0/1 values written in the script"
        if width is None or width == 1:
            return LabelVal(LabelEncoding.BINARY, origin, ref, 2, width)
        ones = [sum(row_numbers) for row_numbers in table]
        if all(count == 1 for count in ones):
            return LabelVal(LabelEncoding.ONE_HOT, origin, ref, width, width)
        if any(count > 1 for count in ones):
            return LabelVal(LabelEncoding.MULTI_HOT, origin, ref, width, width)
    origin = "an array of whole numbers written in the script"
    return ArrayVal(ref, shape, origin=origin, low=min(numbers), high=max(numbers))


def _stacked(ev: Interpreter, value: SeqVal, node: cst.CSTNode) -> Value | None:
    """``np.array(targets)`` of a list of arrays appended in a loop (``Y.append(lab / 128)``):
    the stack holds their values, real when each is; None when the items are not such arrays."""
    items = value.items
    if items and all(isinstance(i, QuotientVal) and i.real for i in items):
        return QuotientVal(real=True, ref=ev.ref(node))
    arrays = [i for i in items if isinstance(i, ArrayVal) and i.continuous]
    if not items or len(arrays) != len(items):
        return None
    lows = [a.low for a in arrays if a.low is not None]
    highs = [a.high for a in arrays if a.high is not None]
    return ArrayVal(
        ev.ref(node),
        None,
        continuous=True,
        origin=arrays[0].origin,
        low=min(lows) if len(lows) == len(arrays) else None,
        high=max(highs) if len(highs) == len(arrays) else None,
    )


# Functions whose result is real-valued when given data (a regression target made by arithmetic).
_REAL_FUNCTIONS = (
    "sqrt",
    "exp",
    "log",
    "log1p",
    "log2",
    "log10",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sinh",
    "cosh",
    "arctan",
    "mean",
    "average",
    "std",
    "cbrt",
)


@function(*(f"numpy.{name}" for name in _REAL_FUNCTIONS if name not in ("mean", "std")))
def real_function(ev: Interpreter, call: Call) -> Value:
    first = call.args.get(0, "x")
    if isinstance(first, ArrayVal | LabelVal | QuotientVal) or first is UNKNOWN:
        shape = first.shape if isinstance(first, ArrayVal) else None
        name = call.path.rsplit(".", 1)[-1]
        low, high = (0.0, _INF) if name == "exp" else (None, None)
        return ArrayVal(ev.ref(call.node), shape, continuous=True, origin=f"np.{name}(…)", low=low, high=high)
    return UNKNOWN


@function("numpy.power")
def power(ev: Interpreter, call: Call) -> Value:
    base, power_of = call.args.get(0, "x1"), float_value(call.args.get(1, "x2"))
    exponent = int(power_of) if power_of is not None and power_of.is_integer() else None
    if isinstance(base, ArrayVal) and base.continuous:
        low, high = _powered(base.low, base.high, exponent)
        origin = base.origin or "np.power(…)"
        return ArrayVal(ev.ref(call.node), base.shape, continuous=True, origin=origin, low=low, high=high)
    return UNKNOWN


def _powered(
    low: float | None, high: float | None, exponent: int | None
) -> tuple[float | None, float | None]:
    """The range of x ** n for x in [low, high] and a small whole n ≥ 1 (None: unknown)."""
    if low is None or high is None or exponent is None or not 1 <= exponent <= 8:
        return None, None
    try:
        ends = (low**exponent, high**exponent)
    except OverflowError:
        return None, None
    if exponent % 2 == 0 and low < 0 < high:
        return 0.0, max(ends)
    return min(ends), max(ends)


@function("numpy.linspace")
def linspace(ev: Interpreter, call: Call) -> Value:
    count = int_value(call.args.get(2, "num"))
    start, stop = float_value(call.args.get(0, "start")), float_value(call.args.get(1, "stop"))
    low, high = (
        (min(start, stop), max(start, stop)) if start is not None and stop is not None else (None, None)
    )
    shape = (count if count is not None else 50,)
    return ArrayVal(ev.ref(call.node), shape, continuous=True, origin="np.linspace(…)", low=low, high=high)


@function("numpy.arange", "tensorflow.range")
def arange(ev: Interpreter, call: Call) -> Value:
    """``np.arange(100, 1100, 5)``, ``tf.range(10)``: evenly spaced values, whole numbers when
    every bound is one (a regression target counted up, or class ids 0…n-1)."""
    args, ref = call.args, ev.ref(call.node)
    tensorflow = call.path.startswith("tensorflow")
    stop_name, step_name = ("limit", "delta") if tensorflow else ("stop", "step")
    if args.given(1, stop_name):
        start, stop = float_value(args.get(0, "start")), float_value(args.get(1, stop_name))
    else:  # arange(stop)
        start, stop = 0.0, float_value(args.get(0, "start"))
    step = float_value(args.get(2, step_name)) if args.given(2, step_name) else 1.0
    if start is None or stop is None or step is None or step == 0:
        return ArrayVal(ref, None)
    count = max(0, math.ceil((stop - start) / step))
    if count == 0:
        return ArrayVal(ref, (0,))
    last = start + (count - 1) * step
    whole = all(v.is_integer() for v in (start, stop, step))
    origin = "tf.range(…)" if tensorflow else "np.arange(…)"
    return ArrayVal(
        ref, (count,), continuous=not whole, origin=origin, low=min(start, last), high=max(start, last)
    )


@function("numpy.expand_dims")
def expand_dims(ev: Interpreter, call: Call) -> Value:
    """``np.expand_dims(y, -1)``: class indices as one column, (n,) → (n, 1); the same labels."""
    first, axis = call.args.get(0, "a"), call.args.get(1, "axis")
    column = isinstance(axis, Const) and axis.value in (1, -1)
    if column and isinstance(first, LabelVal) and first.width is None:
        single = first.encoding in (LabelEncoding.INTEGER, LabelEncoding.BINARY)
        return replace(first, width=1) if single else UNKNOWN
    return UNKNOWN


@function("numpy.argmax")
def argmax(ev: Interpreter, call: Call) -> Value:
    first = call.args.get(0, "N")
    if not isinstance(first, LabelVal) or first.encoding is not LabelEncoding.ONE_HOT:
        return UNKNOWN
    axis = call.args.get(1, "axis")
    if isinstance(axis, Const) and axis.value in (1, -1):  # one-hot rows back to class indices
        classes = first.num_classes or first.width
        origin = f"np.argmax({first.origin}, axis={axis.value})"
        return LabelVal(LabelEncoding.INTEGER, origin, ev.ref(call.node), classes)
    return UNKNOWN


@function(
    "numpy.zeros",
    "numpy.ones",
    "numpy.empty",
    *(f"numpy.random.{name}" for name in ("random", "rand", "randn")),
)
def filled(ev: Interpreter, call: Call) -> Value:
    written = isinstance(call.args.node(0, "shape"), cst.Tuple | cst.List)  # the shape at the call
    name = call.path.rsplit(".", 1)[-1]
    fill = {"zeros": 0, "ones": 1}.get(name)
    shape = shape_of(call.args.get(0, "shape")) if written else None
    if (
        not written
        and (length := int_value(call.args.get(0, "shape"))) is not None
        and not call.args.has_star
    ):
        shape = (length,)  # np.zeros(100), np.random.random(100): one axis
    if name in ("rand", "randn") and call.args.positional and not call.args.has_star:
        shape = tuple(int_value(d) for d in call.args.positional)  # np.random.rand(n, 1)
    random = call.path.startswith("numpy.random.")
    origin = f"np.random.{name}(…)" if random else None
    low, high = _RANDOM_RANGE.get(name, (None, None)) if random else (None, None)
    return ArrayVal(ev.ref(call.node), shape, fill, continuous=random, origin=origin, low=low, high=high)


@function(
    "numpy.random.uniform",
    "numpy.random.normal",
    "numpy.random.standard_normal",
    "numpy.random.exponential",
    "numpy.random.gamma",
    "numpy.random.beta",
    "numpy.random.lognormal",
)
def random_reals(ev: Interpreter, call: Call) -> Value:
    name = call.path.rsplit(".", 1)[-1]
    origin = f"np.random.{name}(…)"
    low, high = _RANDOM_RANGE.get(name, (None, None))
    if name == "uniform":
        low = float_value(call.args.get(0, "low")) if call.args.given(0, "low") else 0.0
        high = float_value(call.args.get(1, "high")) if call.args.given(1, "high") else 1.0
    shape = shape_of(call.args.get(None, "size"))
    return ArrayVal(ev.ref(call.node), shape, continuous=True, origin=origin, low=low, high=high)


_INF = float("inf")
_RANDOM_RANGE = {
    "normal": (-_INF, _INF),
    "standard_normal": (-_INF, _INF),
    "randn": (-_INF, _INF),
    "exponential": (0.0, _INF),
    "gamma": (0.0, _INF),
    "lognormal": (0.0, _INF),
    "beta": (0.0, 1.0),
    "rand": (0.0, 1.0),
    "random": (0.0, 1.0),
}


@function("numpy.clip")
def clip(ev: Interpreter, call: Call) -> Value:
    """``np.clip(x_train + noise, 0., 1.)``: a noisy copy stays a noisy copy (of values within
    the bounds written); anything else clipped stays unknown, as it was."""
    a = call.args.get(0, "a")
    if not isinstance(a, ArrayVal) or a.noisy_copy_of is None:
        return UNKNOWN
    low, high = float_value(call.args.get(1, "a_min")), float_value(call.args.get(2, "a_max"))
    return replace(a, ref=ev.ref(call.node), low=low, high=high)


@function("numpy.where")
def where(ev: Interpreter, call: Call) -> Value:
    """``np.where(y == 0, -1, 1)``: labels made of the two numbers written."""
    a, b = float_value(call.args.get(1, "x")), float_value(call.args.get(2, "y"))
    if a is None or b is None:
        return UNKNOWN
    origin = f"np.where(…, {a:g}, {b:g})"
    condition = call.args.get(0, "condition")  # y == 0: the shape of the labels compared
    shape = condition.shape if isinstance(condition, ArrayVal) else None
    return ArrayVal(ev.ref(call.node), shape, origin=origin, low=min(a, b), high=max(a, b))


@function("numpy.random.randint")
def randint(ev: Interpreter, call: Call) -> Value:
    args, ref = call.args, ev.ref(call.node)
    low = args.get(0, "low")
    high = args.get(1, "high")
    size = shape_of(args.get(2, "size"))
    if not (isinstance(low, Const) and isinstance(high, Const)):
        return ArrayVal(ref, size)
    if high.value is None:
        low, high = Const(0), low
    if int_value(low) is None or int_value(high) is None:
        return ArrayVal(ref, size)
    if low.value != 0 or size is None or len(size) > 2:
        # ids from 1, or a mask's (n, h, w) ids: the values drawn, not an encoding
        origin = f"np.random.randint({low.value}, {high.value}, …)"
        return ArrayVal(ref, size, origin=origin, low=float(low.value), high=float(high.value - 1))
    classes = high.value
    origin = f"np.random.randint(0, {classes}, …)"
    encoding = LabelEncoding.BINARY if classes == 2 else LabelEncoding.INTEGER
    if len(size) == 1:
        return LabelVal(encoding, origin, ref, classes)
    if len(size) == 2 and size[1] == 1:
        return LabelVal(encoding, origin, ref, classes, 1)
    if len(size) == 2 and classes == 2:
        return LabelVal(LabelEncoding.MULTI_HOT, origin, ref, size[1], size[1])
    return ArrayVal(ref, size)


@subscripts(EyeVal)
def one_hot_rows(ev: Interpreter, base: EyeVal, index: Value, node: object) -> Value:
    if isinstance(index, LabelVal | ArrayVal) or index is UNKNOWN:
        origin = f"np.eye({'?' if base.n is None else base.n})[labels]"
        return LabelVal(LabelEncoding.ONE_HOT, origin, ev.ref(node), base.n, base.n)  # type: ignore[arg-type]
    return UNKNOWN


@subscripts(LabelVal, ArrayVal)
def rows(ev: Interpreter, base: LabelVal | ArrayVal, index: Value, node: Any) -> Value:
    if isinstance(index, Const):
        width = array_shape(base)[1:] if isinstance(index.value, int) else ()
        if len(width) == 1 and isinstance(width[0], int):
            return SeqVal([UNKNOWN] * width[0])  # one row: len(y[0]) is the number of columns
        return UNKNOWN
    if isinstance(base, ArrayVal):
        # a subset of the values (rows, a column): their range stays, the shape is not followed
        return ArrayVal(
            base.ref, None, continuous=base.continuous, origin=base.origin, low=base.low, high=base.high
        )
    if all(isinstance(element.slice, cst.Slice) for element in node.slice):
        return base  # y[:1000]: the same labels, fewer rows
    # y[mask], y[idx]: the rows kept may not hold every class; the columns stay what they were
    return replace(base, num_classes=None) if base.encoding is not LabelEncoding.ONE_HOT else base


@stores(LabelVal, ArrayVal)
def stored_into(ev: Interpreter, base: LabelVal | ArrayVal, value: Value, target: Any) -> Value:
    """``y[y > 6] -= 2``: labels changed in place are no longer known; but
    ``onehot[np.arange(n), y] = 1`` into a 2-D array of zeros builds a one-hot encoding."""
    if (
        isinstance(base, ArrayVal)
        and base.shape is not None
        and len(base.shape) == 2
        and base.fill == 0
        and len(target.slice) == 2
        and isinstance(value, Const)
        and value.value == 1
    ):
        width = base.shape[1]
        return LabelVal(
            LabelEncoding.ONE_HOT, "a one-hot array built by indexing", ev.ref(target), width, width
        )
    return _values_set(ev, base, value, target)


def _values_set(ev: Interpreter, base: LabelVal | ArrayVal, value: Value, target: Any) -> Value:
    """``y[y == 0] = -1``: some values replaced by a number; the range widens to take it in."""
    number = float_value(value)
    bounds = label_bounds(base) if isinstance(base, LabelVal) else (base.low, base.high)
    if number is None or bounds is None or bounds[0] is None or bounds[1] is None:
        return UNKNOWN
    origin = f"{base.origin or 'an array'} with some values set to {number:g}"
    continuous = isinstance(base, ArrayVal) and base.continuous
    if bounds[0] <= number <= bounds[1]:
        # y[y == 255] = 0: values replaced by one already in range; what is left is not known
        return ArrayVal(ev.ref(target), array_shape(base) or None, continuous=continuous)
    low, high = min(bounds[0], number), max(bounds[1], number)
    return ArrayVal(
        ev.ref(target), array_shape(base) or None, continuous=continuous, origin=origin, low=low, high=high
    )


@methods(LabelVal)
def label_method(ev: Interpreter, obj: LabelVal, name: str, call: Call) -> Value:
    return (
        obj
        if name
        in ("astype", "copy", "squeeze", "flatten", "ravel", "reshape", "toarray", "todense", "to_numpy")
        else UNKNOWN
    )


@methods(ArrayVal)
def array_method(ev: Interpreter, obj: ArrayVal, name: str, call: Call) -> Value:
    if name == "astype":
        return _cast(obj, call)
    if name in ("copy", "to_numpy"):
        return obj
    if name in ("reshape", "flatten", "ravel", "squeeze"):
        # the same values in another shape: their bounds stay (rows summing to 1 do not)
        return ArrayVal(
            obj.ref,
            None,
            fill=obj.fill,
            continuous=obj.continuous,
            origin=obj.origin,
            pixels=obj.pixels,
            low=obj.low,
            high=obj.high,
            padding=obj.padding,
        )
    if name in _STATISTICS:
        return _statistic(obj, name, call)  # a number (or a column), not the array
    return UNKNOWN


_STATISTICS = ("mean", "std", "sum", "median", "var", "max", "min")


def _statistic(obj: ArrayVal, name: str, call: Call, offset: int = 0) -> Value:
    """A statistic of the whole array (a number) or of each row kept as a column; any other
    axis gives an array this does not follow."""
    axis, keep = call.args.get(offset, "axis"), call.args.get(None, "keepdims")
    if axis is None:
        return StatisticVal(obj, name)
    last = isinstance(axis, Const) and axis.value in (1, -1) and obj.shape is not None and len(obj.shape) == 2
    if last and isinstance(keep, Const) and keep.value is True:
        return StatisticVal(obj, name, per_row=True)
    return UNKNOWN


@function("numpy.mean", "numpy.std", "numpy.sum", "numpy.median")
def statistic(ev: Interpreter, call: Call) -> Value:
    first = call.args.get(0, "a")
    if isinstance(first, ArrayVal):
        made = _statistic(first, call.path.rsplit(".", 1)[-1], call, offset=1)
        if made is not UNKNOWN:
            return made
    if call.path in ("numpy.mean", "numpy.std"):
        return real_function(ev, call)  # np.mean(features, axis=1): real values, a regression's targets
    return UNKNOWN


def _cast(obj: ArrayVal, call: Call) -> Value:
    """``astype(int)`` makes whole numbers of reals; a float cast keeps what the values were."""
    dtype = call.args.get(0, "dtype")
    written = dtype.value if isinstance(dtype, Const) and isinstance(dtype.value, str) else None
    path = dtype.path if isinstance(dtype, ApiRef) else None
    name = (written or (path.rsplit(".", 1)[-1] if path else "")).lower()
    if "int" in name or "bool" in name:
        return ArrayVal(obj.ref, obj.shape, origin=obj.origin, low=obj.low, high=obj.high)
    if "float" in name or "double" in name:
        return obj
    return UNKNOWN if obj.continuous else obj


@attributes(LabelVal, ArrayVal)
def array_attribute(ev: Interpreter, obj: LabelVal | ArrayVal, attr: str) -> Value:
    if attr == "values":
        return obj  # a pandas frame's array: the same labels
    if attr == "shape":
        shape = array_shape(obj)
        if not shape:
            return UNKNOWN
        rest = [UNKNOWN if d is None else Const(d) for d in shape[1:]]
        return SeqVal([CountVal(), *rest], is_tuple=True)  # shape[0]: a count of samples
    return MethodVal(obj, attr)
