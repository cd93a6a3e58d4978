"""Static extractor: source text → ``ModuleFacts``, with positions resolved lazily.

libcst parses the module once; the evaluator (``evaluator.py`` and ``handlers/``) runs it over
abstract values; this module turns the recorded models, compiles and fits into
``TrainingSetup`` facts. Node positions are computed only for the nodes a finding points at
(``positions.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import libcst as cst

from lossguard.facts import (
    CallArgument,
    CallbackSpec,
    FitSpec,
    KerasTarget,
    KeyedArgument,
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
from lossguard.keras import vocabulary as api
from lossguard.keras.heads import LayerInfo, head_from_chain
from lossguard.keras.names import keras_name
from lossguard.keras.semantics import for_script, for_snippet, history_key, may_be_keras3
from lossguard.static.evaluator import Evaluator
from lossguard.static.modules import Loader
from lossguard.static.outputs import nested_models, output_chains
from lossguard.static.parsing import parse_checked
from lossguard.static.positions import ProjectPositions
from lossguard.static.prune import NotAnalysable, ParseFailure
from lossguard.static.recorder import FitEvent
from lossguard.static.snippets import free_keras_names
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
    LambdaVal,
    LayerVal,
    LossVal,
    MetricVal,
    ModelVal,
    QuotientVal,
    SeqVal,
    TensorVal,
    Value,
)
from lossguard.static.wrapped_losses import wrapped_loss


@dataclass
class Extraction:
    """The facts of one module, and the means to place them."""

    facts: ModuleFacts
    resolver: ProjectPositions
    stopped: str | None = None  # the analysis stopped before the end of the file: why


def extract(
    text: str,
    path: str,
    target: KerasTarget,
    method_anchor: str | None = None,
    loader: Loader | None = None,
) -> Extraction:
    """``loader`` finds the project modules the file imports (none when not given)."""
    evaluator = Evaluator(parse_checked(path, text, method_anchor), loader, method_anchor)
    evaluator.free_names = free_keras_names(text)
    evaluator.run()
    script_target = for_snippet(target) if evaluator.free_names else for_script(target, text)
    if evaluator.record.scored is not None and _CLASSIFICATION_SCORES.search(text):
        evaluator.record.scored = None  # scored both ways (copied boilerplate): no evidence
    facts = _SetupBuilder(evaluator, path, script_target).build()
    positions = ProjectPositions(evaluator.origins, evaluator.refs, evaluator.ref_origins)
    return Extraction(facts, positions, evaluator.stopped)


# A script that also scores classes (accuracy_score, a confusion matrix …) gives no evidence of
# a regression by calling r2_score: both come from copied boilerplate.
_CLASSIFICATION_SCORES = re.compile(
    r"\b(?:accuracy_score|f1_score|precision_score|recall_score|roc_auc_score|confusion_matrix"
    r"|classification_report|balanced_accuracy_score|log_loss)\b"
)


def _masks_padding(chain: list[Value]) -> bool | None:
    """Whether the layers before an output mask padded steps: True (an Embedding with
    mask_zero=True, a Masking layer), False (an Embedding without a mask and nothing unknown
    on the way), None (no Embedding seen, or something unknown)."""
    embedded = False
    for position, item in enumerate(chain):
        if isinstance(item, LayerVal) and (item.kind == "Masking" or item.mask_zero is True):
            return True
        if isinstance(item, LayerVal) and item.kind == "Embedding":
            if item.mask_zero is None:
                return None
            embedded = True
        elif item is UNKNOWN and position > 0:
            return None  # an op we do not follow (a merge, a custom layer) may mask
    return False if embedded else None


def _columns(shape: tuple[int | None, ...] | None) -> int | None:
    """The labels' last axis as far as the shape is known: 1 for a vector, None if unknown."""
    if shape is None or not shape:
        return None
    if len(shape) == 1:
        return 1
    return shape[-1] if len(shape) == 2 else None


def _rank(shape: tuple[int | None, ...] | None) -> int | None:
    return len(shape) if shape else None


