"""The abstract values the static interpreter computes for expressions.

Each value stands for what a Keras script object would be at run time, as far as the source
tells: a layer, a model, a loss, an array of labels … or ``UNKNOWN``. Node handles (``ref``) point
back into the parsed module so that positions are computed only for what gets reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from lossguard.facts import Activation, LabelEncoding, LossKind, MetricKind


class _Unknown:
    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(eq=False)
class Const:
    value: Any
    quotient: bool = False  # computed by a division (a count of batches when used as steps)


@dataclass(eq=False)
class SeqVal:
    items: list[Value]
    is_tuple: bool = False
    exact: bool = True  # False when an unknown number of items precede the known ones
    loop_depth: int = 0  # how many loops deep it was made (appends in deeper loops: unknown length)


@dataclass(eq=False)
class DictVal:
    items: dict[str, Value]


@dataclass(eq=False)
class ApiRef:
    """A name imported from a module: ``keras.layers.Dense``, ``numpy.eye``, …"""

    path: str


@dataclass(eq=False)
class LayerVal:
    kind: str  # class name, e.g. "Dense"
    ref: int
    units: int | None = None
    activation: Activation | None = None  # None: the layer has no activation of its own
    activation_ref: int | None = None
    name: str | None = None
    opaque: bool = False  # Lambda, custom layers: what it does is unknown
    activation_name: str | None = None  # as written: "relu", "tanh", …
    last_axis: int | None = None  # Reshape: the last axis of its target shape
    mask_zero: bool | None = None  # Embedding: mask_zero as written (False when not given)


@dataclass(eq=False)
class TensorVal:
    """A symbolic tensor of the functional API: the layer that made it and its input."""

    layer: LayerVal | ModelVal | None  # None: an Input or a tensor of unknown origin
    parent: TensorVal | None = None
    opaque: bool = False  # made by an op we do not follow (add, concatenate, …)
    of_model: ModelVal | None = None  # an input of this model (``model.inputs``)


@dataclass(eq=False)
class CompileVal:
    ref: int
    loss: Value
    loss_ref: int | None
    metrics: Value
    metrics_refs: list[int | None]
    loss_text: str = ""
    uncertain: bool = False
    # loss=/metrics=/weighted_metrics= written as a literal dict of literal keys: (param, the
    # keys, the dict's ref, each key's ref or None)
    keyed: list[tuple[str, tuple[str, ...], int, tuple[int | None, ...]]] = field(default_factory=list)
    metrics_written: bool = True  # metrics= a list literal (or no list) at the call, not a list's name


@dataclass(eq=False)
class ModelVal:
    kind: str  # "sequential", "functional", "pretrained", "subclassed", "loaded"
    ref: int
    layers: list[Value] = field(default_factory=list)
    outputs: list[TensorVal] | None = None
    output_names: list[str | None] | None = None
    outputs_dict: bool = False  # Model(inputs, {"a": …}): the dict's keys name the outputs
    compile: CompileVal | None = None
    var_name: str | None = None
    top_layer: LayerVal | None = None  # pretrained application with include_top=True
    fitted: bool = False
    wraps: ModelVal | None = None  # built on another model's own inputs (a multi-GPU wrapper)
    regressor: bool = False  # built by the build function of a KerasRegressor
    restored: bool = False  # load_weights() / set_weights(): weights from elsewhere, for inference
    predicted: bool = False  # predict() was called on it


@dataclass(eq=False)
class LossVal:
    kind: LossKind
    name: str
    ref: int
    from_logits: bool | None = False


@dataclass(eq=False)
class MetricVal:
    kind: MetricKind
    written: str
    ref: int
    log_name: str | None = None
    threshold: float | None = None
    from_logits: bool | None = None
    cls: str | None = None  # the metric class ("MeanIoU"), when one was built
    options: dict[str, Any] = field(default_factory=dict)  # keyword arguments given as literals
    given: frozenset[str] = frozenset()  # keywords given (literal or not), "#0" positional, "*" starred
    in_loop: bool = False  # built inside a loop (or a function called in one): auto-named auc_1, …


@dataclass(eq=False)
class CallbackVal:
    kind: str
    ref: int
    monitor: str | None = None
    monitor_explicit: bool = False
    mode: str = "auto"
    mode_explicit: bool = False
    monitor_ref: int | None = None
    mode_ref: int | None = None
    template_keys: tuple[str, ...] = ()  # ModelCheckpoint: the {keys} of its file name
    filepath: str | None = None
    filepath_ref: int | None = None


@dataclass(eq=False)
class LabelVal:
    """An array of training labels whose encoding we know."""

    encoding: LabelEncoding
    origin: str
    ref: int
    num_classes: int | None = None
    width: int | None = None
    wide_is_one_hot: bool = False  # LabelBinarizer of an unknown class count: one-hot if > 2 columns
    padding: float | None = None  # to_categorical of padded sequences: the padded steps' class


@dataclass(eq=False)
class ArrayVal:
    """An array (features, or labels of unknown encoding) with what we know of its shape."""

    ref: int
    shape: tuple[int | None, ...] | None = None
    fill: int | None = None  # np.zeros → 0, np.ones → 1: every value is that one
    continuous: bool = False  # real values (drawn at random, computed by arithmetic, a regression loader)
    origin: str | None = None  # how a message names where real values came from
    pixels: bool = False  # image intensities from a dataset loader (integers 0–255)
    low: float | None = None  # the values' known bounds (None: unknown; ±inf: unbounded)
    high: float | None = None
    distribution: bool = False  # rows of non-negative values divided by their own sum
    padding: float | None = None  # pad_sequences: the value short sequences were padded with
    # ``x + noise``: the code of the array random noise was added to (a denoising autoencoder
    # trains ``fit(x_noisy, x)``: its targets are its inputs, before the noise).
    noisy_copy_of: str | None = None


@dataclass(eq=False)
class StatisticVal:
    """``y.mean()``, ``y.sum(axis=1, keepdims=True)``: a statistic of an array, kept so that
    ``(y - y.mean()) / y.std()`` (values of both signs) and ``s / s.sum(axis=1, keepdims=True)``
    (rows that sum to 1) are recognised."""

    of: ArrayVal
    name: str
    per_row: bool = False  # over the last axis with keepdims=True: one value per row


@dataclass(eq=False)
class DataVal:
    """A data pipeline: generator, iterator, tf.data.Dataset; labels when we know them."""

    kind: str  # "iterator", "dataset"
    labels: LabelVal | None = None
    batch_size: int | None = None  # an iterator's own batch size, when written


@dataclass(eq=False)
class GeneratorFactoryVal:
    """An ``ImageDataGenerator`` (whose ``flow*`` methods make iterators)."""

    ref: int


@dataclass(eq=False)
class EyeVal:
    """``np.eye(n)``: indexing it with integer labels one-hot encodes them."""

    n: int | None


@dataclass(eq=False)
class CountVal:
    """A count of samples (``len(x_train)``, ``iterator.samples``)."""

    unit: str = "samples"


@dataclass(eq=False)
class QuotientVal:
    """The result of a division: a count of batches when used as steps; ``real`` when something
    unknown was divided by a number (``(y - 48) / 48``): real values when used as targets."""

    real: bool = False
    ref: int | None = None


@dataclass(eq=False)
class FuncVal:
    node: Any  # libcst.FunctionDef
    stmt: int
    called: bool = False
    is_method: bool = False
    globals_at_def: dict[str, Value] | None = None  # the module's bindings when it was defined
    origin: int = 0  # the module it was defined in (0: the checked file; see static/modules.py)
    regressor: bool = False  # given to KerasRegressor(build_fn=…): it builds regression models


@dataclass(eq=False)
class ClassVal:
    name: str
    is_model: bool
    is_data: bool = False
    node: Any = None  # libcst.ClassDef
    attrs: dict[str, Value] = field(default_factory=dict)  # class-level assignments (config defaults)
    stmt: int = 0  # the top-level statement of its module that defines it
    origin: int = 0  # the module it was defined in (0: the checked file)
    is_factory: bool = False  # keras-tuner's HyperModel: the tuner calls build(hp) on an instance


@dataclass(eq=False)
class InstanceVal:
    """An instance of a class defined in the file (attributes tracked on ``self``)."""

    cls: ClassVal
    attrs: dict[str, Value] = field(default_factory=dict)


@dataclass(eq=False)
class EncoderVal:
    """A scikit-learn label encoder (``OneHotEncoder()``, ``LabelEncoder()``, …)."""

    kind: str


@dataclass(eq=False)
class BunchVal:
    """A scikit-learn dataset Bunch: ``.data``, ``.target``."""

    fields: dict[str, Value]


@dataclass(eq=False)
class ParserVal:
    """An ``argparse.ArgumentParser``: its arguments' defaults by destination."""

    defaults: dict[str, Value]


