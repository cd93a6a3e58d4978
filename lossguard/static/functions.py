"""Calls as the evaluator runs them: a function of the script is followed with its arguments
(bounded depth), a lambda evaluated, a class instantiated; a library callee goes to its handler."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from lossguard.static import handlers
from lossguard.static.calls import NO_ARGS, Args
from lossguard.static.frames import Frame
from lossguard.static.modules import Origin
from lossguard.static.recorder import Recorder
from lossguard.static.state import same_value
from lossguard.static.values import (
    UNKNOWN,
    ApiRef,
    ClassVal,
    Const,
    DataVal,
    DictVal,
    FuncVal,
    InstanceVal,
    LabelVal,
    LambdaVal,
    SeqVal,
    Value,
)

MAX_CALL_DEPTH = 6


def method_of(cls: ClassVal, name: str) -> cst.FunctionDef | None:
    """The method ``name`` defined in the class's own body."""
    body = getattr(cls.node.body, "body", ()) if cls.node is not None else ()
    return next((m for m in body if isinstance(m, cst.FunctionDef) and m.name.value == name), None)


def generated(yields: list[Value]) -> Value:
    """The iterator a generator function of the script makes: its labels are known when every
    ``yield x, y`` gives the same labels (``y[i:j]`` of one array keeps that array's facts)."""
    labels = [v.items[1] for v in yields if isinstance(v, SeqVal) and v.exact and len(v.items) >= 2]
    if not labels or len(labels) != len(yields) or not same_value(labels):
        return handlers.data_instance()
    first = labels[0]
    return DataVal("iterator", first) if isinstance(first, LabelVal) else handlers.data_instance()


def _identity(value: Value) -> object:
    """What makes two argument values the same for a memoised call: a constant's value, else
    the object itself."""
    if isinstance(value, Const) and isinstance(value.value, int | float | str | bytes | bool | None):
        return ("const", type(value.value), value.value, value.quotient)
    return value


