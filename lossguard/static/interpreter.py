"""The narrow interface library handlers see of the evaluator (as mypy's plugin API is narrow).

A handler evaluates a node, binds a name, reads a value, calls a callable the script defined,
makes a handle for a node it reports, and records what a model does; it never reaches into the
evaluator's frames, imports or budget. ``Evaluator`` implements this Protocol; handlers, the
expression evaluator and the subclass reader type against it, so no module of ``static/``
imports the evaluator back.
"""

from __future__ import annotations

from typing import Protocol

import libcst as cst

from lossguard.static.calls import Args
from lossguard.static.recorder import Recorder
from lossguard.static.values import FuncVal, Value


class Interpreter(Protocol):
    record: Recorder  # models, compiles, fits and flagged arguments seen so far
    loop_depth: int  # how many loops deep the statement being run is

    def ref(self, node: cst.CSTNode) -> int:
        """A handle for a node, resolved to a line and column only if it is reported."""
        ...

    def text(self, node: cst.CSTNode, limit: int = 80) -> str:
        """The node's code, on one line, cut at ``limit`` characters (for messages)."""
        ...

    def eval(self, node: cst.BaseExpression | None) -> Value:
        """The abstract value of an expression."""
        ...

    def eval_call(self, node: cst.Call) -> Value:
        """The value of a call: a library handler, a function of the script, a class, a layer."""
        ...

    def qualified(self, node: cst.BaseExpression) -> str | None:
        """The qualified name a callee refers to (``os.walk`` however it was imported)."""
        ...

    def lookup(self, name: str) -> Value:
        """A name's value in the current scope (UNKNOWN when not bound)."""
        ...

    def bind(self, target: cst.BaseExpression | cst.BaseAssignTargetExpression, value: Value) -> None:
        """Assign ``value`` to an assignment target in the current scope."""
        ...

    def yielded(self, value: Value) -> None:
        """A generator function's body yields ``value`` (its iterator's items)."""
        ...

    def call_value(self, func: Value, args: Args) -> Value:
        """Call a function or lambda the script defined, passed around as a value."""
        ...

    def call_function(
        self, func: FuncVal, args: Args, unknown_params: bool = False, self_value: Value | None = None
    ) -> Value:
        """Run a function of the script with these arguments (``self_value``: a method's self)."""
        ...
