"""Static extractor: source text → ``ModuleFacts``, with positions resolved lazily.

libcst parses the module once; the interpreter (``interpreter.py``) runs it over abstract
values; this module turns the recorded models, compiles and fits into ``TrainingSetup`` facts.
Node positions are computed only for the nodes a finding points at (``PositionResolver``).
"""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import replace

import libcst as cst

from lossguard.facts import (
    CallArgument,
    CallbackSpec,
    FitSpec,
    KerasTarget,
    LabelEncoding,
    LabelSpec,
    Location,
    LossKind,
    LossSpec,
    MetricKind,
    MetricSpec,
    ModuleFacts,
    OutputHead,
    StepsArgument,
    TrainingSetup,
)
from lossguard.heads import LayerInfo, head_from_chain
from lossguard.keras_semantics import for_script, history_key
from lossguard.static import keras_api as api
from lossguard.static.interpreter import FitEvent, Interpreter
from lossguard.static.names import keras_name
from lossguard.static.values import (
    UNKNOWN,
    ApiRef,
    ArrayVal,
    CompileVal,
    Const,
    DataVal,
    DictVal,
    FuncVal,
    LabelVal,
    LayerVal,
    LossVal,
    MetricVal,
    ModelVal,
    SeqVal,
    TensorVal,
    Value,
)


