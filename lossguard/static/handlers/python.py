"""Built-ins, ``math`` and list methods: the little of Python's library the facts depend on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lossguard.static.calls import Call
from lossguard.static.handlers.registry import attributes, function, methods
from lossguard.static.values import (
    UNKNOWN,
    ArrayVal,
    Const,
    CountVal,
    InstanceVal,
    LabelVal,
    MethodVal,
    QuotientVal,
    SeqVal,
    Value,
)

if TYPE_CHECKING:
    from lossguard.static.evaluator import Evaluator

BUILTINS = {"len", "int", "float", "list", "tuple", "str", "sorted", "round", "max", "min"}


@function("builtins.len")
def length(ev: Evaluator, call: Call) -> Value:
    first = call.args.positional[0] if call.args.positional else None
    if isinstance(first, SeqVal) and first.exact:
        return Const(len(first.items))
    if isinstance(first, LabelVal | ArrayVal):
        return CountVal()
    return UNKNOWN


@function("builtins.list", "builtins.tuple", "builtins.sorted")
def sequence(ev: Evaluator, call: Call) -> Value:
    first = call.args.positional[0] if call.args.positional else None
    return first if isinstance(first, SeqVal) else UNKNOWN


@function("builtins.int", "builtins.round")
def integer(ev: Evaluator, call: Call) -> Value:
    first = call.args.positional[0] if call.args.positional else None
    if isinstance(first, Const):
        try:
            return Const(int(first.value), quotient=first.quotient)
        except (TypeError, ValueError, OverflowError):
            return UNKNOWN
    return first if isinstance(first, QuotientVal) else UNKNOWN


@function("math.ceil", "math.floor")
def rounding(ev: Evaluator, call: Call) -> Value:
    first = call.args.positional[0] if call.args.positional else None
    return first if isinstance(first, QuotientVal) else UNKNOWN


@methods(SeqVal)
def list_method(ev: Evaluator, obj: SeqVal, name: str, call: Call) -> Value:
    args = call.args
    if name == "append" and args.positional:
        obj.items.append(args.positional[0])
    elif name == "extend" and args.positional:
        other = args.positional[0]
        if isinstance(other, SeqVal):
            obj.items.extend(other.items)
            obj.exact = obj.exact and other.exact
        else:
            obj.items.append(UNKNOWN)
            obj.exact = False
    elif name in ("insert", "pop", "remove", "clear"):
        obj.items[:] = [UNKNOWN]
        obj.exact = False
    return UNKNOWN


@attributes(SeqVal, InstanceVal)
def bound_method(ev: Evaluator, obj: Value, attr: str) -> Value:
    return MethodVal(obj, attr)
