"""The fact model: what a training script sets up, as plain frozen dataclasses.

Both fact sources (the static extractor and the runtime probe) produce these, and the rules read
only these. ``None`` and the ``UNKNOWN`` enum members mean "not known": a rule that needs an
unknown fact stays silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Source(StrEnum):
    STATIC = "static"
    RUNTIME = "runtime"
    BOTH = "both"


class Activation(StrEnum):
    SOFTMAX = "softmax"
    SIGMOID = "sigmoid"
    LINEAR = "linear"
    OTHER = "other"
    UNKNOWN = "unknown"

    @property
    def is_probability(self) -> bool:
        return self in (Activation.SOFTMAX, Activation.SIGMOID)


class LossKind(StrEnum):
    BINARY_CE = "binary_crossentropy"
    CATEGORICAL_CE = "categorical_crossentropy"
    SPARSE_CATEGORICAL_CE = "sparse_categorical_crossentropy"
    AUTO_CE = "crossentropy"  # Keras 3 resolves "crossentropy"/"ce" from shapes
    REGRESSION = "regression"
    OTHER = "other"
    UNKNOWN = "unknown"

    @property
    def is_crossentropy(self) -> bool:
        return self in (
            LossKind.BINARY_CE,
            LossKind.CATEGORICAL_CE,
            LossKind.SPARSE_CATEGORICAL_CE,
        )


class MetricKind(StrEnum):
    ACCURACY = "accuracy"  # bare 'accuracy' / 'acc': resolved by Keras
    BINARY_ACCURACY = "binary_accuracy"
    CATEGORICAL_ACCURACY = "categorical_accuracy"
    SPARSE_CATEGORICAL_ACCURACY = "sparse_categorical_accuracy"
    TOP_K = "top_k_categorical_accuracy"
    PRECISION = "precision"
    RECALL = "recall"
    AUC = "auc"
    REGRESSION = "regression"
    OTHER = "other"
    UNKNOWN = "unknown"


class LabelEncoding(StrEnum):
    ONE_HOT = "one-hot"
    INTEGER = "integer"
    BINARY = "binary"
    MULTI_HOT = "multi-hot"
    CONTINUOUS = "continuous"  # real-valued targets: a regression
    UNKNOWN = "unknown"


class StepsUnit(StrEnum):
    SAMPLES = "samples"
    BATCHES = "batches"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Location:
    """A place in a checked file. Lines and columns are 1-based.

    Static facts may carry only ``ref``, a handle the extractor resolves to a line and column
    once a finding is reported there (positions are costly in libcst, so they are computed
    lazily, only for what is reported). In a notebook the engine adds the code cell and the
    line within it; ``line`` stays the line of the flattened notebook source.
    """

    path: str
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    ref: int | None = None
    cell: int | None = None
    cell_line: int | None = None

    @property
    def resolved(self) -> bool:
        return self.line > 0

    def where(self, seen_from: str | None = None) -> str:
        """'line 12', or 'cell 3, line 2' in a notebook: how a message names this place; a place
        in another file than ``seen_from`` (a model imported from the project) names that file."""
        if self.cell is not None:
            return f"cell {self.cell}, line {self.cell_line}"
        if not self.resolved:
            return "an unknown line"
        if seen_from is not None and self.path != seen_from:
            return f"line {self.line} of {self.path}"
        return f"line {self.line}"


@dataclass(frozen=True)
class OutputHead:
    """The layer that produces a model output, and what comes after its activation."""

    units: int | None
    activation: Activation
    layer: str  # e.g. "Dense", "InceptionV3"
    location: Location
    source: Source = Source.STATIC
    activation_location: Location | None = None
    after: tuple[str, ...] = ()  # value-changing layers after the softmax/sigmoid
    after_location: Location | None = None
    output_name: str | None = None
    activation_name: str | None = None  # as written, for activations of kind OTHER ("relu")
    reshaped: bool = False  # shape layers (Reshape, Flatten, Permute) follow the activation
    output_axis: int | None = None  # then: the size of the model output's last axis, if known

    @property
    def output_units(self) -> int | None:
        """The size of the output's last axis, which Keras' shape-based choices read: the
        units, unless a Reshape after the activation changed it (Dense(784) → (28, 28, 1))."""
        return self.output_axis if self.reshaped else self.units

    def describe(self) -> str:
        units = "?" if self.units is None else str(self.units)
        act = self.activation.value if self.activation is not Activation.UNKNOWN else "?"
        if self.activation is Activation.OTHER and self.activation_name:
            act = self.activation_name
        return f"{self.layer}({units}, {act})"


@dataclass(frozen=True)
class LossSpec:
    kind: LossKind
    name: str  # as written, e.g. "binary_crossentropy" or "BinaryCrossentropy(from_logits=True)"
    location: Location
    from_logits: bool | None = False
    source: Source = Source.STATIC
    wrapper: str | None = None  # a function of the script that only wraps this built-in loss
    position: int | None = None  # its index in a loss list (Keras pairs it with that output)


@dataclass(frozen=True)
class MetricSpec:
    kind: MetricKind
    written: str  # as written: "accuracy", "BinaryAccuracy()", …
    location: Location
    log_name: str | None = None  # the history key without "val_"; None when unknown
    threshold: float | None = None  # explicit threshold, if any
    from_logits: bool | None = None
    resolved: str | None = None  # runtime: the metric class Keras actually built
    source: Source = Source.STATIC
    cls: str | None = None  # the metric class written ("MeanIoU"); None for a string or function
    options: tuple[tuple[str, object], ...] = ()  # its keyword arguments given as literals
    given: frozenset[str] = frozenset()  # keywords given (literal or not), "#0" positional, "*" starred
    in_loop: bool = False  # built in a loop: Keras names the second one 'auc_1'
    # The location is the metric as written in compile()'s own list (or argument): an edit
    # there changes this model's metric alone. False for a metric of a list held in a variable
    # (reported where it was built, but the definition may serve other models too).
    fixable: bool = True

    def option(self, name: str, default: object = None) -> object:
        return dict(self.options).get(name, default)


@dataclass(frozen=True)
class LabelSpec:
    encoding: LabelEncoding
    origin: str  # e.g. "to_categorical(y, 10)", "flow_from_directory(class_mode='categorical')"
    location: Location
    num_classes: int | None = None
    width: int | None = None  # size of the last label axis when labels are 2-D
    min_value: float | None = None  # runtime: the smallest label value seen
    max_value: float | None = None
    synthetic: bool = False  # runtime: made up by the probe because the data was missing
    source: Source = Source.STATIC
    wide_is_one_hot: bool = False  # LabelBinarizer of an unknown class count: one-hot if > 2 columns
    constant: bool = False  # np.zeros / np.ones: every label is the same value
    distribution: bool = False  # rows of non-negative values that sum to 1 (soft labels)
    padding: float | None = None  # sequences padded (pad_sequences) with this value
    rank: int | None = None  # the labels' number of axes, where the code writes their shape

    def one_hot_for(self, units: int | None) -> bool:
        """One-hot rows as far as an output of ``units`` units trained on them can tell."""
        if self.encoding is LabelEncoding.ONE_HOT:
            return True
        return self.wide_is_one_hot and units is not None and units > 2


@dataclass(frozen=True)
class CallbackSpec:
    kind: str  # "EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau"
    monitor: str
    mode: str
    location: Location
    monitor_explicit: bool = True
    mode_explicit: bool = False
    source: Source = Source.STATIC
    monitor_location: Location | None = None  # the literal written for monitor= (static only)
    mode_location: Location | None = None  # the literal written for mode=
    template_keys: tuple[str, ...] = ()  # ModelCheckpoint: the {keys} its file name is formatted with
    filepath_location: Location | None = None
    filepath: str | None = None  # the file name as written (static only)


@dataclass(frozen=True)
class KeyedArgument:
    """A compile argument written as a literal dict keyed by output name (``loss={…}``,
    ``metrics={…}``): Keras looks each key up among the model's output names."""

    param: str  # "loss", "metrics", "weighted_metrics"
    keys: tuple[str, ...]  # as written, in order
    location: Location  # the dict
    key_locations: tuple[Location, ...]  # each key (the dict's place where a key has none of its own)