@dataclass(eq=False)
class LazyImport:
    """A name imported from a project module, run only when the script first uses the name
    (most imported helpers — plotting, data loading — never matter to a model's facts)."""

    load: Any  # () -> Value
    _value: Any = None

    def resolve(self) -> Any:
        """The value, loaded once: every branch of the script sees the same one."""
        if self._value is None:
            self._value = self.load()
        return self._value


@dataclass(eq=False)
class ModuleVal:
    """A module of the project (``import model``): the globals it defined."""

    namespace: dict[str, Value]


@dataclass(eq=False)
class LambdaVal:
    node: Any  # libcst.Lambda


@dataclass(eq=False)
class MethodVal:
    obj: Value
    name: str


Value = Union[  # noqa: UP007
    _Unknown,
    Const,
    SeqVal,
    DictVal,
    ApiRef,
    LayerVal,
    TensorVal,
    CompileVal,
    ModelVal,
    LossVal,
    MetricVal,
    CallbackVal,
    LabelVal,
    ArrayVal,
    StatisticVal,
    DataVal,
    GeneratorFactoryVal,
    EyeVal,
    CountVal,
    QuotientVal,
    FuncVal,
    ClassVal,
    InstanceVal,
    LambdaVal,
    MethodVal,
    EncoderVal,
    BunchVal,
    ParserVal,
    ModuleVal,
    LazyImport,
]


