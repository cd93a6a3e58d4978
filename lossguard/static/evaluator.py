"""A small abstract interpreter over a libcst module: the Python core.

It executes the script's statements in order over abstract values (``values.py``). Branches and
loops fork the state (``state.py``), same-file functions are followed with their arguments, and
anything not understood is ``UNKNOWN``: the rules stay silent on it. What libraries do — Keras,
numpy, TensorFlow, pandas — is not here but in ``handlers/``, looked up by the qualified name of
what is called (as mypy plugins are); compiles and fits go to the ``Recorder``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import libcst as cst

from lossguard.keras.names import keras_name
from lossguard.static import handlers
from lossguard.static.calls import NO_ARGS, Args, Call
from lossguard.static.expressions import evaluate
from lossguard.static.modules import MAX_IMPORT_DEPTH, Loader, Origin
from lossguard.static.parsing import ParsedModule, parse_dependency
from lossguard.static.prune import attributes_taken
from lossguard.static.recorder import Recorder
from lossguard.static.state import fork, same_value
from lossguard.static.subclass import subclass_layers
from lossguard.static.values import (
    UNKNOWN,
    ApiRef,
    ClassVal,
    Const,
    DictVal,
    FuncVal,
    InstanceVal,
    LambdaVal,
    LayerVal,
    LazyImport,
    MethodVal,
    ModelVal,
    ModuleVal,
    SeqVal,
    Value,
)

MAX_CALL_DEPTH = 6
STATEMENT_BUDGET = 40_000


class BudgetExceeded(Exception):
    """The script is too large or recursive to follow completely; stop where we are."""


class Frame:
    def __init__(self, env: dict[str, Value], stmt: int, origin: int = 0) -> None:
        self.env = env
        self.stmt = stmt  # the top-level statement of its module being executed
        self.origin = origin  # which module the code comes from (index in ``Evaluator.origins``)
        self.returns: list[Value] = []


class Evaluator:
    def __init__(
        self, parsed: ParsedModule, loader: Loader | None = None, method_anchor: str | None = None
    ) -> None:
        self.module = parsed.module
        self.loader = loader
        self.method_anchor = method_anchor  # project modules are pruned as the checked file is
        self.refs: list[tuple[int, cst.CSTNode | None, cst.CSTNode]] = []
        self.ref_origins: list[int] = []  # per ref: the module its node belongs to
        self.statement: cst.CSTNode | None = None  # the statement being executed
        self.globals: dict[str, Value] = {"__name__": Const("__main__")}
        self.origins = [Origin(parsed, self.globals)]
        # project module path → its globals (None: not parsable) and the names it was run for
        # (None: all of them)
        self.loaded: dict[str, tuple[dict[str, Value] | None, frozenset[str] | None]] = {}
        self.star_modules: list[str] = []
        self.loading: list[str] = []  # project modules being run (import depth, cycles)
        self.free_names: dict[str, str] = {}  # a snippet's unbound Keras names → their paths
        self.functions: list[FuncVal] = []
        self.budget = STATEMENT_BUDGET
        self.depth = 0
        self.frame = Frame(self.globals, 0)
        self.class_depth = 0
        self.loop_depth = 0
        self.record = Recorder(self.ref, self.text)

    # ----- bookkeeping -------------------------------------------------------------------

    def ref(self, node: cst.CSTNode) -> int:
        self.refs.append((self.frame.stmt, self.statement, node))
        self.ref_origins.append(self.frame.origin)
        return len(self.refs) - 1

    def text(self, node: cst.CSTNode, limit: int = 80) -> str:
        code = self.module.code_for_node(node).strip()
        code = " ".join(code.split())
        return code if len(code) <= limit else code[: limit - 1] + "…"

    # ----- statements --------------------------------------------------------------------

    def run(self) -> None:
        try:
            for index, stmt in enumerate(self.module.body):
                self.frame.stmt = index
                self.exec_stmt(stmt)
            for func in list(self.functions):
                if not func.called:
                    self.call_uncalled(func)
        except (BudgetExceeded, RecursionError):
            return

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

    def branches(self, paths: list[Callable[[], None]]) -> None:
        fork(self.frame.env, self.record.models, paths)

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
            self.branches([lambda: self.in_loop(stmt.body), lambda: None])
        elif isinstance(stmt, cst.While):
            self.eval(stmt.test)
            self.branches([lambda: self.in_loop(stmt.body), lambda: None])
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
            origin = self.frame.origin
            func = FuncVal(
                stmt,
                self.frame.stmt,
                is_method=self.class_depth > 0,
                globals_at_def=dict(self.globals) if origin == 0 else None,
                origin=origin,
            )
            if origin == 0:  # a project module's unused functions are that module's business
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
        made = ClassVal(
            stmt.name.value, is_model, is_data, stmt, stmt=self.frame.stmt, origin=self.frame.origin
        )
        self.frame.env[stmt.name.value] = made
        self.class_depth += 1
        try:
            saved = dict(self.frame.env)
            self.exec_block(stmt.body)
            made.attrs = {
                name: value
                for name, value in self.frame.env.items()
                if saved.get(name) is not value and not isinstance(value, FuncVal | ClassVal)
            }
            self.frame.env.clear()
            self.frame.env.update(saved)
        finally:
            self.class_depth -= 1

    def in_loop(self, body: cst.BaseSuite) -> None:
        """A loop body runs an unknown number of times: lists it grows get unknown lengths."""
        self.loop_depth += 1
        try:
            self.exec_block(body)
        finally:
            self.loop_depth -= 1

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
                dotted = dotted_name(alias.name)
                top = dotted.split(".")[0]
                found = self.locate(dotted, 0) if alias.asname is not None or dotted == top else None
                fallback = ApiRef(dotted) if alias.asname is not None else ApiRef(top)
                if found is not None:
                    bound = alias.asname.name if alias.asname is not None else cst.Name(top)
                    text = self.origins[self.frame.origin].parsed.text
                    taken = attributes_taken(text, bound.value) if isinstance(bound, cst.Name) else None
                    value = self.lazy_module(found, dotted, fallback, taken)
                else:
                    value = fallback
                if alias.asname is not None:
                    self.bind(alias.asname.name, value)
                else:
                    self.frame.env[top] = value
        elif isinstance(small, cst.ImportFrom):
            self.exec_import_from(small)
        elif isinstance(small, cst.Del):
            self.bind(small.target, UNKNOWN)

    def exec_import_from(self, small: cst.ImportFrom) -> None:
        level = len(small.relative)
        module = dotted_name(small.module) if small.module is not None else ""
        found = self.locate(module, level) if module or level else None
        if isinstance(small.names, cst.ImportStar):
            namespace = self.load(found, module) if found is not None else None
            if namespace is not None:
                self.frame.env.update({k: v for k, v in namespace.items() if not k.startswith("_")})
            elif module and not level:
                self.star_modules.append(module)
            return
        wanted = frozenset(dotted_name(alias.name) for alias in small.names)
        for alias in small.names:
            name = dotted_name(alias.name)
            target = alias.asname.name if alias.asname is not None else None
            value: Value = ApiRef(f"{module}.{name}") if module and not level else UNKNOWN
            submodule = (
                self.locate(f"{module}.{name}" if module else name, level) if module or level else None
            )
            if found is not None or submodule is not None:
                value = self.lazy_name(found, module, name, submodule, value, wanted)
            if target is not None:
                self.bind(target, value)
            else:
                self.frame.env[name.split(".")[0]] = value

    def locate(self, module: str, level: int) -> tuple[str, str] | None:
        """The project file an import names, seen from the module now running (cheap: no parse)."""
        if self.loader is None:
            return None
        return self.loader(self.origins[self.frame.origin].path, module, level)

    def lazy_module(
        self, found: tuple[str, str], module: str, fallback: Value, wanted: frozenset[str] | None
    ) -> Value:
        """``import module``: its globals, run for the attributes the importer takes (``wanted``)."""

        def resolve() -> Value:
            namespace = self.load(found, module, wanted)
            return ModuleVal(namespace) if namespace is not None else fallback

        return LazyImport(resolve)

    def lazy_name(
        self,
        found: tuple[str, str] | None,
        module: str,
        name: str,
        submodule: tuple[str, str] | None,
        fallback: Value,
        wanted: frozenset[str],
    ) -> Value:
        """``from module import name``: the name in the module's globals, or the submodule.
        ``wanted``: every name the import statement takes from the module."""

        def resolve() -> Value:
            namespace = self.load(found, module, wanted) if found is not None else None
            value = namespace.get(name, UNKNOWN) if namespace is not None else UNKNOWN
            if value is UNKNOWN and submodule is not None:
                loaded = self.load(submodule, f"{module}.{name}")
                value = ModuleVal(loaded) if loaded is not None else UNKNOWN
            if isinstance(value, LazyImport):
                value = value.resolve()
            return value if value is not UNKNOWN or namespace is not None else fallback

        return LazyImport(resolve)

    def load(
        self, found: tuple[str, str], module: str, wanted: frozenset[str] | None = None
    ) -> dict[str, Value] | None:
        """The globals of a project module (None: a cycle, deeper than ``MAX_IMPORT_DEPTH``, or
        not parsable). Imported for ``wanted`` names only, it runs with the definitions those
        cannot reach left out; it runs again only for a name its first run left out."""
        path, text = found
        if len(self.loading) >= MAX_IMPORT_DEPTH or path in self.loading:
            return None  # too deep, or an import cycle
        if path in self.loaded:
            ran, covered = self.loaded[path]
            if ran is None or covered is None or (wanted is not None and wanted <= covered):
                return ran
            wanted = wanted | covered if wanted is not None else None
        self.loaded[path] = (None, None)
        parsed = parse_dependency(path, text, self.method_anchor, wanted)
        if parsed is None:
            return None
        namespace: dict[str, Value] = {"__name__": Const(module or path)}
        self.origins.append(Origin(parsed, namespace))
        saved, saved_statement = self.frame, self.statement
        self.frame = Frame(namespace, 0, len(self.origins) - 1)
        self.loading.append(path)
        try:
            for index, stmt in enumerate(parsed.module.body):
                self.frame.stmt = index
                self.statement = None
                self.exec_stmt(stmt)
        finally:
            self.loading.pop()
            self.frame, self.statement = saved, saved_statement
        self.loaded[path] = (namespace, wanted)
        return namespace

    def keras_alias(self) -> str | None:
        """How the script names the keras module, for code a fix writes (``keras.losses.…``)."""
        for name, value in self.globals.items():
            if isinstance(value, ApiRef) and value.path in ("keras", "tensorflow.keras", "tf_keras"):
                return name
        for name, value in self.globals.items():
            if isinstance(value, ApiRef) and value.path == "tensorflow":
                return f"{name}.keras"
        return None

    def eval(self, node: cst.BaseExpression | None) -> Value:
        return evaluate(self, node)

    def qualified(self, node: cst.BaseExpression) -> str | None:
        """The qualified name a callee refers to (``os.walk`` however it was imported)."""
        value = self.eval(node)
        return value.path if isinstance(value, ApiRef) else None

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
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            self.store_item(target, value)

    def store_item(self, target: cst.Subscript, value: Value) -> None:
        """``y[mask] = 0``: the library of the stored-into value says what it becomes."""
        assert isinstance(target.value, cst.Name)
        name = target.value.value
        store = handlers.store_for(self.lookup(name))
        if store is not None:
            self.frame.env[name] = store(self, self.lookup(name), value, target)

    def lookup(self, name: str) -> Value:
        scope = self.globals if self.frame.origin == 0 else self.origins[self.frame.origin].globals
        for names in (self.frame.env, scope):
            if name in names:
                value = names[name]
                return value.resolve() if isinstance(value, LazyImport) else value
        if name in ("True", "False", "None"):
            return Const({"True": True, "False": False, "None": None}[name])
        if self.star_modules:
            module = handlers.star_module_for(name, self.star_modules)
            if module is not None:
                return ApiRef(f"{module}.{name}")
        if name in handlers.BUILTINS:
            return ApiRef(f"builtins.{name}")
        if name in self.free_names and self.frame.origin == 0:
            return ApiRef(self.free_names[name])  # a snippet without imports (snippets.py)
        return UNKNOWN

    # ----- calls --------------------------------------------------------------------------

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

    def eval_call(self, node: cst.Call) -> Value:
        func = self.eval(node.func)
        args = self.eval_args(node)
        if isinstance(func, ApiRef):
            handler = handlers.function_for(func.path)
            return handler(self, Call(func.path, args, node)) if handler is not None else UNKNOWN
        if isinstance(func, MethodVal):
            method = handlers.method_for(func.obj)
            return method(self, func.obj, func.name, Call(func.name, args, node))
        if isinstance(func, FuncVal):
            return self.call_function(func, args)
        if isinstance(func, LambdaVal):
            return self.call_lambda(func, args)
        if isinstance(func, ClassVal):
            if func.is_model:
                model = ModelVal("subclassed", self.ref(node))
                model.layers = subclass_layers(self, func, args) or []
                return self.record.model(model)
            if func.is_data:
                return handlers.data_instance()
            return self.instance(func, args)
        if isinstance(func, LayerVal | ModelVal):
            return handlers.apply_layer(func, args)
        return UNKNOWN

    def instance(self, cls: ClassVal, args: Args) -> InstanceVal:
        """An object of a class of the file; a config class (no __init__ of its own, e.g. a
        dataclass) has its class-level defaults, overridden by the constructor's arguments."""
        made = InstanceVal(cls)
        own_init = any(
            isinstance(m, cst.FunctionDef) and m.name.value == "__init__"
            for m in getattr(cls.node.body, "body", ())
        )
        if own_init or args.has_star:
            return made
        made.attrs = dict(cls.attrs)
        for name, value in zip(list(cls.attrs), args.positional, strict=False):
            made.attrs[name] = value
        made.attrs.update(args.keywords)
        return made

    def call_function(
        self, func: FuncVal, args: Args, unknown_params: bool = False, self_value: Value | None = None
    ) -> Value:
        func.called = True
        generators = self.origins[func.origin].parsed.generators
        generator = generators.get(func.node.name.value, False) if generators is not None else False
        if generator is None:
            return UNKNOWN  # several functions of that name disagree
        if generator:
            return handlers.data_instance()  # calling a generator function makes an iterator
        if self.depth >= MAX_CALL_DEPTH:
            return UNKNOWN
        node: cst.FunctionDef = func.node
        env: dict[str, Value] = {}
        saved, saved_statement = self.frame, self.statement
        self.frame = Frame(env, func.stmt, func.origin)
        self.statement = None
        self.depth += 1
        try:
            self.bind_parameters(node.params, func.is_method, args, unknown_params, env)
            if self_value is not None and node.params.params:
                env[node.params.params[0].name.value] = self_value
            self.exec_block(node.body)
            returns = self.frame.returns
        finally:
            self.depth -= 1
            self.frame = saved
            self.statement = saved_statement
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


def dotted_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted_name(node.value)}.{node.attr.value}"
    return ""