@dataclass(frozen=True)
class StepsArgument:
    param: str  # "steps_per_epoch" or "validation_steps"
    unit: StepsUnit
    text: str  # the expression as written
    location: Location


@dataclass(frozen=True)
class FitSpec:
    method: str  # "fit", "fit_generator", "train_on_batch"
    location: Location
    has_validation: bool | None = None
    callbacks: tuple[CallbackSpec, ...] = ()
    source: Source = Source.STATIC
    targets_are_inputs: bool = False  # fit(x, x): an autoencoder reconstructs its inputs
    denoising: bool = False  # fit(x + noise, x): they are its inputs before noise was added
    class_weight: Location | None = None  # where class_weight= (a mapping, not a string) was given
    sample_weight: bool = False  # sample_weight= given (or possibly, through **kwargs)


@dataclass(frozen=True)
class CallArgument:
    """A literal argument given to a Keras API call (for LG040/LG041-style checks)."""

    callee: str  # "fit", "flow_from_directory", …
    param: str
    value: str | int | float | bool | None
    text: str  # the argument as written
    location: Location


@dataclass(frozen=True)
class RuntimeObservation:
    """What the probe saw on one real (or synthetic) batch."""

    output_min: float | None = None
    output_max: float | None = None
    output_row_sum_max_error: float | None = None  # |sum(row) - 1| for softmax-like rows
    loss_value: float | None = None
    loss_error: str | None = None
    synthetic_batch: bool = False
    device: str | None = None
    input_non_finite: bool = False  # NaN or inf in the features or labels given to fit()


