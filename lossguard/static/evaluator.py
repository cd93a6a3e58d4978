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
from lossguard.static.calls import Call
from lossguard.static.expressions import augmented, evaluate
from lossguard.static.frames import BudgetExceeded, Frame, dotted_name
from lossguard.static.functions import MAX_CALL_DEPTH, FunctionCaller
from lossguard.static.imports import ImportRunner
from lossguard.static.modules import Loader, Origin
from lossguard.static.parsing import ParsedModule
from lossguard.static.recorder import Recorder
from lossguard.static.state import fork
from lossguard.static.subclass import subclass_layers
from lossguard.static.values import (
    UNKNOWN,
    ApiRef,
    ClassVal,
    Const,
    FuncVal,
    InstanceVal,
    LambdaVal,
    LayerVal,
    LazyImport,
    MethodVal,
    ModelVal,
    SeqVal,
    Value,
)

STATEMENT_BUDGET = 40_000
_RAISES_METHODS = {"assertRaises", "assertRaisesRegex", "assertRaisesRegexp", "assertWarns"}

__all__ = ["MAX_CALL_DEPTH", "STATEMENT_BUDGET", "BudgetExceeded", "Evaluator", "dotted_name"]


class Evaluator(ImportRunner, FunctionCaller):
    """Implements ``interpreter.Interpreter``, the narrow interface handlers see."""

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
        self.summaries: dict[tuple[object, ...], Value] = {}  # memoised calls (functions.py)
        self.stopped: str | None = None  # why the analysis stopped before the end (reported)
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
        except BudgetExceeded:
            self.stopped = f"analysis stopped after {STATEMENT_BUDGET:,} statements"
        except RecursionError:
            self.stopped = "analysis stopped: the code nests or recurses too deeply to follow"

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
            expects_error = any(self.expects_error(item.item) for item in stmt.items)
            for item in stmt.items:
                self.eval(item.item)
                if item.asname is not None:
                    self.bind(item.asname.name, UNKNOWN)
            self.record.expecting_error += expects_error
            try:
                self.exec_block(stmt.body)
            finally:
                self.record.expecting_error -= expects_error
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
        is_factory = False
        for base in stmt.bases:
            value = self.eval(base.value)
            if isinstance(value, ApiRef) and value.path.split(".")[0] in ("keras_tuner", "kerastuner"):
                is_factory = is_factory or value.path.endswith(".HyperModel")
            elif isinstance(value, ApiRef):
                name = keras_name(value.path)
                if name and name.name in ("Model", "Sequential", "Functional"):
                    is_model = True
                if name and name.name in ("Sequence", "PyDataset"):
                    is_data = True
            elif isinstance(value, ClassVal):
                is_model = is_model or value.is_model
                is_data = is_data or value.is_data
                is_factory = is_factory or value.is_factory
        made = ClassVal(
            stmt.name.value, is_model, is_data, stmt, stmt=self.frame.stmt, origin=self.frame.origin
        )
        made.is_factory = is_factory
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

    def expects_error(self, node: cst.BaseExpression) -> bool:
        """``with self.assertRaises(…)`` / ``pytest.raises(…)``: the block is meant to fail, so
        what it does is no mistake to report (a test of Keras' own checks)."""
        if not isinstance(node, cst.Call):
            return False
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _RAISES_METHODS:
            return True
        return self.qualified(func) in ("pytest.raises", "pytest.warns")

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
            value = self.eval(small.value)
            current = self.eval(small.target) if isinstance(small.target, cst.Name) else UNKNOWN
            self.bind(small.target, augmented(self, small, current, value))
        elif isinstance(small, cst.Expr):
            self.eval(small.value)
        elif isinstance(small, cst.Return):
            value = self.eval(small.value) if small.value is not None else Const(None)
            self.frame.returns.append(value)
        elif isinstance(small, cst.Import):
            self.exec_import(small)
        elif isinstance(small, cst.ImportFrom):
            self.exec_import_from(small)
        elif isinstance(small, cst.Del):
            self.bind(small.target, UNKNOWN)

    def keras_alias(self) -> str | None:
        """How the script names the keras module, for code a fix writes (``keras.losses.…``)."""
        for name, value in self.globals.items():
            if isinstance(value, ApiRef) and value.path in ("keras", "tensorflow.keras", "tf_keras"):
                return name
        for name, value in self.globals.items():
            if isinstance(value, ApiRef) and value.path == "tensorflow":
                return f"{name}.keras"
        return None

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

    def yielded(self, value: Value) -> None:
        self.frame.yields.append(value)

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
            elif isinstance(owner, ModelVal) and target.attr.value == "output_names":
                owner.output_names = None  # renamed by hand: Keras keys its dicts by the new names
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