class ParseFailure(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def parse(text: str) -> cst.Module:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        message = str(exc.message).strip().splitlines()[0] if exc.message else "invalid syntax"
        raise ParseFailure(message, exc.raw_line, exc.raw_column + 1) from None
    except RecursionError:
        raise ParseFailure("too deeply nested to parse", 1, 1) from None


class PositionResolver:
    """Line/column of a node handle, computed only for what is reported.

    libcst positions cost a full code generation of the statement, so the cheap path finds the
    node's exact text inside the line span of its top-level statement (from ``ast``, ~10x faster
    to parse) and inside the text of the statement that was executing; only when that text is
    not unique does it fall back to libcst's PositionProvider on the top-level statement.
    """

    def __init__(
        self,
        module: cst.Module,
        refs: list[tuple[int, cst.CSTNode | None, cst.CSTNode]],
        text: str,
        spans: list[tuple[int, int]] | None = None,
    ) -> None:
        self.module = module
        self.refs = refs
        self.text = text
        self._offsets: list[int] | None = None
        self._positions: dict[int, dict[cst.CSTNode, object]] = {}
        self._spans: list[tuple[int, int]] | None = (
            spans if spans is not None and len(spans) == len(module.body) else None
        )
        self._line_starts: list[int] | None = None
        self._cache: dict[int, Location] = {}

    def resolve(self, location: Location) -> Location:
        if location.ref is None or location.resolved:
            return location
        found = self._cache.get(location.ref)
        if found is None:
            found = self._locate(location.ref, location.path)
            self._cache[location.ref] = found
        return replace(
            location,
            line=found.line,
            column=found.column,
            end_line=found.end_line,
            end_column=found.end_column,
        )

    def _locate(self, ref: int, path: str) -> Location:
        stmt_index, statement, node = self.refs[ref]
        if stmt_index >= len(self.module.body):
            return Location(path, 1, 1, 1, 1)
        quick = self._by_text(stmt_index, statement, node)
        if quick is not None:
            return Location(path, *quick)
        return Location(path, *self._by_metadata(stmt_index, node))

    # ----- the cheap path -------------------------------------------------------------------

    def _top_level_spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = []
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        return self._spans

    def _by_text(
        self, stmt_index: int, statement: cst.CSTNode | None, node: cst.CSTNode
    ) -> tuple[int, int, int, int] | None:
        spans = self._top_level_spans()
        if not spans or self._line_starts is None:
            return None
        starts = self._line_starts
        first, last = spans[stmt_index]
        begin = starts[first - 1]
        end = starts[last] if last < len(starts) else len(self.text)
        windows = [(begin, end), (0, len(self.text))]
        if statement is not None and statement is not node:
            statement_text = self.module.code_for_node(statement).strip()
            at = _unique(self.text, statement_text, begin, end)
            if at is not None:
                windows.insert(0, (at, at + len(statement_text)))
        node_text = self.module.code_for_node(node).strip()
        for low, high in windows:
            at = _unique(self.text, node_text, low, high)
            if at is not None:
                return (*self._line_column(at), *self._line_column(at + len(node_text)))
            if self.text.find(node_text, low, high) >= 0:
                return None  # present but ambiguous here: a wider window cannot do better
        return None

    def _line_column(self, offset: int) -> tuple[int, int]:
        assert self._line_starts is not None
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    # ----- the exact path -------------------------------------------------------------------

    def _by_metadata(self, stmt_index: int, node: cst.CSTNode) -> tuple[int, int, int, int]:
        positions = self._positions.get(stmt_index)
        if positions is None:
            from libcst.metadata import MetadataWrapper, PositionProvider  # the rare, costly path

            stmt = self.module.body[stmt_index]
            mini = cst.Module(
                body=[stmt],
                default_indent=self.module.default_indent,
                default_newline=self.module.default_newline,
            )
            wrapper = MetadataWrapper(mini, unsafe_skip_copy=True)
            positions = dict(wrapper.resolve(PositionProvider))
            self._positions[stmt_index] = positions
        code_range = positions.get(node)
        if code_range is None:
            return (1, 1, 1, 1)
        offset = self._statement_offsets()[stmt_index]
        start, end = code_range.start, code_range.end  # type: ignore[attr-defined]
        return (start.line + offset, start.column + 1, end.line + offset, end.column + 1)

    def _statement_offsets(self) -> list[int]:
        if self._offsets is None:
            offsets = []
            line = len(self.module.header)
            for stmt in self.module.body:
                offsets.append(line)
                line += self.module.code_for_node(stmt).count("\n")
            self._offsets = offsets
        return self._offsets


def _unique(text: str, needle: str, begin: int, end: int) -> int | None:
    if not needle:
        return None
    first = text.find(needle, begin, end)
    if first < 0 or text.find(needle, first + 1, end) >= 0:
        return None
    return first


class Extraction:
    """The facts of one module, and the means to place them."""

    def __init__(self, facts: ModuleFacts, resolver: PositionResolver) -> None:
        self.facts = facts
        self.resolver = resolver


def extract(text: str, path: str, target: KerasTarget) -> Extraction:
    reduced, spans = reduce_source(text)
    module = parse(reduced)
    interpreter = Interpreter(module)
    interpreter.run()
    builder = _SetupBuilder(interpreter, path, for_script(target, text))
    facts = builder.build()
    return Extraction(facts, PositionResolver(module, interpreter.refs, reduced, spans))


# A method can only add facts if it compiles/fits a model or passes a literal the LG04x rules read.
_METHOD_TRIGGER = re.compile(
    r"\.(?:compile|fit|fit_generator|train_on_batch)\s*\(|=\s*['\"](?:true|false|yes|no|0|1|2)['\"]"
    r"|class_weight\s*=\s*['\"]|steps_per_epoch|validation_steps",
    re.IGNORECASE,
)


def reduce_source(text: str) -> tuple[str, list[tuple[int, int]] | None]:
    """Blank out class methods that cannot contribute a fact, keeping every line in place.

    libcst parsing dominates the cost of a check; ``ast`` is ~10x faster. Methods are analysed
    on their own (``self`` is unknown), so a method without a compile/fit call or a flagged
    literal can add nothing — it becomes ``pass``. Lines and columns of the rest do not move.
    Also returns the line span of every top-level statement (for the position resolver).
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return text, None
    spans = [
        (min([s.lineno] + [d.lineno for d in getattr(s, "decorator_list", [])]), s.end_lineno or s.lineno)
        for s in tree.body
    ]
    lines = text.split("\n")
    changed = False
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        for member in node.body:
            if not isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            first = min([member.lineno] + [d.lineno for d in member.decorator_list])
            last = member.end_lineno or member.lineno
            head = lines[first - 1]
            indent = head[: len(head) - len(head.lstrip())]
            if not head.lstrip().startswith(("def ", "async ", "@")) or first == node.lineno:
                continue
            if _METHOD_TRIGGER.search("\n".join(lines[first - 1 : last])):
                continue
            lines[first - 1] = f"{indent}pass"
            for index in range(first, last):
                lines[index] = ""
            changed = True
    return ("\n".join(lines) if changed else text), spans


class _SetupBuilder:
    def __init__(self, interpreter: Interpreter, path: str, target: KerasTarget) -> None:
        self.it = interpreter
        self.path = path
        self.target = target

    def loc(self, ref: int | None) -> Location:
        return Location(self.path, ref=ref)

    def build(self) -> ModuleFacts:
        setups: list[TrainingSetup] = []
        fitted: set[int] = set()
        for event in self.it.fits:
            fitted.add(id(event.model))
            setups.extend(
                self.setups_for(
                    event.model, event.layers_snapshot, event.outputs_snapshot, event.compile, event
                )
            )
        for model in self.it.models:
            if id(model) not in fitted and model.compile is not None:
                setups.extend(self.setups_for(model, model.layers, model.outputs, model.compile, None))
        call_args = tuple(
            CallArgument(a.callee, a.param, a.value, a.text, self.loc(a.ref)) for a in self.it.call_args
        )
        steps = tuple(StepsArgument(s.param, s.unit, s.text, self.loc(s.ref)) for s in self.it.steps)
        return ModuleFacts(self.path, tuple(setups), call_args, steps, self.target)

    # ----- one model ------------------------------------------------------------------------

    def setups_for(
        self,
        model: ModelVal,
        layers: list[Value],
        outputs: list[TensorVal] | None,
        compile_val: CompileVal | None,
        event: FitEvent | None,
    ) -> list[TrainingSetup]:
        chains = self.it.output_chains(layers, outputs, model)
        heads: list[OutputHead | None]
        if chains is None:
            heads = [None]
            output_count: int | None = None
        else:
            heads = [self.head_from_chain(chain) for chain in chains]
            output_count = len(chains)
        names = model.output_names or [None] * len(heads)
        fit = self.fit_spec(event) if event is not None else None
        if compile_val is None or compile_val.uncertain:
            losses: list[LossSpec | None] = [None] * len(heads)
            metrics: tuple[MetricSpec, ...] | None = None
            compile_location = self.loc(compile_val.ref) if compile_val else None
        else:
            compile_location = self.loc(compile_val.ref)
            losses = self.losses_for(compile_val, len(heads), names)
            metrics = self.metrics_for(compile_val) if len(heads) == 1 else None
        labels = self.labels_for(event) if event is not None and len(heads) == 1 else None
        setups = []
        for index, head in enumerate(heads):
            if head is not None and names[index] is not None:
                head = replace(head, output_name=names[index])
            setups.append(
                TrainingSetup(
                    path=self.path,
                    model_name=model.var_name,
                    keras=self.target,
                    head=head,
                    loss=losses[index] if index < len(losses) else None,
                    metrics=metrics,
                    labels=labels,
                    fit=fit,
                    output_count=output_count,
                    compile_location=compile_location,
                )
            )
        return setups

    def head_from_chain(self, chain: list[Value]) -> OutputHead | None:
        return head_from_chain([self.layer_info(item) for item in chain])

    def layer_info(self, item: Value) -> LayerInfo | None:
        if not isinstance(item, LayerVal) or item.opaque:
            return None
        return LayerInfo(
            item.kind,
            self.loc(item.ref),
            item.units,
            item.activation,
            self.loc(item.activation_ref) if item.activation_ref is not None else None,
            named_predictions=item.name == "predictions",
        )

    def losses_for(
        self, compile_val: CompileVal, count: int, names: list[str | None]
    ) -> list[LossSpec | None]:
        value = compile_val.loss
        location = self.loc(compile_val.loss_ref)
        if isinstance(value, SeqVal):
            if count > 1 and value.exact and len(value.items) == count:
                return [self.loss_spec(v, location, "") for v in value.items]
            return [None] * count
        if isinstance(value, DictVal):
            if count > 1 and all(n is not None for n in names):
                return [
                    self.loss_spec(value.items[n], location, "") if n in value.items else None for n in names
                ]
            if count == 1 and len(value.items) == 1:
                return [self.loss_spec(next(iter(value.items.values())), location, "")]
            return [None] * count
        spec = self.loss_spec(value, location, compile_val.loss_text)
        return [spec] * count

    def loss_spec(self, value: Value, location: Location, text: str) -> LossSpec | None:
        if isinstance(value, LossVal):
            return LossSpec(value.kind, value.name, location, value.from_logits)
        if isinstance(value, Const) and isinstance(value.value, str):
            kind = api.loss_kind_from_name(value.value)
            return LossSpec(kind, value.value, location, False) if kind is not LossKind.UNKNOWN else None
        if isinstance(value, ApiRef):
            name = keras_name(value.path)
            if name is None or name.category != "losses":
                return None
            kind = api.loss_kind_from_name(name.name)
            if kind is LossKind.UNKNOWN or name.name[:1].isupper():
                return None  # a loss class given without calling it: not a working loss
            return LossSpec(kind, text or name.name, location, False)
        if isinstance(value, FuncVal):
            return LossSpec(LossKind.OTHER, value.node.name.value, location, None)
        return None

    def metrics_for(self, compile_val: CompileVal) -> tuple[MetricSpec, ...] | None:
        value = compile_val.metrics
        refs = compile_val.metrics_refs
        if isinstance(value, DictVal):
            if len(value.items) != 1:
                return None
            value = next(iter(value.items.values()))
            refs = []
        if isinstance(value, SeqVal):
            if not value.exact:
                return None
            items = value.items
        elif value is UNKNOWN:
            return None
        else:
            items = [value]
        specs = []
        for index, item in enumerate(items):
            ref = refs[index] if index < len(refs) else compile_val.ref
            specs.append(self.metric_spec(item, self.loc(ref)))
        return tuple(specs)

    def metric_spec(self, value: Value, location: Location) -> MetricSpec:
        if isinstance(value, Const) and isinstance(value.value, str):
            written = value.value
            return MetricSpec(
                api.metric_kind_from_name(written), repr(written), location, history_key(self.target, written)
            )
        if isinstance(value, MetricVal):
            return MetricSpec(
                value.kind, value.written, location, value.log_name, value.threshold, value.from_logits
            )
        if isinstance(value, ApiRef):
            name = keras_name(value.path)
            if name is not None and name.category in ("metrics", "losses") and name.name:
                kind = api.metric_kind_from_name(name.name)
                if name.name[:1].isupper():
                    return MetricSpec(MetricKind.UNKNOWN, name.name, location)
                return MetricSpec(kind, name.name, location, name.name)
            return MetricSpec(MetricKind.UNKNOWN, value.path.split(".")[-1], location)
        if isinstance(value, FuncVal):
            fname = value.node.name.value
            return MetricSpec(MetricKind.OTHER, fname, location, fname)
        return MetricSpec(MetricKind.UNKNOWN, "?", location)

    def labels_for(self, event: FitEvent) -> LabelSpec | None:
        source: Value | None = event.y
        if isinstance(event.x, DataVal):
            source = event.x.labels
        if isinstance(source, LabelVal):
            return LabelSpec(
                source.encoding, source.origin, self.loc(source.ref), source.num_classes, source.width
            )
        if isinstance(source, ArrayVal) and source.shape is not None and len(source.shape) == 2:
            width = source.shape[1]
            if width is not None:
                return LabelSpec(LabelEncoding.UNKNOWN, "array", self.loc(source.ref), None, width)
        return None

    def fit_spec(self, event: FitEvent) -> FitSpec:
        callbacks = []
        for cb in event.callbacks:
            if cb.monitor is None:
                continue
            callbacks.append(
                CallbackSpec(
                    cb.kind, cb.monitor, cb.mode, self.loc(cb.ref), cb.monitor_explicit, cb.mode_explicit
                )
            )
        return FitSpec(event.method, self.loc(event.ref), event.has_validation, tuple(callbacks))


__all__ = ["Extraction", "ParseFailure", "PositionResolver", "extract", "parse"]
