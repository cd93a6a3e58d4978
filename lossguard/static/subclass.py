"""Simple subclassed models, read statically: ``__init__`` makes layers, ``call`` applies them
in a straight chain (the style of the Keras guides), so the last layer applied is the head.

Anything less regular (branches, loops, several inputs, layers applied to anything but the
previous result) stays unknown: the probe covers it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lossguard.static.calls import Args
from lossguard.static.values import ClassVal, FuncVal, InstanceVal, LayerVal, ModelVal, Value

if TYPE_CHECKING:
    from lossguard.static.interpreter import Interpreter


def _method(cls: ClassVal, name: str) -> cst.FunctionDef | None:
    body = cls.node.body.body if isinstance(cls.node, cst.ClassDef) else ()
    return next((m for m in body if isinstance(m, cst.FunctionDef) and m.name.value == name), None)


def subclass_layers(ev: Interpreter, cls: ClassVal, args: Args) -> list[Value] | None:
    """The layers ``call`` applies, in order, or None when it is not a straight chain."""
    init, call = _method(cls, "__init__"), _method(cls, "call")
    if init is None or call is None:
        return None
    instance = InstanceVal(cls)
    ev.call_function(FuncVal(init, cls.stmt, is_method=True, origin=cls.origin), args, self_value=instance)
    chain = _straight_chain(call)
    if chain is None:
        return None
    layers: list[Value] = []
    for attribute in chain:
        layer = instance.attrs.get(attribute)
        if not isinstance(layer, LayerVal | ModelVal):
            return None
        layers.append(layer)
    return layers


def _straight_chain(call: cst.FunctionDef) -> list[str] | None:
    params = call.params.params
    if len(params) < 2:
        return None
    me, current = params[0].name.value, params[1].name.value
    chain: list[str] = []
    for statement in call.body.body:
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return None
        small = statement.body[0]
        if (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
        ):
            applied = _applied(small.value, me, current)
            if applied is None:
                return None
            chain += applied
            current = small.targets[0].target.value
        elif isinstance(small, cst.Return) and small.value is not None:
            applied = _applied(small.value, me, current)
            return chain + applied if applied is not None else None
        elif not isinstance(small, cst.Expr | cst.Pass):  # a docstring, a print
            return None
    return None


def _applied(expression: cst.BaseExpression, me: str, current: str) -> list[str] | None:
    """``self.c(self.b(x))`` → ["b", "c"] when x is the current value; None otherwise."""
    if isinstance(expression, cst.Name):
        return [] if expression.value == current else None
    if not isinstance(expression, cst.Call) or not expression.args or expression.args[0].keyword is not None:
        return None
    func = expression.func
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == me):
        return None
    inner = _applied(expression.args[0].value, me, current)
    return [*inner, func.attr.value] if inner is not None else None