def int_value(value: Value | None) -> int | None:
    if isinstance(value, Const) and isinstance(value.value, int) and not isinstance(value.value, bool):
        return value.value
    return None


def float_value(value: Value | None) -> float | None:
    if (
        isinstance(value, Const)
        and isinstance(value.value, int | float)
        and not isinstance(value.value, bool)
    ):
        return float(value.value)
    return None


def shape_of(value: Value | None) -> tuple[int | None, ...] | None:
    if isinstance(value, Const) and isinstance(value.value, int):
        return (value.value,)
    if isinstance(value, SeqVal) and value.exact:
        return tuple(int_value(item) for item in value.items)
    return None


def array_shape(value: LabelVal | ArrayVal) -> tuple[int | None, ...]:
    """What is known of an array's shape (rows first); () when nothing is."""
    if isinstance(value, ArrayVal):
        return value.shape or ()
    if value.width is not None:
        return (None, value.width)
    if value.encoding in (LabelEncoding.INTEGER, LabelEncoding.BINARY):
        return (None,)
    return ()


def label_bounds(value: LabelVal) -> tuple[float, float] | None:
    """The values an encoding holds: 0/1 for one-hot, multi-hot and binary labels, 0…k-1 for
    class ids of a known count."""
    if value.encoding in (LabelEncoding.ONE_HOT, LabelEncoding.MULTI_HOT, LabelEncoding.BINARY):
        return 0.0, 1.0
    if value.encoding is LabelEncoding.INTEGER and value.num_classes:
        return 0.0, float(value.num_classes - 1)
    return None


def as_label(value: Value | None) -> LabelVal | None:
    return value if isinstance(value, LabelVal) else None


def is_input(value: Value) -> bool:
    return isinstance(value, TensorVal) and value.layer is None and value.parent is None and not value.opaque