class _SetupBuilder:
    def __init__(self, evaluator: Evaluator, path: str, target: KerasTarget) -> None:
        self.it = evaluator
        self.path = path
        self.target = target
        self.keras_alias = evaluator.keras_alias()  # once per file, not per setup

    def loc(self, ref: int | None) -> Location:
        """The place of a node: in the checked file, or in a project module it imports."""
        if ref is None:
            return Location(self.path)
        return Location(self.it.origins[self.it.ref_origins[ref]].path, ref=ref)

    def build(self) -> ModuleFacts:
        setups: list[TrainingSetup] = []
        fitted: set[int] = set()
        for event in self.it.record.fits:
            fitted.add(id(event.model))
            setups.extend(
                self.setups_for(
                    event.model, event.layers_snapshot, event.outputs_snapshot, event.compile, event
                )
            )
        # A model compiled but never trained here is still checked (it may be trained by code we
        # do not see), unless its own loss cannot train it: it only runs inside a model that is
        # trained here (a GAN's generator), its weights come from a file or another model
        # (load_weights, set_weights: inference), or it only predicts beside a model trained here.
        inside = {
            id(m) for e in self.it.record.fits for m in nested_models(e.layers_snapshot, e.outputs_snapshot)
        }
        for model in self.it.record.models:
            if id(model) in fitted or model.compile is None or id(model) in inside or model.restored:
                continue
            if model.predicted and self.it.record.fits:
                continue  # built to predict() (hidden features) beside a model trained here
            setups.extend(self.setups_for(model, model.layers, model.outputs, model.compile, None))
        call_args = tuple(
            CallArgument(a.callee, a.param, a.value, a.text, self.loc(a.ref))
            for a in self.it.record.call_args
        )
        steps = tuple(StepsArgument(s.param, s.unit, s.text, self.loc(s.ref)) for s in self.it.record.steps)
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
        chains = output_chains(layers, outputs, model)
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
            metrics = self.metrics_for(compile_val) if len(heads) == 1 else self.shared_metrics(compile_val)
        named: tuple[str, ...] | None = None
        if model.kind == "functional" and not model.outputs_dict and len(names) == len(heads):
            written = [n for n in names if n is not None]
            named = tuple(written) if len(written) == len(names) else None
        keyed: tuple[KeyedArgument, ...] = ()
        if compile_val is not None and not compile_val.uncertain:
            keyed = tuple(
                KeyedArgument(
                    param,
                    keys,
                    self.loc(ref),
                    tuple(self.loc(r) if r is not None else self.loc(ref) for r in key_refs),
                )
                for param, keys, ref, key_refs in compile_val.keyed
            )
        labels = self.labels_for(event) if event is not None and len(heads) == 1 else None
        several = event is not None and len(heads) > 1
        per_output = self.labels_per_output(event, len(heads)) if several and event is not None else None
        setups = []
        for index, head in enumerate(heads):
            if head is not None and names[index] is not None:
                head = replace(head, output_name=names[index])
            setups.append(
                TrainingSetup(
                    path=self.path,
                    model_name=model.var_name,
                    keras=self.target,
                    keras_alias=self.keras_alias,
                    head=head,
                    loss=losses[index] if index < len(losses) else None,
                    metrics=metrics,
                    labels=per_output[index] if per_output is not None else labels,
                    fit=fit,
                    output_count=output_count,
                    compile_location=compile_location,
                    masks_padding=_masks_padding(chains[index]) if chains is not None else None,
                    output_names=named,
                    keyed=keyed,
                    regression_score="KerasRegressor"
                    if model.regressor
                    else self.it.record.scored[0]
                    if self.it.record.scored
                    else None,
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
            activation_name=item.activation_name,
            last_axis=item.last_axis,
        )

    def losses_for(
        self, compile_val: CompileVal, count: int, names: list[str | None]
    ) -> list[LossSpec | None]:
        value = compile_val.loss
        location = self.loc(compile_val.loss_ref)
        if isinstance(value, SeqVal):
            if count > 1 and value.exact and len(value.items) == count:
                specs = [self.loss_spec(v, location, "") for v in value.items]
                return [replace(s, position=i) if s is not None else None for i, s in enumerate(specs)]
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
        if isinstance(value, FuncVal | LambdaVal):
            node = value.node
            fname = node.name.value if isinstance(node, cst.FunctionDef) else "lambda"
            origin = value.origin if isinstance(value, FuncVal) else 0
            found = wrapped_loss(node, self.it.qualified) if origin == 0 else None
            if found is None:
                return LossSpec(LossKind.OTHER, fname, location, None)
            return LossSpec(
                found.kind,
                f"{fname} (which returns {found.callee}(…))",
                location,
                found.from_logits,
                wrapper=fname,
            )
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
            if compile_val.metrics_written:  # metrics=[…] at the call: each element where written
                ref = refs[index] if index < len(refs) else compile_val.ref
                specs.append(self.metric_spec(item, self.loc(ref)))
            else:  # metrics=METRICS: each metric where built (a string: where the list is named)
                own = item.ref if isinstance(item, MetricVal) else None
                ref = own if own is not None else (refs[0] if refs else compile_val.ref)
                specs.append(replace(self.metric_spec(item, self.loc(ref)), fixable=False))
        return tuple(specs)

    def metric_spec(self, value: Value, location: Location) -> MetricSpec:
        if isinstance(value, Const) and isinstance(value.value, str):
            written = value.value
            return MetricSpec(
                api.metric_kind_from_name(written), repr(written), location, history_key(self.target, written)
            )
        if isinstance(value, MetricVal):
            return MetricSpec(
                value.kind,
                value.written,
                location,
                value.log_name,
                value.threshold,
                value.from_logits,
                cls=value.cls,
                options=tuple(sorted(value.options.items())),
                given=value.given,
                in_loop=value.in_loop,
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

    def shared_metrics(self, compile_val: CompileVal) -> tuple[MetricSpec, ...] | None:
        """A flat metric list on a model of several outputs: before Keras 3 every metric is computed
        on every output (Keras 3 raises on it). Unknown when Keras 3 is possible."""
        if may_be_keras3(self.target) or not isinstance(compile_val.metrics, SeqVal):
            return None
        return self.metrics_for(compile_val)

    def labels_per_output(self, event: FitEvent, outputs: int) -> list[LabelSpec | None] | None:
        """fit(x, [y1, y2]): the targets of each output, in the outputs' order."""
        targets = event.y
        if not isinstance(targets, SeqVal) or not targets.exact or len(targets.items) != outputs:
            return None
        return [self.labels_of(item) for item in targets.items]

    def labels_for(self, event: FitEvent) -> LabelSpec | None:
        source: Value | None = event.y
        if isinstance(event.x, DataVal):
            source = event.x.labels
        return self.labels_of(source)

    def labels_of(self, source: Value | None) -> LabelSpec | None:
        if isinstance(source, ArrayVal) and source.padding is not None:
            # padded sequences of ids: (n, steps), not columns of one label
            origin = source.origin or "padded sequences"
            # what each step holds is not known (an id, or a one-hot row padded with zeros)
            return LabelSpec(LabelEncoding.UNKNOWN, origin, self.loc(source.ref), padding=source.padding)
        if isinstance(source, LabelVal):
            return LabelSpec(
                source.encoding,
                source.origin,
                self.loc(source.ref),
                source.num_classes,
                source.width,
                wide_is_one_hot=source.wide_is_one_hot,
                padding=source.padding,
            )
        if isinstance(source, ArrayVal) and source.continuous:
            width = _columns(source.shape)
            origin = source.origin or "real values"
            return LabelSpec(
                LabelEncoding.CONTINUOUS,
                origin,
                self.loc(source.ref),
                width=width,
                min_value=source.low,
                max_value=source.high,
                distribution=source.distribution,
                rank=_rank(source.shape),
            )
        if isinstance(source, ArrayVal) and source.low is not None and source.high is not None:
            origin = source.origin or "an array"
            return LabelSpec(
                LabelEncoding.UNKNOWN,
                origin,
                self.loc(source.ref),
                width=_columns(source.shape),
                min_value=source.low,
                max_value=source.high,
                rank=_rank(source.shape),
            )
        if isinstance(source, QuotientVal) and source.real:
            return LabelSpec(LabelEncoding.CONTINUOUS, "values divided by a number", self.loc(source.ref))
        if isinstance(source, ArrayVal) and source.fill in (0, 1):
            single = source.shape is None or len(source.shape) == 1 or source.shape[-1] == 1
            if single:  # np.ones((n, 1)): 0/1 targets, a classifier's (a GAN's discriminator)
                origin = "np.ones(…)" if source.fill == 1 else "np.zeros(…)"
                return LabelSpec(LabelEncoding.BINARY, origin, self.loc(source.ref), 2, 1, constant=True)
            return None
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
                    cb.kind,
                    cb.monitor,
                    cb.mode,
                    self.loc(cb.ref),
                    cb.monitor_explicit,
                    cb.mode_explicit,
                    monitor_location=self.loc(cb.monitor_ref) if cb.monitor_ref is not None else None,
                    mode_location=self.loc(cb.mode_ref) if cb.mode_ref is not None else None,
                    template_keys=cb.template_keys,
                    filepath=cb.filepath,
                    filepath_location=self.loc(cb.filepath_ref) if cb.filepath_ref is not None else None,
                )
            )
        return FitSpec(
            event.method,
            self.loc(event.ref),
            event.has_validation,
            tuple(callbacks),
            targets_are_inputs=event.targets_are_inputs,
            denoising=event.denoising,
            class_weight=self.loc(event.class_weight_ref) if event.class_weight_ref is not None else None,
            sample_weight=event.sample_weight,
        )


__all__ = ["Extraction", "NotAnalysable", "ParseFailure", "extract"]