@dataclass(frozen=True)
class KerasTarget:
    """The Keras semantics the script is checked against (see lossguard.keras.semantics)."""

    line: str  # "keras2", "tf.keras", "keras3"
    version: tuple[int, ...]
    label: str  # human form, e.g. "Keras 2.2.4", "Keras 3"
    assumed: bool = False  # not said by the user (--keras-version, config): installed or a guess
    uncertain: bool = False  # not said, and the script's clues leave several eras possible
    # The eras (keras/eras.py) the script may run on when the clues leave several; empty: the
    # one era of ``line``/``version``.
    eras: frozenset[str] = frozenset()
    evidence: tuple[str, ...] = ()  # the clues in the script that chose the eras
    guessed: bool = False  # nothing named, nothing installed: Keras 3 is only a guess
    clue_eras: frozenset[str] = frozenset()  # the eras the script's own clues allow (empty: no clue)
    pinned: bool = False  # the project's requirements pin it (pipeline/pins.py)


@dataclass(frozen=True)
class TrainingSetup:
    """One model output with its compile and fit: the unit every rule looks at."""

    path: str
    model_name: str | None
    keras: KerasTarget
    head: OutputHead | None = None
    loss: LossSpec | None = None
    metrics: tuple[MetricSpec, ...] | None = None  # None: unknown
    labels: LabelSpec | None = None
    fit: FitSpec | None = None
    output_count: int | None = 1
    compile_location: Location | None = None
    observation: RuntimeObservation | None = None
    source: Source = Source.STATIC
    keras_alias: str | None = None  # how the script names the keras module ("keras", "tf.keras")
    regression_score: str | None = None  # the script scores predictions with r2_score() & co.
    masks_padding: bool | None = None  # the layers mask padded steps (Embedding(mask_zero=True))
    # The names Keras keys per-output dicts by (a functional model's output layers, in order),
    # when every one is written; None when any is not, or the outputs are a dict of their own.
    output_names: tuple[str, ...] | None = None
    keyed: tuple[KeyedArgument, ...] = ()  # the compile arguments written as dicts keyed by output

    @property
    def reconstructs_inputs(self) -> bool:
        """fit(x, x): an autoencoder, whose targets are its inputs, not classes."""
        return self.fit is not None and self.fit.targets_are_inputs

    @property
    def sparse_loss(self) -> bool:
        """Sparse categorical cross-entropy: the labels are class ids (per sample, pixel or step)."""
        return self.loss is not None and self.loss.kind is LossKind.SPARSE_CATEGORICAL_CE

    @property
    def reconstruction(self) -> str:
        """How a message names the reconstruction: a plain or a denoising autoencoder's fit."""
        return "fit(x + noise, x)" if self.fit is not None and self.fit.denoising else "fit(x, x)"


@dataclass(frozen=True)
class ModuleFacts:
    """Everything the static extractor (or the probe) learned about one file."""

    path: str
    setups: tuple[TrainingSetup, ...] = ()
    call_arguments: tuple[CallArgument, ...] = ()
    steps: tuple[StepsArgument, ...] = ()
    keras: KerasTarget | None = None
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Diagnostic:
    """A fact source's own report (the probe could not reach fit(), …), shown as a tool code."""

    code: str  # a tool code: LG900–LG902
    message: str
    location: Location
    fix: str | None = None


@dataclass(frozen=True)
class Observed:
    """What one fact source learned about one file: facts, and diagnostics where it could not.

    ``unexplained`` is a diagnostic to report only when no rule explains it (a training step
    that failed because of a mismatch a rule already names).
    """

    facts: ModuleFacts | None
    diagnostics: tuple[Diagnostic, ...] = ()
    unexplained: Diagnostic | None = None
