"""What the extractor records while it runs a script: models, compiles, fits, flagged arguments.

The positional parameters of ``fit``/``fit_generator``/``train_on_batch`` come from the one
signature table in ``lossguard.keras.signatures`` that the probe uses too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from lossguard.facts import StepsUnit
from lossguard.keras import signatures
from lossguard.keras import vocabulary as api
from lossguard.static.calls import Args
from lossguard.static.values import (
    UNKNOWN,
    ArrayVal,
    CallbackVal,
    CompileVal,
    Const,
    CountVal,
    DictVal,
    ModelVal,
    QuotientVal,
    SeqVal,
    TensorVal,
    Value,
)


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
    targets_are_inputs: bool = False
    class_weight_ref: int | None = None  # a mapping given as class_weight= (not a string)
    sample_weight: bool = False  # sample_weight= given (or arguments unpacked: it may be)
    denoising: bool = False  # fit(x + noise, x)


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


def _written_literally(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.SimpleString | cst.ConcatenatedString)


@dataclass
class Recorder:
    ref: Callable[[cst.CSTNode], int]
    text: Callable[[cst.CSTNode], str]
    models: list[ModelVal] = field(default_factory=list)
    fits: list[FitEvent] = field(default_factory=list)
    call_args: list[CallArg] = field(default_factory=list)
    steps: list[StepsArg] = field(default_factory=list)

    scored: tuple[str, int] | None = None  # a regression score the script computes (r2_score, ref)

    def regression_score(self, name: str, ref: int) -> None:
        if self.scored is None:
            self.scored = (name, ref)

    regressor_depth: int = 0  # running a KerasRegressor's build function
    expecting_error: int = 0  # inside ``with assertRaises(…)``: nothing there is recorded

    def model(self, model: ModelVal) -> ModelVal:
        model.regressor = self.regressor_depth > 0
        self.models.append(model)
        return model

    def compile(self, model: ModelVal, args: Args, node: cst.Call) -> None:
        if self.expecting_error:
            return
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
        written = isinstance(metrics_node, cst.List | cst.Tuple) or not isinstance(metrics, SeqVal)
        model.compile = CompileVal(
            self.ref(node), loss, loss_ref, metrics, metric_refs, loss_text, metrics_written=written
        )
        for param, index in (("loss", 1), ("metrics", None), ("weighted_metrics", None)):
            keyed = self.keyed(args.get(index, param), args.node(index, param))
            if keyed is not None:
                model.compile.keyed.append((param, *keyed))

    def noisy_copy(self, x: Value | None, y: cst.CSTNode | None) -> bool:
        """``fit(x_noisy, x)`` where ``x_noisy = x + noise`` (clipped or not): a denoising
        autoencoder, whose targets are its inputs before the noise."""
        if not isinstance(x, ArrayVal) or x.noisy_copy_of is None:
            return False
        if not isinstance(y, cst.Name | cst.Attribute | cst.Subscript) or _calls(y):
            return False
        return self.text(y) == x.noisy_copy_of

    def keyed(
        self, value: Value | None, node: cst.CSTNode | None
    ) -> tuple[tuple[str, ...], int, tuple[int | None, ...]] | None:
        """A dict written in the call itself, every key a known string: its keys and their refs.
        A dict held in a variable may have been changed since (``d["a"] = …``): not read."""
        if not isinstance(value, DictVal) or not isinstance(node, cst.Dict):
            return None
        if not all(isinstance(e, cst.DictElement) for e in node.elements):
            return None
        refs: dict[str, int] = {}
        for element in node.elements:
            assert isinstance(element, cst.DictElement)
            key = element.key
            if isinstance(key, cst.SimpleString) and isinstance(key.evaluated_value, str):
                refs.setdefault(key.evaluated_value, self.ref(key))
        keys = tuple(value.items)
        return keys, self.ref(node), tuple(refs.get(k) for k in keys)

    def fit(self, model: ModelVal, method: str, args: Args, node: cst.Call) -> None:
        if self.expecting_error:
            return
        model.fitted = True
        self.arguments(method, args)

        def get(param: str) -> Value | None:
            if not signatures.accepts(method, param):
                return None
            return args.get(signatures.position(method, param), param)

        x = get("generator") if method == "fit_generator" else get("x")
        validation_data = get("validation_data")
        validation_split = get("validation_split")
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
        callbacks_value = get("callbacks")
        callbacks: list[CallbackVal] = []
        if isinstance(callbacks_value, SeqVal):
            callbacks = [c for c in callbacks_value.items if isinstance(c, CallbackVal)]
        elif isinstance(callbacks_value, CallbackVal):
            callbacks = [callbacks_value]
        for param in ("steps_per_epoch", "validation_steps"):
            if not signatures.accepts(method, param):
                continue
            index = signatures.position(method, param)
            steps_node = args.node(index, param)
            if steps_node is None:
                continue
            unit = steps_unit(steps_node, args.get(index, param))
            self.steps.append(StepsArg(param, unit, self.text(steps_node), self.ref(steps_node)))
        y = get("y")
        x_node, y_node = (args.node(signatures.position(method, p), p) for p in ("x", "y"))
        weights = get("class_weight")
        weights_node = args.node(signatures.position(method, "class_weight"), "class_weight")
        mapping = weights is not None and not (
            isinstance(weights, Const) and not isinstance(weights.value, dict)
        )
        denoising = method == "fit" and self.noisy_copy(x, y_node)
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
                method == "fit" and (same_data(x_node, y_node) or denoising),
                self.ref(weights_node) if mapping and weights_node is not None else None,
                args.has_star or get("sample_weight") is not None,
                denoising,
            )
        )

    def arguments(self, callee: str, args: Args, only: tuple[str, ...] | None = None) -> None:
        """Keyword arguments the LG04x rules read: strings given for bools/ints, class_weight."""
        if self.expecting_error:
            return
        for param, value in args.keywords.items():
            if only is not None and param not in only:
                continue
            if param not in api.BOOL_PARAMS and param not in api.INT_PARAMS and param != "class_weight":
                continue
            if not isinstance(value, Const):
                continue
            arg_node = args.nodes[param]
            if isinstance(value.value, str) and not _written_literally(arg_node):
                continue  # a string passed through a variable: its literal is elsewhere
            self.call_args.append(
                CallArg(callee, param, value.value, self.text(arg_node), self.ref(arg_node))
            )


def same_data(x: cst.CSTNode | None, y: cst.CSTNode | None) -> bool:
    """``fit(x_train, x_train)``: the targets are the inputs (an autoencoder). The same name,
    attribute or subscript written twice in one call, so the same array; a call could differ."""
    if not isinstance(x, cst.Name | cst.Attribute | cst.Subscript) or not y:
        return False
    return not _calls(x) and x.deep_equals(y)


def _calls(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Call) or any(_calls(child) for child in node.children)


def steps_unit(node: cst.CSTNode, value: Value | None) -> StepsUnit:
    if isinstance(value, CountVal):
        return StepsUnit.SAMPLES
    if isinstance(value, QuotientVal) or (isinstance(value, Const) and value.quotient):
        return StepsUnit.BATCHES
    return StepsUnit.UNKNOWN  # never from a name: 'resampled_batches' is no count of samples
