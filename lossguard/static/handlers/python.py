"""Built-ins, ``math`` and list methods: the little of Python's library the facts depend on."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

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
    from lossguard.static.interpreter import Interpreter

BUILTINS = {"len", "int", "float", "list", "tuple", "str", "sorted", "round", "max", "min", "sum"}


@function("builtins.len")
def length(ev: Interpreter, call: Call) -> Value:
    first = call.args.positional[0] if call.args.positional else None
    if isinstance(first, SeqVal) and first.exact:
        return Const(len(first.items))
    if isinstance(first, LabelVal | ArrayVal):
        return CountVal()
    listed = call.node.args[0].value if call.node.args else None
    if isinstance(listed, cst.Call) and ev.qualified(listed.func) in _LISTS_FILES:
        return CountVal()  # len(os.listdir(folder)): a count of files
    return UNKNOWN


_LISTS_FILES = ("os.listdir", "os.scandir", "glob.glob", "glob.iglob")


@function("builtins.sum")
def total(ev: Interpreter, call: Call) -> Value:
    """``sum(len(files) for _, _, files in os.walk(folder))``: a count of files, i.e. samples."""
    argument = call.node.args[0].value if call.node.args else None
    if isinstance(argument, cst.GeneratorExp | cst.ListComp) and _is_len(argument.elt):
        walked = argument.for_in.iter
        if isinstance(walked, cst.Call) and ev.qualified(walked.func) in ("os.walk", *_LISTS_FILES):
            return CountVal()
    return UNKNOWN


def _is_len(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "len"


@function("builtins.list", "builtins.tuple", "builtins.sorted")
def sequence(ev: Interpreter, call: Call) -> Value:
    first = call.args.positional[0] if call.args.positional else None
    return first if isinstance(first, SeqVal) else UNKNOWN


@function("builtins.int", "builtins.round")
def integer(ev: Interpreter, call: Call) -> Value:
    first = call.args.positional[0] if call.args.positional else None
    if isinstance(first, Const):
        try:
            return Const(int(first.value), quotient=first.quotient)
        except (TypeError, ValueError, OverflowError):
            return UNKNOWN
    return first if isinstance(first, QuotientVal) else UNKNOWN


@methods(QuotientVal)
def quotient_method(ev: Interpreter, obj: QuotientVal, name: str, call: Call) -> Value:
    """``((y - 48) / 48).astype('float32')``: still the same values."""
    return (
        obj if obj.real and name in ("astype", "reshape", "flatten", "ravel", "copy", "squeeze") else UNKNOWN
    )


@attributes(QuotientVal)
def quotient_attribute(ev: Interpreter, obj: QuotientVal, attr: str) -> Value:
    return MethodVal(obj, attr)


@function("math.ceil", "math.floor", "numpy.ceil", "numpy.floor")
def rounding(ev: Interpreter, call: Call) -> Value:
    first = call.args.positional[0] if call.args.positional else None
    return first if isinstance(first, QuotientVal) else UNKNOWN


@methods(SeqVal)
def list_method(ev: Interpreter, obj: SeqVal, name: str, call: Call) -> Value:
    args = call.args
    if name in ("append", "extend", "insert") and ev.loop_depth > obj.loop_depth:
        obj.exact = False  # grown in a loop that may run any number of times
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
def bound_method(ev: Interpreter, obj: Value, attr: str) -> Value:
    return MethodVal(obj, attr)