class FunctionCaller:
    """The call half of the evaluator (a mixin: the evaluator provides these attributes)."""

    origins: list[Origin]
    frame: Frame
    statement: cst.CSTNode | None
    globals: dict[str, Value]
    depth: int
    record: Recorder
    eval: Callable[[cst.BaseExpression | None], Value]
    exec_block: Callable[..., None]
    ref: Callable[[cst.CSTNode], int]
    refs: list[tuple[int, cst.CSTNode | None, cst.CSTNode]]
    summaries: dict[tuple[object, ...], Value]

    def call_uncalled(self, func: FuncVal) -> None:
        """A function never called directly (a callback, timeit, a test): its parameters are
        unknown, and so is every global rebound after it was defined — it could have run with
        either binding (a notebook that sets n_classes = 2, defines build_model(), then sets 10)."""
        before = func.globals_at_def or {}
        current = self.globals
        self.globals = {
            name: value if before.get(name) is value else UNKNOWN for name, value in current.items()
        }
        try:
            self.call_function(func, Args([], {}, True, {}), unknown_params=True)
        finally:
            self.globals = current

    def eval_args(self, node: cst.Call) -> Args:
        positional: list[Value] = []
        keywords: dict[str, Value] = {}
        nodes: dict[str, cst.CSTNode] = {}
        has_star = False
        for arg in node.args:
            value = self.eval(arg.value)
            if arg.star == "**" and isinstance(value, DictVal):  # compile(**config): known keys
                for key, item in value.items.items():
                    keywords[key] = item
                    nodes[key] = arg.value
                continue
            if arg.star == "*" and isinstance(value, SeqVal) and value.exact and not keywords:
                for item in value.items:
                    nodes[f"#{len(positional)}"] = arg.value
                    positional.append(item)
                continue
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

    def instance(self, cls: ClassVal, args: Args) -> InstanceVal:
        """An object of a class of the file; a config class (no __init__ of its own, e.g. a
        dataclass) has its class-level defaults, overridden by the constructor's arguments. A
        framework's model factory (keras-tuner's ``HyperModel``) has its ``build(hp)`` run on
        the object, as the tuner will, with the attributes its ``__init__`` set."""
        made = InstanceVal(cls)
        init = method_of(cls, "__init__")
        if init is None and not args.has_star:
            made.attrs = dict(cls.attrs)
            for name, value in zip(list(cls.attrs), args.positional, strict=False):
                made.attrs[name] = value
            made.attrs.update(args.keywords)
        elif init is not None and cls.is_factory and not args.has_star:
            made.attrs = dict(cls.attrs)
            self.call_function(
                FuncVal(init, cls.stmt, is_method=True, origin=cls.origin), args, self_value=made
            )
        build = method_of(cls, "build") if cls.is_factory else None
        if build is not None:
            hp = Args([UNKNOWN], {}, False, {})
            self.call_function(
                FuncVal(build, cls.stmt, is_method=True, origin=cls.origin), hp, self_value=made
            )
        return made

    def call_function(
        self, func: FuncVal, args: Args, unknown_params: bool = False, self_value: Value | None = None
    ) -> Value:
        func.called = True
        key = self._memo_key(func, args, unknown_params, self_value)
        if key is not None and key in self.summaries:
            return self.summaries[key]
        before = self._made()
        returned = self._run_function(func, args, unknown_params, self_value)
        plain = returned is UNKNOWN or isinstance(returned, Const | ApiRef)
        if key is not None and plain and self._made() == before:
            self.summaries[key] = returned  # it made nothing and returned a plain value: replayable
        return returned

    def _made(self) -> tuple[int, ...]:
        """How much the run has recorded: a call that changes none of it made no model, layer,
        compile, fit or flagged argument."""
        record = self.record
        counts = (len(record.models), len(record.fits), len(record.call_args), len(record.steps))
        return (len(self.refs), *counts)

    def _memo_key(
        self, func: FuncVal, args: Args, unknown_params: bool, self_value: Value | None
    ) -> tuple[object, ...] | None:
        """A call that gives what the same earlier call gave: the same function, arguments that
        are the same constants or objects, and the module's bindings unchanged (None: not
        memoisable). Nested helpers that call each other then cost their size, not its power."""
        if self_value is not None or args.has_star or func.is_method:
            return None
        scope = self.globals if func.origin == 0 else self.origins[func.origin].globals
        key = (
            func,  # values compare by identity: the key keeps them alive, so no id is reused
            unknown_params,
            self.depth,  # deeper, fewer calls are followed: a summary holds for its depth
            tuple(_identity(v) for v in args.positional),
            tuple((k, _identity(v)) for k, v in sorted(args.keywords.items())),
            tuple(scope.items()),
        )
        try:
            hash(key)
        except TypeError:
            return None
        return key

    def _run_function(
        self, func: FuncVal, args: Args, unknown_params: bool, self_value: Value | None
    ) -> Value:
        generators = self.origins[func.origin].parsed.generators
        generator = generators.get(func.node.name.value, False) if generators is not None else False
        if generator is None:
            return UNKNOWN  # several functions of that name disagree
        if self.depth >= MAX_CALL_DEPTH:
            return handlers.data_instance() if generator else UNKNOWN
        node: cst.FunctionDef = func.node
        env: dict[str, Value] = {}
        saved, saved_statement = self.frame, self.statement
        self.frame = Frame(env, func.stmt, func.origin)
        self.statement = None
        self.depth += 1
        self.record.regressor_depth += func.regressor
        try:
            self.bind_parameters(node.params, func.is_method, args, unknown_params, env)
            if self_value is not None and node.params.params:
                env[node.params.params[0].name.value] = self_value
            self.exec_block(node.body)
            returns = self.frame.returns
            yields = self.frame.yields
        finally:
            self.depth -= 1
            self.record.regressor_depth -= func.regressor
            self.frame = saved
            self.statement = saved_statement
        if generator:
            return generated(yields)  # calling a generator function makes an iterator
        if not returns:
            return Const(None)
        return returns[0] if same_value(returns) else UNKNOWN

    def call_value(self, func: Value, args: Args) -> Value:
        """Call a same-file function or lambda passed as a value (e.g. to ``dataset.map``)."""
        if isinstance(func, LambdaVal):
            return self.call_lambda(func, args)
        if isinstance(func, FuncVal):
            return self.call_function(func, args)
        return UNKNOWN

    def call_lambda(self, func: LambdaVal, args: Args = NO_ARGS) -> Value:
        params = func.node.params
        env: dict[str, Value] = {}
        ordered = list(params.posonly_params) + list(params.params)
        for index, param in enumerate(ordered):
            env[param.name.value] = args.positional[index] if index < len(args.positional) else UNKNOWN
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
