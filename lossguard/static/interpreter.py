"""A small abstract interpreter over a libcst module.

It executes the script's statements in order over abstract values (``values.py``): imports bind
Keras names, ``Sequential``/functional calls build models, ``compile`` and ``fit`` are recorded
as events. Branches run on snapshots and merge to ``UNKNOWN`` where they disagree, loops may run
zero times, same-file functions are followed, and anything not understood is ``UNKNOWN``: the
rules stay silent on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from lossguard.facts import Activation, LabelEncoding, LossKind, MetricKind, StepsUnit
from lossguard.static import keras_api as api
from lossguard.static.names import KerasName, keras_name
from lossguard.static.values import (
    UNKNOWN,
    ApiRef,
    ArrayVal,
    CallbackVal,
    ClassVal,
    CompileVal,
    Const,
    CountVal,
    DataVal,
    DictVal,
    EyeVal,
    FuncVal,
    GeneratorFactoryVal,
    InstanceVal,
    LabelVal,
    LambdaVal,
    LayerVal,
    LossVal,
    MethodVal,
    MetricVal,
    ModelVal,
    QuotientVal,
    SeqVal,
    TensorVal,
    Value,
)

MAX_CALL_DEPTH = 6
STATEMENT_BUDGET = 40_000


class BudgetExceeded(Exception):
    """The script is too large or recursive to follow completely; stop where we are."""


@dataclass
class FitEvent:
    model: ModelVal
    method: str
    ref: int
    layers_snapshot: list[Value]
    outputs_snapshot: list[TensorVal] | None
    compile: CompileVal | None
    x: Value
    y: Value
    has_validation: bool | None
    callbacks: list[CallbackVal]


@dataclass
class CallArg:
    callee: str
    param: str
    value: Any
    text: str
    ref: int


@dataclass
class StepsArg:
    param: str
    unit: StepsUnit
    text: str
    ref: int


@dataclass
class Frame:
    env: dict[str, Value]
    stmt: int
    returns: list[Value] = field(default_factory=list)
    is_module: bool = False


@dataclass
class Args:
    positional: list[Value]
    keywords: dict[str, Value]
    has_star: bool
    nodes: dict[str, cst.CSTNode]  # keyword name or "#i" → argument value node

    def get(self, index: int | None, name: str) -> Value | None:
        if name in self.keywords:
            return self.keywords[name]
        if index is not None and index < len(self.positional):
            return self.positional[index]
        return None

    def node(self, index: int | None, name: str) -> cst.CSTNode | None:
        if name in self.nodes:
            return self.nodes[name]
        if index is not None:
            return self.nodes.get(f"#{index}")
        return None

    def given(self, index: int | None, name: str) -> bool:
        return self.get(index, name) is not None


_BUILTINS = {"len", "int", "float", "list", "tuple", "str", "sorted", "round", "max", "min"}


class Interpreter:
    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.refs: list[tuple[int, cst.CSTNode | None, cst.CSTNode]] = []
        self.statement: cst.CSTNode | None = None  # the statement being executed
        self.globals: dict[str, Value] = {"__name__": Const("__main__")}
        self.star_modules: list[str] = []
        self.models: list[ModelVal] = []
        self.fits: list[FitEvent] = []
        self.call_args: list[CallArg] = []
        self.steps: list[StepsArg] = []
        self.functions: list[FuncVal] = []
        self.budget = STATEMENT_BUDGET
        self.depth = 0
        self.frame = Frame(self.globals, 0, is_module=True)
        self.class_depth = 0

    # ----- bookkeeping -------------------------------------------------------------------

    def ref(self, node: cst.CSTNode) -> int:
        self.refs.append((self.frame.stmt, self.statement, node))
        return len(self.refs) - 1

    def text(self, node: cst.CSTNode, limit: int = 80) -> str:
        code = self.module.code_for_node(node).strip()
        code = " ".join(code.split())
        return code if len(code) <= limit else code[: limit - 1] + "…"

    # ----- running -----------------------------------------------------------------------

    def run(self) -> None:
        try:
            for index, stmt in enumerate(self.module.body):
                self.frame.stmt = index
                self.exec_stmt(stmt)
            for func in list(self.functions):
                if not func.called:
                    self.call_function(func, Args([], {}, True, {}), unknown_params=True)
        except (BudgetExceeded, RecursionError):
            return

    def exec_block(self, body: Sequence[cst.BaseStatement] | cst.BaseSuite) -> None:
        if isinstance(body, cst.IndentedBlock):
            statements: Sequence[cst.CSTNode] = body.body
        elif isinstance(body, cst.SimpleStatementSuite):
            for small in body.body:
                self.exec_small(small)
            return
        else:
            statements = body  # type: ignore[assignment]
        for stmt in statements:
            self.exec_stmt(stmt)  # type: ignore[arg-type]

    def exec_stmt(self, stmt: cst.BaseStatement | cst.BaseSmallStatement) -> None:
        self.budget -= 1
        if isinstance(stmt, cst.SimpleStatementLine | cst.If | cst.For | cst.While | cst.With):
            self.statement = stmt
        if self.budget < 0:
            raise BudgetExceeded
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.exec_small(small)
        elif isinstance(stmt, cst.If):
            self.exec_if(stmt)
        elif isinstance(stmt, cst.For):
            self.eval(stmt.iter)
            self.bind(stmt.target, UNKNOWN)
            self.branches([lambda: self.exec_block(stmt.body), lambda: None])
        elif isinstance(stmt, cst.While):
            self.eval(stmt.test)
            self.branches([lambda: self.exec_block(stmt.body), lambda: None])
        elif isinstance(stmt, cst.Try):
            self.exec_block(stmt.body)
            if stmt.orelse is not None:
                self.exec_block(stmt.orelse.body)
            if stmt.finalbody is not None:
                self.exec_block(stmt.finalbody.body)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                self.eval(item.item)
                if item.asname is not None:
                    self.bind(item.asname.name, UNKNOWN)
            self.exec_block(stmt.body)
        elif isinstance(stmt, cst.FunctionDef):
            func = FuncVal(stmt, self.frame.stmt, is_method=self.class_depth > 0)
            self.functions.append(func)
            if self.class_depth == 0:
                self.frame.env[stmt.name.value] = func
        elif isinstance(stmt, cst.ClassDef):
            self.exec_class(stmt)
        elif isinstance(stmt, cst.BaseSmallStatement):
            self.exec_small(stmt)

    def exec_class(self, stmt: cst.ClassDef) -> None:
        is_model = False
        is_data = False
        for base in stmt.bases:
            value = self.eval(base.value)
            if isinstance(value, ApiRef):
                name = keras_name(value.path)
                if name and name.name in ("Model", "Sequential", "Functional"):
                    is_model = True
                if name and name.name in ("Sequence", "PyDataset"):
                    is_data = True
            elif isinstance(value, ClassVal):
                is_model = is_model or value.is_model
                is_data = is_data or value.is_data
        self.frame.env[stmt.name.value] = ClassVal(stmt.name.value, is_model, is_data)
        self.class_depth += 1
        try:
            saved = dict(self.frame.env)
            self.exec_block(stmt.body)
            self.frame.env.clear()
            self.frame.env.update(saved)
        finally:
            self.class_depth -= 1

    def exec_if(self, stmt: cst.If) -> None:
        test = self.eval(stmt.test)
        orelse = stmt.orelse
        if isinstance(test, Const):
            if test.value:
                self.exec_block(stmt.body)
            elif isinstance(orelse, cst.If):
                self.exec_if(orelse)
            elif isinstance(orelse, cst.Else):
                self.exec_block(orelse.body)
            return

        def run_else() -> None:
            if isinstance(orelse, cst.If):
                self.exec_if(orelse)
            elif isinstance(orelse, cst.Else):
                self.exec_block(orelse.body)

        self.branches([lambda: self.exec_block(stmt.body), run_else])

    def branches(self, paths: list[Any]) -> None:
        """Run alternative paths from the same state; keep only what they agree on."""
        env = self.frame.env
        start_env = dict(env)
        start_models = {id(m): self.snapshot(m) for m in self.models}
        results: list[tuple[dict[str, Value], dict[int, tuple[Any, ...]]]] = []
        for path in paths:
            env.clear()
            env.update(start_env)
            for model in self.models:
                if id(model) in start_models:
                    self.restore(model, start_models[id(model)])
            path()
            results.append((dict(env), {id(m): self.snapshot(m) for m in self.models}))
        merged: dict[str, Value] = {}
        names = set().union(*(r[0].keys() for r in results))
        for name in names:
            candidates = [r[0].get(name, UNKNOWN) for r in results]
            merged[name] = candidates[0] if _all_same(candidates) else UNKNOWN
        env.clear()
        env.update(merged)
        for model in self.models:
            if id(model) not in start_models:
                continue
            states = [r[1].get(id(model)) for r in results]
            if all(_same_state(states[0], s) for s in states[1:]):
                self.restore(model, states[0])  # type: ignore[arg-type]
            else:
                self.restore(model, start_models[id(model)])
                model.layers = [UNKNOWN]
                model.outputs = None
                if model.compile is not None or any(s and s[1] is not None for s in states):
                    model.compile = CompileVal(model.ref, UNKNOWN, None, UNKNOWN, [], "", True)

    @staticmethod
    def snapshot(model: ModelVal) -> tuple[Any, ...]:
        return (tuple(model.layers), model.compile, model.outputs)

    @staticmethod
    def restore(model: ModelVal, state: tuple[Any, ...]) -> None:
        model.layers = list(state[0])
        model.compile = state[1]
        model.outputs = state[2]

    def exec_small(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Assign):
            value = self.eval(small.value)
            for target in small.targets:
                self.bind(target.target, value)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self.bind(small.target, self.eval(small.value))
        elif isinstance(small, cst.AugAssign):
            self.eval(small.value)
            self.bind(small.target, UNKNOWN)
        elif isinstance(small, cst.Expr):
            self.eval(small.value)
        elif isinstance(small, cst.Return):
            value = self.eval(small.value) if small.value is not None else Const(None)
            self.frame.returns.append(value)
        elif isinstance(small, cst.Import):
            for alias in small.names:
                dotted = _dotted(alias.name)
                if alias.asname is not None:
                    self.bind(alias.asname.name, ApiRef(dotted))
                else:
                    top = dotted.split(".")[0]
                    self.frame.env[top] = ApiRef(top)
        elif isinstance(small, cst.ImportFrom):
            self.exec_import_from(small)
        elif isinstance(small, cst.Del):
            self.bind(small.target, UNKNOWN)

    def exec_import_from(self, small: cst.ImportFrom) -> None:
        module = "" if small.relative or small.module is None else _dotted(small.module)
        if isinstance(small.names, cst.ImportStar):
            if module:
                self.star_modules.append(module)
            return
        for alias in small.names:
            name = _dotted(alias.name)
            target = alias.asname.name if alias.asname is not None else None
            value: Value = ApiRef(f"{module}.{name}") if module else UNKNOWN
            if target is not None:
                self.bind(target, value)
            else:
                self.frame.env[name.split(".")[0]] = value

    # ----- binding and lookup --------------------------------------------------------------

    def bind(self, target: cst.BaseExpression | cst.BaseAssignTargetExpression, value: Value) -> None:
        if isinstance(target, cst.Name):
            self.frame.env[target.value] = value
        elif isinstance(target, cst.Tuple | cst.List):
            elements = target.elements
            if (
                isinstance(value, SeqVal)
                and value.exact
                and len(value.items) == len(elements)
                and not any(isinstance(e, cst.StarredElement) for e in elements)
            ):
                for element, item in zip(elements, value.items, strict=True):
                    self.bind(element.value, item)
            else:
                for element in elements:
                    self.bind(element.value, UNKNOWN)
        elif isinstance(target, cst.Attribute):
            owner = self.eval(target.value)
            if isinstance(owner, InstanceVal):
                owner.attrs[target.attr.value] = value
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, UNKNOWN)

    def lookup(self, name: str) -> Value:
        if name in self.frame.env:
            return self.frame.env[name]
        if name in self.globals:
            return self.globals[name]
        if name in ("True", "False", "None"):
            return Const({"True": True, "False": False, "None": None}[name])
        if self.star_modules:
            module = _star_module_for(name, self.star_modules)
            if module is not None:
                return ApiRef(f"{module}.{name}")
        if name in _BUILTINS:
            return ApiRef(f"builtins.{name}")
        return UNKNOWN

    # ----- expressions --------------------------------------------------------------------

    def eval(self, node: cst.BaseExpression | None) -> Value:
        if node is None:
            return UNKNOWN
        if isinstance(node, cst.Name):
            return self.lookup(node.value)
        if isinstance(node, cst.Integer | cst.Float):
            try:
                return Const(node.evaluated_value)
            except ValueError:
                return UNKNOWN
        if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
            try:
                literal = node.evaluated_value
            except Exception:
                return UNKNOWN
            return Const(literal) if isinstance(literal, str) else UNKNOWN
        if isinstance(node, cst.FormattedString):
            for part in node.parts:
                if isinstance(part, cst.FormattedStringExpression):
                    self.eval(part.expression)
            return UNKNOWN
        if isinstance(node, cst.Attribute):
            return self.eval_attribute(node)
        if isinstance(node, cst.Call):
            return self.eval_call(node)
        if isinstance(node, cst.List | cst.Tuple | cst.Set):
            items: list[Value] = []
            exact = True
            for element in node.elements:
                if isinstance(element, cst.StarredElement):
                    inner = self.eval(element.value)
                    if isinstance(inner, SeqVal) and inner.exact:
                        items.extend(inner.items)
                    else:
                        items = [UNKNOWN]
                        exact = False
                else:
                    items.append(self.eval(element.value))
            return SeqVal(items, isinstance(node, cst.Tuple), exact)
        if isinstance(node, cst.Dict):
            entries: dict[str, Value] = {}
            known = True
            for entry in node.elements:
                if isinstance(entry, cst.DictElement):
                    key = self.eval(entry.key)
                    value = self.eval(entry.value)
                    if isinstance(key, Const) and isinstance(key.value, str):
                        entries[key.value] = value
                    else:
                        known = False
                else:
                    self.eval(entry.value)
                    known = False
            return DictVal(entries) if known else UNKNOWN
        if isinstance(node, cst.Subscript):
            return self.eval_subscript(node)
        if isinstance(node, cst.BinaryOperation):
            return self.eval_binary(node)
        if isinstance(node, cst.UnaryOperation):
            operand = self.eval(node.expression)
            if isinstance(operand, Const) and isinstance(operand.value, int | float | bool):
                if isinstance(node.operator, cst.Minus):
                    return Const(-operand.value)
                if isinstance(node.operator, cst.Not):
                    return Const(not operand.value)
                if isinstance(node.operator, cst.Plus):
                    return operand
            return UNKNOWN
        if isinstance(node, cst.Comparison):
            return self.eval_comparison(node)
        if isinstance(node, cst.BooleanOperation):
            left = self.eval(node.left)
            right = self.eval(node.right)
            if isinstance(left, Const) and isinstance(right, Const):
                if isinstance(node.operator, cst.And):
                    return Const(left.value and right.value)
                return Const(left.value or right.value)
            return UNKNOWN
        if isinstance(node, cst.IfExp):
            test = self.eval(node.test)
            body = self.eval(node.body)
            orelse = self.eval(node.orelse)
            if isinstance(test, Const):
                return body if test.value else orelse
            return body if _all_same([body, orelse]) else UNKNOWN
        if isinstance(node, cst.NamedExpr):
            named = self.eval(node.value)
            self.bind(node.target, named)
            return named
        if isinstance(node, cst.Lambda):
            return LambdaVal(node)
        if isinstance(node, cst.Await):
            self.eval(node.expression)
            return UNKNOWN
        return UNKNOWN

    def eval_comparison(self, node: cst.Comparison) -> Value:
        left = self.eval(node.left)
        if len(node.comparisons) != 1:
            for target in node.comparisons:
                self.eval(target.comparator)
            return UNKNOWN
        comparison = node.comparisons[0]
        right = self.eval(comparison.comparator)
        if not (isinstance(left, Const) and isinstance(right, Const)):
            return UNKNOWN
        op = comparison.operator
        try:
            if isinstance(op, cst.Equal):
                return Const(left.value == right.value)
            if isinstance(op, cst.NotEqual):
                return Const(left.value != right.value)
            if isinstance(op, cst.LessThan):
                return Const(left.value < right.value)
            if isinstance(op, cst.GreaterThan):
                return Const(left.value > right.value)
            if isinstance(op, cst.LessThanEqual):
                return Const(left.value <= right.value)
            if isinstance(op, cst.GreaterThanEqual):
                return Const(left.value >= right.value)
            if isinstance(op, cst.Is):
                return Const(left.value is right.value)
            if isinstance(op, cst.IsNot):
                return Const(left.value is not right.value)
        except TypeError:
            return UNKNOWN
        return UNKNOWN

    def eval_binary(self, node: cst.BinaryOperation) -> Value:
        left = self.eval(node.left)
        right = self.eval(node.right)
        op = node.operator
        if isinstance(op, cst.Divide | cst.FloorDivide) and not (
            isinstance(left, Const) and isinstance(right, Const)
        ):
            return QuotientVal()
        if isinstance(op, cst.Add) and isinstance(right, SeqVal):
            if isinstance(left, SeqVal):
                return SeqVal(left.items + right.items, right.is_tuple, left.exact and right.exact)
            return SeqVal([UNKNOWN, *right.items], right.is_tuple, exact=False)
        if isinstance(left, Const) and isinstance(right, Const):
            a, b = left.value, right.value
            if isinstance(a, bool) or isinstance(b, bool):
                return UNKNOWN
            try:
                if isinstance(op, cst.Add):
                    return Const(a + b)
                if isinstance(op, cst.Subtract):
                    return Const(a - b)
                if isinstance(op, cst.Multiply) and not (isinstance(a, str) or isinstance(b, str)):
                    return Const(a * b)
                if isinstance(op, cst.FloorDivide):
                    return Const(a // b, quotient=True)
                if isinstance(op, cst.Divide):
                    return Const(a / b, quotient=True)
            except (TypeError, ZeroDivisionError, OverflowError):
                return UNKNOWN
        return UNKNOWN

    def eval_subscript(self, node: cst.Subscript) -> Value:
        base = self.eval(node.value)
        index: Value = UNKNOWN
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            index = self.eval(node.slice[0].slice.value)
        else:
            for element in node.slice:
                if isinstance(element.slice, cst.Index):
                    self.eval(element.slice.value)
        if isinstance(base, EyeVal):
            if isinstance(index, LabelVal | ArrayVal) or index is UNKNOWN:
                origin = f"np.eye({'?' if base.n is None else base.n})[labels]"
                return LabelVal(LabelEncoding.ONE_HOT, origin, self.ref(node), base.n, base.n)
            return UNKNOWN
        if isinstance(base, SeqVal) and base.exact and isinstance(index, Const):
            if isinstance(index.value, int) and -len(base.items) <= index.value < len(base.items):
                return base.items[index.value]
            return UNKNOWN
        if isinstance(base, DictVal) and isinstance(index, Const) and isinstance(index.value, str):
            return base.items.get(index.value, UNKNOWN)
        if isinstance(base, LabelVal) and not isinstance(index, Const):
            return base  # a slice of the labels (y[:1000], y[idx])
        if isinstance(base, ArrayVal) and not isinstance(index, Const):
            return ArrayVal(base.ref, None)
        return UNKNOWN

    def eval_attribute(self, node: cst.Attribute) -> Value:
        base = self.eval(node.value)
        attr = node.attr.value
        if isinstance(base, ApiRef):
            return ApiRef(f"{base.path}.{attr}")
        if isinstance(base, InstanceVal):
            if attr in base.attrs:
                return base.attrs[attr]
            return MethodVal(base, attr)
        if isinstance(base, ModelVal):
            if attr == "output":
                return self.model_output(base)
            if attr == "outputs":
                return SeqVal([self.model_output(base)])
            if attr in ("input", "inputs"):
                return TensorVal(None)
            return MethodVal(base, attr)
        if isinstance(base, DataVal):
            if attr in ("samples", "n"):
                return CountVal()
            return MethodVal(base, attr)
        if isinstance(base, SeqVal | GeneratorFactoryVal | LabelVal | ArrayVal | LayerVal):
            return MethodVal(base, attr)
        return UNKNOWN

    def model_output(self, model: ModelVal) -> TensorVal:
        if model.kind == "functional" and model.outputs and len(model.outputs) == 1:
            return model.outputs[0]
        return TensorVal(model)

    # ----- calls --------------------------------------------------------------------------

    def eval_args(self, node: cst.Call) -> Args:
        positional: list[Value] = []
        keywords: dict[str, Value] = {}
        nodes: dict[str, cst.CSTNode] = {}
        has_star = False
        for arg in node.args:
            value = self.eval(arg.value)
            if arg.star:
                has_star = True
                continue
            if arg.keyword is not None:
                keywords[arg.keyword.value] = value
                nodes[arg.keyword.value] = arg.value
            else:
                nodes[f"#{len(positional)}"] = arg.value
                positional.append(value)
        return Args(positional, keywords, has_star, nodes)

    def eval_call(self, node: cst.Call) -> Value:
        func = self.eval(node.func)
        args = self.eval_args(node)
        if isinstance(func, ApiRef):
            return self.call_api(func.path, args, node)
        if isinstance(func, MethodVal):
            return self.call_method(func.obj, func.name, args, node)
        if isinstance(func, FuncVal):
            return self.call_function(func, args)
        if isinstance(func, LambdaVal):
            return self.call_lambda(func, args)
        if isinstance(func, ClassVal):
            if func.is_model:
                model = ModelVal("subclassed", self.ref(node))
                self.models.append(model)
                return model
            if func.is_data:
                return DataVal("iterator")
            return InstanceVal(func)
        if isinstance(func, LayerVal | ModelVal):
            parent = args.positional[0] if args.positional else args.keywords.get("inputs")
            if isinstance(parent, TensorVal):
                return TensorVal(func, parent)
            if isinstance(parent, SeqVal):
                return TensorVal(func, None, opaque=True)
            return TensorVal(func, TensorVal(None))
        return UNKNOWN

    def call_function(self, func: FuncVal, args: Args, unknown_params: bool = False) -> Value:
        func.called = True
        if self.depth >= MAX_CALL_DEPTH:
            return UNKNOWN
        node: cst.FunctionDef = func.node
        env: dict[str, Value] = {}
        saved, saved_statement = self.frame, self.statement
        self.frame = Frame(env, func.stmt)
        self.statement = None
        self.depth += 1
        try:
            self.bind_parameters(node.params, func.is_method, args, unknown_params, env)
            self.exec_block(node.body)
            returns = self.frame.returns
        finally:
            self.depth -= 1
            self.frame = saved
            self.statement = saved_statement
        if not returns:
            return Const(None)
        return returns[0] if _all_same(returns) else UNKNOWN

    def mapped_labels(self, func: Value, labels: LabelVal | None) -> LabelVal | None:
        """Labels after ``dataset.map(func)``: follow ``func(x, y)`` when it returns ``(x', y')``."""
        placeholder: Value = labels if labels is not None else UNKNOWN
        arguments = Args([UNKNOWN, placeholder], {}, False, {})
        if isinstance(func, LambdaVal):
            result = self.call_lambda(func, arguments)
        elif isinstance(func, FuncVal):
            result = self.call_function(func, arguments)
        else:
            return None
        if isinstance(result, SeqVal) and result.exact and len(result.items) == 2:
            second = result.items[1]
            return second if isinstance(second, LabelVal) else None
        return None

    def call_lambda(self, func: LambdaVal, args: Args) -> Value:
        params = func.node.params
        env: dict[str, Value] = {}
        ordered = list(params.posonly_params) + list(params.params)
        for index, param in enumerate(ordered):
            if index < len(args.positional):
                env[param.name.value] = args.positional[index]
            else:
                env[param.name.value] = UNKNOWN
        for param in params.kwonly_params:
            env[param.name.value] = UNKNOWN
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                env[star.name.value] = UNKNOWN
        saved_env = self.frame.env
        self.frame.env = {**saved_env, **env}
        try:
            return self.eval(func.node.body)
        finally:
            self.frame.env = saved_env

    def bind_parameters(
        self, params: cst.Parameters, is_method: bool, args: Args, unknown_params: bool, env: dict[str, Value]
    ) -> None:
        ordered = list(params.posonly_params) + list(params.params)
        positional = list(args.positional)
        if is_method and ordered:
            env[ordered[0].name.value] = UNKNOWN
            ordered = ordered[1:]
        for index, param in enumerate(ordered):
            name = param.name.value
            if unknown_params or args.has_star:
                value: Value = UNKNOWN
            elif index < len(positional):
                value = positional[index]
            elif name in args.keywords:
                value = args.keywords[name]
            elif param.default is not None:
                value = self.eval(param.default)
            else:
                value = UNKNOWN
            env[name] = value
        for param in params.kwonly_params:
            name = param.name.value
            if not unknown_params and name in args.keywords:
                env[name] = args.keywords[name]
            elif param.default is not None and not unknown_params:
                env[name] = self.eval(param.default)
            else:
                env[name] = UNKNOWN
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                env[star.name.value] = UNKNOWN

    def call_builtin(self, name: str, args: Args) -> Value:
        first = args.positional[0] if args.positional else None
        if name == "len":
            if isinstance(first, SeqVal) and first.exact:
                return Const(len(first.items))
            if isinstance(first, LabelVal | ArrayVal):
                return CountVal()
            return UNKNOWN
        if name in ("list", "tuple", "sorted") and isinstance(first, SeqVal):
            return first
        if name in ("int", "round") and isinstance(first, Const):
            try:
                return Const(int(first.value), quotient=first.quotient)
            except (TypeError, ValueError, OverflowError):
                return UNKNOWN
        if name in ("int", "round") and isinstance(first, QuotientVal):
            return first
        return UNKNOWN

    def call_api(self, path: str, args: Args, node: cst.Call) -> Value:
        if path.startswith("builtins."):
            return self.call_builtin(path.split(".", 1)[1], args)
        parts = path.split(".")
        if parts[0] == "math" and parts[-1] in ("ceil", "floor"):
            first = args.positional[0] if args.positional else None
            return first if isinstance(first, QuotientVal) else UNKNOWN
        if parts[0] == "numpy":
            return self.call_numpy(parts[1:], args, node)
        if parts[0] == "tensorflow_datasets" and parts[-1] == "load":
            return self.call_tfds_load(args, node)
        if path == "pandas.get_dummies":  # a one-hot frame: one column per class
            return LabelVal(LabelEncoding.ONE_HOT, "pd.get_dummies(…)", self.ref(node))
        name = keras_name(path)
        if name is None:
            if parts[0] == "tensorflow":
                return self.call_tensorflow(parts[1:], args, node)
            return UNKNOWN
        return self.call_keras(name, path, args, node)

    def call_numpy(self, parts: list[str], args: Args, node: cst.Call) -> Value:
        func = ".".join(parts)
        first = args.get(0, "N")
        if func in ("eye", "identity"):
            n = first.value if isinstance(first, Const) and isinstance(first.value, int) else None
            return EyeVal(n)
        if func in ("array", "asarray", "asanyarray", "squeeze", "ravel", "copy"):
            if isinstance(first, LabelVal | ArrayVal):
                return first
            return UNKNOWN
        if func == "argmax" and isinstance(first, LabelVal) and first.encoding is LabelEncoding.ONE_HOT:
            axis = args.get(1, "axis")
            if isinstance(axis, Const) and axis.value in (1, -1):  # one-hot rows back to class indices
                classes = first.num_classes or first.width
                origin = f"np.argmax({first.origin}, axis={axis.value})"
                return LabelVal(LabelEncoding.INTEGER, origin, self.ref(node), classes)
            return UNKNOWN
        if func in ("zeros", "ones", "empty", "random.random", "random.rand", "random.randn"):
            shape = _shape_of(args.get(0, "shape"))
            return ArrayVal(self.ref(node), shape)
        if func == "random.randint":
            low = args.get(0, "low")
            high = args.get(1, "high")
            size = _shape_of(args.get(2, "size"))
            if not (isinstance(low, Const) and isinstance(high, Const)):
                return ArrayVal(self.ref(node), size)
            if high.value is None:
                low, high = Const(0), low
            if low.value != 0 or not isinstance(high.value, int) or size is None:
                return ArrayVal(self.ref(node), size)
            classes = high.value
            origin = f"np.random.randint(0, {classes}, …)"
            if len(size) == 1:
                encoding = LabelEncoding.BINARY if classes == 2 else LabelEncoding.INTEGER
                return LabelVal(encoding, origin, self.ref(node), classes)
            if len(size) == 2 and size[1] == 1:
                encoding = LabelEncoding.BINARY if classes == 2 else LabelEncoding.INTEGER
                return LabelVal(encoding, origin, self.ref(node), classes, 1)
            if len(size) == 2 and classes == 2:
                return LabelVal(LabelEncoding.MULTI_HOT, origin, self.ref(node), size[1], size[1])
            return ArrayVal(self.ref(node), size)
        return UNKNOWN

    def call_tensorflow(self, parts: list[str], args: Args, node: cst.Call) -> Value:
        func = ".".join(parts)
        last = parts[-1] if parts else ""
        if func == "one_hot":
            depth = args.get(1, "depth")
            n = depth.value if isinstance(depth, Const) and isinstance(depth.value, int) else None
            return LabelVal(LabelEncoding.ONE_HOT, f"tf.one_hot(…, {n})", self.ref(node), n, n)
        if last in ("softmax", "sigmoid") and parts[0] in ("nn", "math", last):
            return self.apply_activation_function(last, args, node)
        if func in ("data.Dataset.from_tensor_slices", "data.Dataset.from_tensors"):
            first = args.get(0, "tensors")
            labels = None
            if isinstance(first, SeqVal) and len(first.items) == 2:
                labels = _as_label(first.items[1])
            return DataVal("dataset", labels)
        return UNKNOWN

    def apply_activation_function(self, name: str, args: Args, node: cst.Call) -> Value:
        tensor = args.positional[0] if args.positional else None
        if isinstance(tensor, TensorVal):
            layer = LayerVal("Activation", self.ref(node), activation=api.activation_from_name(name))
            return TensorVal(layer, tensor)
        return UNKNOWN

    def call_tfds_load(self, args: Args, node: cst.Call) -> Value:
        supervised = args.get(None, "as_supervised")
        with_info = args.get(None, "with_info")
        split = args.get(None, "split")
        labels = None
        if isinstance(supervised, Const) and supervised.value is True:
            labels = LabelVal(LabelEncoding.INTEGER, "tfds.load(as_supervised=True)", self.ref(node))
        dataset: Value = DataVal("dataset", labels)
        if isinstance(split, SeqVal) and split.exact:
            dataset = SeqVal([DataVal("dataset", labels) for _ in split.items], True)
        if isinstance(with_info, Const) and with_info.value is True:
            return SeqVal([dataset, UNKNOWN], True)
        if with_info is not None and not isinstance(with_info, Const):
            return UNKNOWN
        return dataset

    def call_keras(self, name: KerasName, path: str, args: Args, node: cst.Call) -> Value:
        cat, sym = name.category, name.name
        if sym in ("Sequential",):
            return self.make_sequential(args, node)
        if sym in ("Model", "Functional") and cat in ("", "models", "engine"):
            return self.make_functional(args, node)
        if sym in ("Input", "InputLayer"):
            return TensorVal(None)
        if sym == "load_model":
            model = ModelVal("loaded", self.ref(node))
            self.models.append(model)
            return model
        if cat == "layers" or (cat == "" and sym in api.UNIT_LAYERS):
            return self.make_layer(sym, args, node)
        if cat == "activations" and sym in ("softmax", "sigmoid"):
            return self.apply_activation_function(sym, args, node)
        if cat == "ops" and sym in ("softmax", "sigmoid"):
            return self.apply_activation_function(sym, args, node)
        if cat == "losses":
            return self.make_loss(sym, args, node)
        if cat == "metrics":
            return self.make_metric(sym, args, node)
        if cat == "callbacks":
            self.record_call_args(sym, args)
            return self.make_callback(sym, args, node)
        if cat == "applications" and sym[:1].isupper():
            return self.make_application(sym, args, node)
        if sym == "to_categorical":
            classes = args.get(1, "num_classes")
            n = classes.value if isinstance(classes, Const) and isinstance(classes.value, int) else None
            origin = f"to_categorical(…, {n})" if n is not None else "to_categorical(…)"
            return LabelVal(LabelEncoding.ONE_HOT, origin, self.ref(node), n, n)
        if sym in (
            "image_dataset_from_directory",
            "text_dataset_from_directory",
            "audio_dataset_from_directory",
        ):
            self.record_call_args(sym, args)
            return self.make_directory_dataset(sym, args, node)
        if sym == "ImageDataGenerator":
            return GeneratorFactoryVal(self.ref(node))
        if sym == "load_data" and cat == "datasets":
            return self.load_dataset(path, args, node)
        return UNKNOWN

    def load_dataset(self, path: str, args: Args, node: cst.Call) -> Value:
        dataset = path.split(".")[-2]
        classes = api.DATASETS.get(dataset)
        if classes is None or args.has_star:
            return UNKNOWN
        if dataset == "cifar100":
            mode = args.get(0, "label_mode")
            if mode is not None:
                if not isinstance(mode, Const) or mode.value not in ("fine", "coarse"):
                    return UNKNOWN
                classes = 20 if mode.value == "coarse" else 100
        encoding = LabelEncoding.BINARY if classes == 2 else LabelEncoding.INTEGER

        def pair() -> SeqVal:
            labels = LabelVal(encoding, f"{dataset}.load_data()", self.ref(node), classes)
            return SeqVal([ArrayVal(self.ref(node)), labels], True)

        return SeqVal([pair(), pair()], True)

    # ----- constructors -------------------------------------------------------------------

    def make_sequential(self, args: Args, node: cst.Call) -> ModelVal:
        model = ModelVal("sequential", self.ref(node))
        layers = args.get(0, "layers")
        if isinstance(layers, SeqVal):
            model.layers = [i for i in layers.items if not _is_input(i)]
            if not layers.exact:
                model.layers.insert(0, UNKNOWN)
        elif layers is not None and not (isinstance(layers, Const) and layers.value is None):
            model.layers = [UNKNOWN]
        if args.has_star:
            model.layers = [UNKNOWN, *model.layers]
        self.models.append(model)
        return model

    def make_functional(self, args: Args, node: cst.Call) -> ModelVal:
        outputs = args.get(1, "outputs")
        if outputs is None:
            outputs = args.get(None, "output")  # Keras 1: Model(input=…, output=…)
        model = ModelVal("functional", self.ref(node))
        if isinstance(outputs, TensorVal):
            model.outputs = [outputs]
        elif isinstance(outputs, SeqVal) and outputs.exact:
            model.outputs = [
                o if isinstance(o, TensorVal) else TensorVal(None, opaque=True) for o in outputs.items
            ]
            model.output_names = [_tensor_name(o) for o in model.outputs]
        elif isinstance(outputs, DictVal):
            model.outputs = [
                o if isinstance(o, TensorVal) else TensorVal(None, opaque=True)
                for o in outputs.items.values()
            ]
            model.output_names = list(outputs.items.keys())
        self.models.append(model)
        return model

    def make_application(self, sym: str, args: Args, node: cst.Call) -> ModelVal:
        self.record_call_args(sym, args)
        model = ModelVal("pretrained", self.ref(node))
        include_top = args.get(0, "include_top")
        if include_top is None:
            include_top = Const(True)
        if isinstance(include_top, Const) and include_top.value is True and not args.has_star:
            classes = args.get(None, "classes")
            units = 1000 if classes is None else _int(classes)
            activation_value = args.get(None, "classifier_activation")
            activation = (
                Activation.SOFTMAX if activation_value is None else self.activation_of(activation_value)
            )
            model.top_layer = LayerVal(sym, model.ref, units, activation, name="predictions")
        self.models.append(model)
        return model

    def make_layer(self, sym: str, args: Args, node: cst.Call) -> Value:
        self.record_call_args(sym, args)
        ref = self.ref(node)
        layer_name = args.get(None, "name")
        lname = (
            layer_name.value if isinstance(layer_name, Const) and isinstance(layer_name.value, str) else None
        )
        if sym in api.UNIT_LAYERS or sym in api.RECURRENT_LAYERS:
            param = api.UNIT_LAYERS.get(sym) or "units"
            units = _int(args.get(0, param))
            if units is None:  # Keras 1 names: Dense(output_dim=…), Convolution2D(nb_filter=…)
                units = _int(args.get(None, "output_dim" if param == "units" else "nb_filter"))
            default = Activation.OTHER if sym in api.RECURRENT_LAYERS else Activation.LINEAR
            index = 1 if sym == "Dense" else None
            activation_value = args.get(index, "activation")
            if activation_value is None:
                activation = Activation.UNKNOWN if args.has_star else default
                act_ref = None
            else:
                activation = self.activation_of(activation_value)
                act_node = args.node(index, "activation")
                act_ref = self.ref(act_node) if act_node is not None else None
            return LayerVal(sym, ref, units, activation, act_ref, lname)
        if sym in api.ACTIVATION_LAYERS:
            fixed = api.ACTIVATION_LAYERS[sym]
            if fixed is None:
                value = args.get(0, "activation")
                fixed = self.activation_of(value) if value is not None else Activation.UNKNOWN
            return LayerVal("Activation" if sym == "Activation" else sym, ref, None, fixed, ref, lname)
        if sym in ("Input", "InputLayer"):
            return TensorVal(None)
        if sym in api.NEUTRAL_LAYERS or sym in api.RESCALING_LAYERS:
            return LayerVal(sym, ref, name=lname)
        if sym in ("add", "concatenate", "average", "maximum", "multiply", "subtract", "dot"):
            return TensorVal(None, opaque=True)
        return LayerVal(sym, ref, name=lname, opaque=True)

    def activation_of(self, value: Value) -> Activation:
        if isinstance(value, Const):
            if value.value is None:
                return Activation.LINEAR
            if isinstance(value.value, str):
                return api.activation_from_name(value.value)
            return Activation.UNKNOWN
        if isinstance(value, ApiRef):
            parts = value.path.split(".")
            last = parts[-1]
            if len(parts) >= 2 and (parts[-2] in api.ACTIVATION_FUNCTION_MODULES or parts[0] == "tensorflow"):
                return api.activation_from_name(last)
            return Activation.UNKNOWN
        if isinstance(value, LayerVal) and value.activation is not None:
            return value.activation
        return Activation.UNKNOWN

    def make_loss(self, sym: str, args: Args, node: cst.Call) -> Value:
        self.record_call_args(sym, args)
        kind = api.loss_kind_from_name(sym)
        if kind is LossKind.UNKNOWN:
            return UNKNOWN
        if not sym[:1].isupper():
            return UNKNOWN  # calling the loss function itself (inside a custom loss)
        logits_value = args.get(0, "from_logits")
        if logits_value is None:
            from_logits: bool | None = None if args.has_star else False
        elif isinstance(logits_value, Const) and isinstance(logits_value.value, bool):
            from_logits = logits_value.value
        else:
            from_logits = None
        return LossVal(kind, f"{sym}({self.args_text(node)})", self.ref(node), from_logits)

    def args_text(self, node: cst.Call) -> str:
        return ", ".join(self.text(a, 40) for a in node.args)

    def make_metric(self, sym: str, args: Args, node: cst.Call) -> Value:
        self.record_call_args(sym, args)
        if not sym[:1].isupper():
            return UNKNOWN
        kind = api.metric_kind_from_name(sym)
        name_value = args.get(None, "name")
        if name_value is None:
            log_name: str | None = None if args.has_star else api.snake_case(sym)
        elif isinstance(name_value, Const) and isinstance(name_value.value, str):
            log_name = name_value.value
        else:
            log_name = None
        threshold: float | None = None
        if kind is MetricKind.BINARY_ACCURACY:
            value = args.get(2, "threshold")
            threshold = _float(value) if value is not None else None
            if value is not None and threshold is None:
                threshold = float("nan")
        elif kind in (MetricKind.PRECISION, MetricKind.RECALL):
            value = args.get(0, "thresholds")
            if value is not None:
                threshold = _float(value)
                if threshold is None:
                    threshold = float("nan")
        from_logits: bool | None = None
        if kind is MetricKind.AUC:
            value = args.get(None, "from_logits")
            from_logits = (
                bool(value.value) if isinstance(value, Const) else (False if value is None else None)
            )
        if sym == "Accuracy":
            kind = MetricKind.OTHER  # exact-match accuracy, not the bare 'accuracy' string
        return MetricVal(
            kind, f"{sym}({self.args_text(node)})", self.ref(node), log_name, threshold, from_logits
        )

    def make_callback(self, sym: str, args: Args, node: cst.Call) -> Value:
        index = {"EarlyStopping": 0, "ReduceLROnPlateau": 0, "ModelCheckpoint": 1}.get(sym)
        callback = CallbackVal(sym, self.ref(node))
        if index is None:
            return callback
        if sym == "ModelCheckpoint":
            best_only = args.get(3, "save_best_only")
            if not (isinstance(best_only, Const) and best_only.value is True):
                return callback  # saves every epoch: its monitor is never consulted
        monitor = args.get(index, "monitor")
        if monitor is None:
            callback.monitor = None if args.has_star else "val_loss"
        elif isinstance(monitor, Const) and isinstance(monitor.value, str):
            callback.monitor = monitor.value
            callback.monitor_explicit = True
        mode = args.get(None, "mode")
        if isinstance(mode, Const) and isinstance(mode.value, str):
            callback.mode = mode.value
            callback.mode_explicit = True
        elif mode is not None or args.has_star:
            callback.mode = "?"
        return callback

    def make_directory_dataset(self, sym: str, args: Args, node: cst.Call) -> Value:
        mode = args.get(None, "label_mode")
        if mode is None:
            mode = Const("int")
        class_names = args.get(None, "class_names")
        classes = len(class_names.items) if isinstance(class_names, SeqVal) and class_names.exact else None
        return DataVal(
            "dataset", self.label_from_mode(mode, f"{sym}(label_mode=…)", node, classes, "label_mode")
        )

    def label_from_mode(
        self, mode: Value, origin: str, node: cst.Call, classes: int | None, param: str
    ) -> LabelVal | None:
        if not isinstance(mode, Const):
            return None
        text = mode.value
        encodings = {
            "categorical": LabelEncoding.ONE_HOT,
            "int": LabelEncoding.INTEGER,
            "sparse": LabelEncoding.INTEGER,
            "binary": LabelEncoding.BINARY,
        }
        encoding = encodings.get(text) if isinstance(text, str) else None
        if encoding is None:
            return None
        origin = origin.replace("…", repr(text)) if "…" in origin else origin
        width = classes if encoding is LabelEncoding.ONE_HOT else None
        if encoding is LabelEncoding.BINARY:
            classes, width = 2, 1
        return LabelVal(encoding, origin, self.ref(node), classes, width)

    # ----- methods ------------------------------------------------------------------------

    def call_method(self, obj: Value, name: str, args: Args, node: cst.Call) -> Value:
        if isinstance(obj, ModelVal):
            return self.call_model_method(obj, name, args, node)
        if isinstance(obj, SeqVal):
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
        if isinstance(obj, GeneratorFactoryVal):
            if name in ("flow_from_directory", "flow_from_dataframe"):
                self.record_call_args(name, args)
                mode = args.get(None, "class_mode")
                if mode is None:
                    mode = Const("categorical")
                classes_value = args.get(None, "classes")
                classes = None
                if isinstance(classes_value, SeqVal) and classes_value.exact:
                    classes = len(classes_value.items)
                return DataVal(
                    "iterator",
                    self.label_from_mode(mode, f"{name}(class_mode=…)", node, classes, "class_mode"),
                )
            if name == "flow":
                self.record_call_args(name, args)
                return DataVal("iterator", _as_label(args.get(1, "y")))
            return UNKNOWN
        if isinstance(obj, DataVal):
            if name in (
                "batch",
                "shuffle",
                "prefetch",
                "cache",
                "repeat",
                "take",
                "skip",
                "padded_batch",
                "with_options",
                "unbatch",
                "rebatch",
                "shard",
                "filter",
            ):
                return obj
            if name == "map" and args.positional:
                return DataVal(obj.kind, self.mapped_labels(args.positional[0], obj.labels))
            return DataVal(obj.kind, None)
        if isinstance(obj, LabelVal):
            if name in ("astype", "copy", "squeeze", "flatten", "ravel", "reshape"):
                return obj
            return UNKNOWN
        if isinstance(obj, ArrayVal):
            if name in ("astype", "copy"):
                return obj
            return ArrayVal(obj.ref, None) if name in ("reshape",) else UNKNOWN
        if isinstance(obj, InstanceVal):
            return UNKNOWN
        if obj is UNKNOWN and name in ("fit", "fit_generator", "flow_from_directory", "flow_from_dataframe"):
            self.record_call_args(
                name, args, only=("shuffle", "class_weight", "verbose", "use_multiprocessing")
            )
        return UNKNOWN

    def call_model_method(self, model: ModelVal, name: str, args: Args, node: cst.Call) -> Value:
        if name == "add":
            layer = args.get(0, "layer")
            if layer is not None and not _is_input(layer):
                model.layers.append(layer)
            return Const(None)
        if name == "pop":
            if model.layers and model.layers[-1] is not UNKNOWN:
                model.layers.pop()
            else:
                model.layers = [UNKNOWN]
            return UNKNOWN
        if name == "compile":
            self.record_compile(model, args, node)
            return Const(None)
        if name in ("fit", "fit_generator", "train_on_batch"):
            self.record_fit(model, name, args, node)
            return UNKNOWN
        if name in ("evaluate", "predict", "summary", "save", "save_weights", "load_weights"):
            self.record_call_args(name, args)
            return UNKNOWN
        return UNKNOWN

    def record_compile(self, model: ModelVal, args: Args, node: cst.Call) -> None:
        loss = args.get(1, "loss")
        loss_node = args.node(1, "loss")
        metrics = args.get(None, "metrics")
        metrics_node = args.node(None, "metrics")
        if loss is None:
            loss = UNKNOWN if args.has_star else Const(None)
        if metrics is None:
            metrics = UNKNOWN if args.has_star else SeqVal([])
        metric_refs: list[int | None] = []
        if isinstance(metrics_node, cst.List | cst.Tuple):
            metric_refs = [self.ref(e.value) for e in metrics_node.elements]
        elif metrics_node is not None:
            metric_refs = [self.ref(metrics_node)]
        loss_ref = self.ref(loss_node) if loss_node is not None else None
        loss_text = self.text(loss_node) if loss_node is not None else ""
        model.compile = CompileVal(self.ref(node), loss, loss_ref, metrics, metric_refs, loss_text)

    def record_fit(self, model: ModelVal, method: str, args: Args, node: cst.Call) -> None:
        model.fitted = True
        self.record_call_args(method, args)
        x = args.get(0, "x" if method != "fit_generator" else "generator")
        y = args.get(1, "y") if method != "fit_generator" else None
        validation_data = args.get(7 if method == "fit" else 5, "validation_data")
        validation_split = args.get(6 if method == "fit" else None, "validation_split")
        has_validation: bool | None
        if validation_data is not None and not (
            isinstance(validation_data, Const) and validation_data.value is None
        ):
            has_validation = True
        elif isinstance(validation_split, Const) and isinstance(validation_split.value, int | float):
            has_validation = validation_split.value > 0
        elif validation_split is not None or args.has_star or method == "train_on_batch":
            has_validation = None
        else:
            has_validation = False
        callbacks_value = args.get(5 if method == "fit" else 4, "callbacks")
        callbacks: list[CallbackVal] = []
        if isinstance(callbacks_value, SeqVal):
            callbacks = [c for c in callbacks_value.items if isinstance(c, CallbackVal)]
        elif isinstance(callbacks_value, CallbackVal):
            callbacks = [callbacks_value]
        for param, index in (
            ("steps_per_epoch", 12 if method == "fit" else 1),
            ("validation_steps", 13 if method == "fit" else 5),
        ):
            steps_node = args.node(index, param)
            if steps_node is None:
                continue
            value = args.get(index, param)
            self.steps.append(
                StepsArg(
                    param, self.steps_unit(steps_node, value), self.text(steps_node), self.ref(steps_node)
                )
            )
        self.fits.append(
            FitEvent(
                model,
                method,
                self.ref(node),
                list(model.layers),
                list(model.outputs) if model.outputs is not None else None,
                model.compile,
                x if x is not None else UNKNOWN,
                y if y is not None else UNKNOWN,
                has_validation,
                callbacks,
            )
        )

    def steps_unit(self, node: cst.CSTNode, value: Value | None) -> StepsUnit:
        if isinstance(value, CountVal):
            return StepsUnit.SAMPLES
        if isinstance(value, QuotientVal) or (isinstance(value, Const) and value.quotient):
            return StepsUnit.BATCHES
        if isinstance(node, cst.Name) and "sample" in node.value.lower():
            return StepsUnit.SAMPLES
        return StepsUnit.UNKNOWN

    def record_call_args(self, callee: str, args: Args, only: tuple[str, ...] | None = None) -> None:
        for param, value in args.keywords.items():
            if only is not None and param not in only:
                continue
            if param not in api.BOOL_PARAMS and param not in api.INT_PARAMS and param != "class_weight":
                continue
            if not isinstance(value, Const):
                continue
            arg_node = args.nodes[param]
            self.call_args.append(
                CallArg(callee, param, value.value, self.text(arg_node), self.ref(arg_node))
            )

    # ----- model structure ----------------------------------------------------------------

    def output_chains(
        self, layers: list[Value], outputs: list[TensorVal] | None, model: ModelVal
    ) -> list[list[Value]] | None:
        """The layers leading to each output, nearest last; None when the structure is unknown."""
        if model.kind == "sequential":
            return [self.expand(layers)]
        if model.kind == "functional" and outputs:
            return [self.tensor_chain(t) for t in outputs]
        if model.kind == "pretrained" and model.top_layer is not None:
            return [[model.top_layer]]
        return None

    def expand(self, items: list[Value], depth: int = 0) -> list[Value]:
        chain: list[Value] = []
        for item in items:
            if isinstance(item, ModelVal) and depth < 4:
                inner = self.output_chains(item.layers, item.outputs, item)
                if inner is None or len(inner) != 1:
                    chain.append(UNKNOWN)
                else:
                    chain.extend(self.expand(inner[0], depth + 1) if item.kind == "sequential" else inner[0])
            elif isinstance(item, TensorVal):
                chain.append(UNKNOWN)
            else:
                chain.append(item)
        return chain

    def tensor_chain(self, tensor: TensorVal, limit: int = 12) -> list[Value]:
        chain: list[Value] = []
        current: TensorVal | None = tensor
        while current is not None and len(chain) < limit:
            if current.opaque:
                chain.append(UNKNOWN)
                break
            layer = current.layer
            if layer is None:
                if current.parent is None:
                    chain.append(UNKNOWN)
                    break
            elif isinstance(layer, ModelVal):
                inner = self.output_chains(layer.layers, layer.outputs, layer)
                if inner is None or len(inner) != 1:
                    chain.append(UNKNOWN)
                    break
                chain.extend(reversed(self.expand(inner[0])))
            else:
                chain.append(layer)
            current = current.parent
        chain.reverse()
        return chain


# ----- helpers -----------------------------------------------------------------------------


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _all_same(values: list[Value]) -> bool:
    first = values[0]
    for other in values[1:]:
        if other is first:
            continue
        if (
            isinstance(first, Const)
            and isinstance(other, Const)
            and type(first.value) is type(other.value)
            and first.value == other.value
        ):
            continue
        return False
    return True


def _same_state(a: tuple[Any, ...] | None, b: tuple[Any, ...] | None) -> bool:
    if a is None or b is None:
        return a is b
    layers_a, layers_b = a[0], b[0]
    return (
        len(layers_a) == len(layers_b)
        and all(x is y for x, y in zip(layers_a, layers_b, strict=True))
        and a[1] is b[1]
        and a[2] is b[2]
    )


def _is_input(value: Value) -> bool:
    return isinstance(value, TensorVal) and value.layer is None and value.parent is None and not value.opaque


def _int(value: Value | None) -> int | None:
    if isinstance(value, Const) and isinstance(value.value, int) and not isinstance(value.value, bool):
        return value.value
    return None


def _float(value: Value | None) -> float | None:
    if (
        isinstance(value, Const)
        and isinstance(value.value, int | float)
        and not isinstance(value.value, bool)
    ):
        return float(value.value)
    return None


def _shape_of(value: Value | None) -> tuple[int | None, ...] | None:
    if isinstance(value, Const) and isinstance(value.value, int):
        return (value.value,)
    if isinstance(value, SeqVal) and value.exact:
        return tuple(_int(item) for item in value.items)
    return None


def _as_label(value: Value | None) -> LabelVal | None:
    return value if isinstance(value, LabelVal) else None


def _tensor_name(tensor: TensorVal) -> str | None:
    layer = tensor.layer
    if isinstance(layer, LayerVal):
        return layer.name
    return None


_STAR_CATEGORIES = {
    "Sequential": ("models", ""),
    "Model": ("models", ""),
    "load_model": ("models",),
    "Input": ("layers", ""),
    "to_categorical": ("utils",),
    "ImageDataGenerator": ("preprocessing",),
}


def _category_of(name: str) -> tuple[str, ...]:
    if name in _STAR_CATEGORIES:
        return _STAR_CATEGORIES[name]
    if (
        name in api.UNIT_LAYERS
        or name in api.RECURRENT_LAYERS
        or name in api.ACTIVATION_LAYERS
        or name in api.NEUTRAL_LAYERS
        or name in api.RESCALING_LAYERS
    ):
        return ("layers",)
    if name in ("EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau"):
        return ("callbacks",)
    if api.loss_kind_from_name(name) not in (LossKind.UNKNOWN,) and name[:1].isupper():
        return ("losses",)
    if api.metric_kind_from_name(name) is not MetricKind.OTHER and name[:1].isupper():
        return ("metrics",)
    return ()


def _star_module_for(name: str, modules: list[str]) -> str | None:
    """The ``from … import *`` module a free name most likely came from (Keras ones only)."""
    keras_modules = [m for m in modules if keras_name(m) is not None]
    if not keras_modules:
        return None
    wanted = _category_of(name)
    if not wanted:
        return None
    for module in reversed(keras_modules):
        found = keras_name(module)
        if found is not None and (found.category or found.name) in wanted:
            return module
    return None
