"""Keras: models, layers, losses, metrics, callbacks, applications, label utilities and loaders."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import libcst as cst

from lossguard.facts import Activation, LabelEncoding, LossKind, MetricKind
from lossguard.keras import vocabulary as api
from lossguard.static.calls import Call
from lossguard.static.handlers.registry import attributes, function, methods
from lossguard.static.values import (
    UNKNOWN,
    ApiRef,
    ArrayVal,
    CallbackVal,
    Const,
    DataVal,
    DictVal,
    FuncVal,
    GeneratorFactoryVal,
    LabelVal,
    LayerVal,
    LossVal,
    MethodVal,
    MetricVal,
    ModelVal,
    SeqVal,
    TensorVal,
    Value,
    as_label,
    float_value,
    int_value,
    is_input,
)

if TYPE_CHECKING:
    from lossguard.static.interpreter import Interpreter

_MERGE_LAYERS = ("add", "concatenate", "average", "maximum", "multiply", "subtract", "dot")


# ----- models -------------------------------------------------------------------------------


@function("keras:*.Sequential")
def sequential(ev: Interpreter, call: Call) -> Value:
    args = call.args
    model = ModelVal("sequential", ev.ref(call.node))
    layers = args.get(0, "layers")
    if isinstance(layers, SeqVal):
        model.layers = [i for i in layers.items if not is_input(i)]
        if not layers.exact:
            model.layers.insert(0, UNKNOWN)
    elif layers is not None and not (isinstance(layers, Const) and layers.value is None):
        model.layers = [UNKNOWN]
    if args.has_star:
        model.layers = [UNKNOWN, *model.layers]
    return ev.record.model(model)


@function("keras:.Model", "keras:models.Model", "keras:.Functional", "keras:models.Functional")
def functional(ev: Interpreter, call: Call) -> Value:
    outputs = call.args.get(1, "outputs")
    if outputs is None:
        outputs = call.args.get(None, "output")  # Keras 1: Model(input=…, output=…)
    model = ModelVal("functional", ev.ref(call.node))
    model.wraps = _inputs_of(call.args.get(0, "inputs") or call.args.get(None, "input"))
    if isinstance(outputs, TensorVal):
        model.outputs = [outputs]
    elif isinstance(outputs, SeqVal) and outputs.exact:
        model.outputs = [
            o if isinstance(o, TensorVal) else TensorVal(None, opaque=True) for o in outputs.items
        ]
        model.output_names = [_tensor_name(o) for o in model.outputs]
    elif isinstance(outputs, DictVal):
        model.outputs = [
            o if isinstance(o, TensorVal) else TensorVal(None, opaque=True) for o in outputs.items.values()
        ]
        model.output_names = list(outputs.items.keys())
        model.outputs_dict = True
    return ev.record.model(model)


def _inputs_of(inputs: Value | None) -> ModelVal | None:
    """The model whose own inputs a new model is built on (``Model(model.inputs, …)``)."""
    tensors = inputs.items if isinstance(inputs, SeqVal) and inputs.exact else [inputs]
    owners = {id(t.of_model): t.of_model for t in tensors if isinstance(t, TensorVal)}
    if len(owners) != 1 or not all(isinstance(t, TensorVal) for t in tensors):
        return None
    return next(iter(owners.values()))


@function("keras:*.KerasRegressor", "scikeras.wrappers.KerasRegressor")
def keras_regressor(ev: Interpreter, call: Call) -> Value:
    """scikit-learn's wrapper for regressors: its build function makes regression models."""
    build = call.args.get(0, "build_fn") or call.args.get(None, "model")
    if isinstance(build, FuncVal):
        build.regressor = True
    return UNKNOWN


@function("keras:*.multi_gpu_model")
def multi_gpu_model(ev: Interpreter, call: Call) -> Value:
    """Keras 2's data-parallel wrapper: compiled and trained, it computes the model's outputs."""
    model = call.args.get(0, "model")
    return model if isinstance(model, ModelVal) else UNKNOWN


@function("keras:*.Input", "keras:*.InputLayer")
def model_input(ev: Interpreter, call: Call) -> Value:
    return TensorVal(None)


@function("keras:*.load_model")
def load_model(ev: Interpreter, call: Call) -> Value:
    return ev.record.model(ModelVal("loaded", ev.ref(call.node)))


@function("keras:applications.*")
def application(ev: Interpreter, call: Call) -> Value:
    sym = call.path.split(".")[-1]
    if not sym[:1].isupper():
        return UNKNOWN
    args = call.args
    ev.record.arguments(sym, args)
    model = ModelVal("pretrained", ev.ref(call.node))
    include_top = args.get(0, "include_top")
    if include_top is None:
        include_top = Const(True)
    if isinstance(include_top, Const) and include_top.value is True and not args.has_star:
        classes = args.get(None, "classes")
        units = 1000 if classes is None else int_value(classes)
        activation_value = args.get(None, "classifier_activation")
        activation = Activation.SOFTMAX if activation_value is None else activation_of(activation_value)
        model.top_layer = LayerVal(sym, model.ref, units, activation, name="predictions")
    return ev.record.model(model)


@methods(ModelVal)
def model_method(ev: Interpreter, model: ModelVal, name: str, call: Call) -> Value:
    args = call.args
    if name == "add":
        layer = args.get(0, "layer")
        if layer is not None and not is_input(layer):
            model.layers.append(layer)
        return Const(None)
    if name == "pop":
        if model.layers and model.layers[-1] is not UNKNOWN:
            model.layers.pop()
        else:
            model.layers = [UNKNOWN]
        return UNKNOWN
    if name == "compile":
        ev.record.compile(model, args, call.node)
        return Const(None)
    if name in ("fit", "fit_generator", "train_on_batch"):
        ev.record.fit(model, name, args, call.node)
        return UNKNOWN
    if name in ("load_weights", "set_weights"):
        model.restored = True  # weights from a file or another model: not trained here
    if name in ("predict", "predict_on_batch", "__call__"):
        model.predicted = True
    if name in ("evaluate", "predict", "summary", "save", "save_weights", "load_weights"):
        ev.record.arguments(name, args)
    return UNKNOWN


@attributes(ModelVal)
def model_attribute(ev: Interpreter, model: ModelVal, attr: str) -> Value:
    if attr == "output":
        return model_output(model)
    if attr == "outputs":
        return SeqVal([model_output(model)])
    if attr == "input":
        return TensorVal(None, of_model=model)
    if attr == "inputs":
        return SeqVal([TensorVal(None, of_model=model)])
    return MethodVal(model, attr)


def model_output(model: ModelVal) -> TensorVal:
    if model.kind == "functional" and model.outputs and len(model.outputs) == 1:
        return model.outputs[0]
    return TensorVal(model)


def apply_layer(layer: LayerVal | ModelVal, args: object) -> Value:
    """``Dense(10)(x)``: a functional tensor made by the layer from its input."""
    from lossguard.static.calls import Args

    assert isinstance(args, Args)
    parent = args.positional[0] if args.positional else args.keywords.get("inputs")
    if isinstance(parent, TensorVal):
        return TensorVal(layer, parent)
    if isinstance(parent, SeqVal):
        return TensorVal(layer, None, opaque=True)
    return TensorVal(layer, TensorVal(None))


# ----- layers -------------------------------------------------------------------------------


@function("keras:layers.*", *(f"keras:.{name}" for name in api.UNIT_LAYERS))
def layer(ev: Interpreter, call: Call) -> Value:
    sym, args = call.path.split(".")[-1], call.args
    ev.record.arguments(sym, args)
    ref = ev.ref(call.node)
    layer_name = args.get(None, "name")
    lname = layer_name.value if isinstance(layer_name, Const) and isinstance(layer_name.value, str) else None
    if sym in api.UNIT_LAYERS or sym in api.RECURRENT_LAYERS:
        param = api.UNIT_LAYERS.get(sym) or "units"
        units = int_value(args.get(0, param))
        if units is None:  # Keras 1 names: Dense(output_dim=…), Convolution2D(nb_filter=…)
            units = int_value(args.get(None, "output_dim" if param == "units" else "nb_filter"))
        default = Activation.OTHER if sym in api.RECURRENT_LAYERS else Activation.LINEAR
        index = 1 if sym == "Dense" else None
        activation_value = args.get(index, "activation")
        if activation_value is None:
            return LayerVal(sym, ref, units, Activation.UNKNOWN if args.has_star else default, None, lname)
        act_node = args.node(index, "activation")
        act_ref = ev.ref(act_node) if act_node is not None else None
        return LayerVal(
            sym,
            ref,
            units,
            activation_of(activation_value),
            act_ref,
            lname,
            activation_name=activation_name_of(activation_value),
        )
    if sym in api.ACTIVATION_LAYERS:
        fixed = api.ACTIVATION_LAYERS[sym]
        name = api.ACTIVATION_LAYER_NAMES.get(sym)
        if fixed is None:
            value = args.get(0, "activation")
            fixed = activation_of(value) if value is not None else Activation.UNKNOWN
            name = activation_name_of(value) if value is not None else None
        return LayerVal(
            "Activation" if sym == "Activation" else sym, ref, None, fixed, ref, lname, activation_name=name
        )
    if sym == "TimeDistributed":
        return _time_distributed(args.get(0, "layer"), lname, ref)
    if sym in ("Input", "InputLayer"):
        return TensorVal(None)
    if sym == "Reshape":
        target = args.get(0, "target_shape")
        shape = target.items if isinstance(target, SeqVal) and target.exact else None
        last = int_value(shape[-1]) if shape else None
        known = last if last is not None and last > 0 else None  # Reshape((-1,)): inferred by Keras
        return LayerVal(sym, ref, name=lname, last_axis=known)
    if sym in api.NEUTRAL_LAYERS or sym in api.RESCALING_LAYERS:
        return LayerVal(sym, ref, name=lname)
    if sym in _MERGE_LAYERS:
        return TensorVal(None, opaque=True)
    if sym == "Embedding":
        mask = args.get(None, "mask_zero")
        written = mask.value if isinstance(mask, Const) and isinstance(mask.value, bool) else None
        mask_zero = (False if not args.has_star else None) if mask is None else written
        return LayerVal(sym, ref, name=lname, opaque=True, mask_zero=mask_zero)
    return LayerVal(sym, ref, name=lname, opaque=True)


def _time_distributed(inner: Value | None, name: str | None, ref: int) -> LayerVal:
    """``TimeDistributed(Dense(3, activation="softmax"))``: the inner layer applied to every
    step, so the output means what the inner layer's does (a per-step head, as ``Dense`` on a
    sequence is). Keras names the output after the wrapper, never after the inner layer."""
    if not isinstance(inner, LayerVal) or inner.opaque:
        return LayerVal("TimeDistributed", ref, name=name, opaque=True)
    return replace(inner, name=name)


@attributes(LayerVal)
def layer_attribute(ev: Interpreter, obj: LayerVal, attr: str) -> Value:
    return MethodVal(obj, attr)


def activation_name_of(value: Value) -> str | None:
    """The activation's name as written — a string, or a function (``tf.nn.relu``,
    ``keras.activations.relu``) — for the rules that name it."""
    if isinstance(value, Const) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ApiRef) and activation_of(value) is not Activation.UNKNOWN:
        return value.path.rsplit(".", 1)[-1]
    return None


def activation_of(value: Value) -> Activation:
    if isinstance(value, Const):
        if value.value is None:
            return Activation.LINEAR
        if isinstance(value.value, str):
            return api.activation_from_name(value.value)
        return Activation.UNKNOWN
    if isinstance(value, ApiRef):
        parts = value.path.split(".")
        if len(parts) >= 2 and (parts[-2] in api.ACTIVATION_FUNCTION_MODULES or parts[0] == "tensorflow"):
            return api.activation_from_name(parts[-1])
        return Activation.UNKNOWN
    if isinstance(value, LayerVal) and value.activation is not None:
        return value.activation
    return Activation.UNKNOWN


@function("keras:activations.softmax", "keras:activations.sigmoid", "keras:ops.softmax", "keras:ops.sigmoid")
def activation_function(ev: Interpreter, call: Call) -> Value:
    from lossguard.static.handlers.tensorflow import apply_activation

    return apply_activation(ev, call)


# ----- losses, metrics, callbacks ----------------------------------------------------------


def _args_text(ev: Interpreter, node: cst.Call) -> str:
    return ", ".join(ev.text(a, 40) for a in node.args)


@function("keras:losses.*")
def loss(ev: Interpreter, call: Call) -> Value:
    sym, args = call.path.split(".")[-1], call.args
    ev.record.arguments(sym, args)
    kind = api.loss_kind_from_name(sym)
    if kind is LossKind.UNKNOWN or not sym[:1].isupper():
        return UNKNOWN  # not a loss class (calling the loss function itself, inside a custom loss)
    logits_value = args.get(0, "from_logits")
    from_logits: bool | None
    if logits_value is None:
        from_logits = None if args.has_star else False
    elif isinstance(logits_value, Const) and isinstance(logits_value.value, bool):
        from_logits = logits_value.value
    else:
        from_logits = None
    return LossVal(kind, f"{sym}({_args_text(ev, call.node)})", ev.ref(call.node), from_logits)


@function("keras:metrics.*")
def metric(ev: Interpreter, call: Call) -> Value:
    sym, args = call.path.split(".")[-1], call.args
    ev.record.arguments(sym, args)
    if not sym[:1].isupper():
        return UNKNOWN
    kind = api.metric_kind_from_name(sym)
    name_value = args.get(None, "name")
    log_name: str | None
    if name_value is None:
        log_name = None if args.has_star else api.metric_name(sym)
    elif isinstance(name_value, Const) and isinstance(name_value.value, str):
        log_name = name_value.value
    else:
        log_name = None
    threshold: float | None = None
    if kind is MetricKind.BINARY_ACCURACY:
        value = args.get(2, "threshold")
        threshold = _threshold(value)
    elif kind in (MetricKind.PRECISION, MetricKind.RECALL):
        threshold = _threshold(args.get(0, "thresholds"))
    from_logits: bool | None = None
    if kind is MetricKind.AUC:
        value = args.get(None, "from_logits")
        from_logits = bool(value.value) if isinstance(value, Const) else (False if value is None else None)
    if sym == "Accuracy":
        kind = MetricKind.OTHER  # exact-match accuracy, not the bare 'accuracy' string
    text = f"{sym}({_args_text(ev, call.node)})"
    options = {k: v.value for k, v in args.keywords.items() if isinstance(v, Const)}
    return MetricVal(
        kind,
        text,
        ev.ref(call.node),
        log_name,
        threshold,
        from_logits,
        cls=sym,
        options=options,
        given=frozenset(args.keywords)
        | frozenset(f"#{i}" for i in range(len(args.positional)))
        | ({"*"} if args.has_star else set()),
        in_loop=ev.loop_depth > 0,
    )


def _threshold(value: Value | None) -> float | None:
    """The threshold given (None: the default); NaN when given but not a known number."""
    if value is None:
        return None
    number = float_value(value)
    return number if number is not None else float("nan")


def template_keys(filepath: str) -> tuple[str, ...]:
    """The logged keys a ModelCheckpoint file name is formatted with (``{val_acc:.2f}``)."""
    import string

    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(filepath) if name]
    except ValueError:
        return ()
    return tuple(dict.fromkeys(f for f in fields if f not in ("epoch", "batch") and f.isidentifier()))


@function("keras:callbacks.*")
def callback(ev: Interpreter, call: Call) -> Value:
    sym, args = call.path.split(".")[-1], call.args
    ev.record.arguments(sym, args)
    index = {"EarlyStopping": 0, "ReduceLROnPlateau": 0, "ModelCheckpoint": 1}.get(sym)
    made = CallbackVal(sym, ev.ref(call.node))
    if index is None:
        return made
    if sym == "ModelCheckpoint":
        path = args.get(0, "filepath")
        if isinstance(path, Const) and isinstance(path.value, str):
            made.template_keys = template_keys(path.value)
            made.filepath = path.value
            path_node = args.node(0, "filepath")
            made.filepath_ref = ev.ref(path_node) if path_node is not None else None
        best_only = args.get(3, "save_best_only")
        if not (isinstance(best_only, Const) and best_only.value is True):
            if made.template_keys:
                made.monitor = "loss"  # its file name reads logged keys: they must exist
                made.monitor_explicit = False
            return made  # saves every epoch: its monitor is never consulted
    monitor = args.get(index, "monitor")
    if monitor is None:
        made.monitor = None if args.has_star else "val_loss"
    elif isinstance(monitor, Const) and isinstance(monitor.value, str):
        made.monitor = monitor.value
        made.monitor_explicit = True
        made.monitor_ref = ev.ref(args.node(index, "monitor"))  # type: ignore[arg-type]
    mode = args.get(None, "mode")
    if isinstance(mode, Const) and isinstance(mode.value, str):
        made.mode = mode.value
        made.mode_explicit = True
        made.mode_ref = ev.ref(args.node(None, "mode"))  # type: ignore[arg-type]
    elif mode is not None or args.has_star:
        made.mode = "?"
    return made


# ----- labels and data ----------------------------------------------------------------------


@function("keras:*.to_categorical")
def to_categorical(ev: Interpreter, call: Call) -> Value:
    classes = call.args.get(1, "num_classes")
    n = classes.value if isinstance(classes, Const) and isinstance(classes.value, int) else None
    origin = f"to_categorical(…, {n})" if n is not None else "to_categorical(…)"
    ids = call.args.get(0, "y")
    # pad_sequences(tags) one-hot encoded: every padded step is a row of the padding class
    padded = ids.padding if isinstance(ids, ArrayVal) else None
    if isinstance(ids, ArrayVal) and padded is not None and padded.is_integer() and padded >= 0:
        origin = f"to_categorical of {ids.origin or 'padded sequences'}"
        return LabelVal(LabelEncoding.ONE_HOT, origin, ev.ref(call.node), n, n, padding=padded)
    return LabelVal(LabelEncoding.ONE_HOT, origin, ev.ref(call.node), n, n)


@function("keras:*.pad_sequences")
def pad_sequences(ev: Interpreter, call: Call) -> Value:
    """Sequences padded to one length: with ``value`` (0 unless written) at the padded steps."""
    value = call.args.get(5, "value")
    padding = 0.0 if value is None and not call.args.has_star else float_value(value)
    length = int_value(call.args.get(1, "maxlen"))
    return ArrayVal(ev.ref(call.node), (None, length), origin="pad_sequences(…)", padding=padding)


@function(
    "keras:*.image_dataset_from_directory",
    "keras:*.text_dataset_from_directory",
    "keras:*.audio_dataset_from_directory",
)
def directory_dataset(ev: Interpreter, call: Call) -> Value:
    sym, args = call.path.split(".")[-1], call.args
    ev.record.arguments(sym, args)
    mode = args.get(None, "label_mode")
    if mode is None:
        mode = Const("int")
    class_names = args.get(None, "class_names")
    classes = len(class_names.items) if isinstance(class_names, SeqVal) and class_names.exact else None
    return DataVal("dataset", label_from_mode(ev, mode, f"{sym}(label_mode=…)", call.node, classes))


@function("keras:*.ImageDataGenerator")
def image_data_generator(ev: Interpreter, call: Call) -> Value:
    return GeneratorFactoryVal(ev.ref(call.node))


@methods(GeneratorFactoryVal)
def generator_method(ev: Interpreter, obj: GeneratorFactoryVal, name: str, call: Call) -> Value:
    args = call.args
    if name in ("flow_from_directory", "flow_from_dataframe"):
        ev.record.arguments(name, args)
        mode = args.get(None, "class_mode")
        if mode is None:
            mode = Const("categorical")
        classes_value = args.get(None, "classes")
        classes = None
        if isinstance(classes_value, SeqVal) and classes_value.exact:
            classes = len(classes_value.items)
        labels = label_from_mode(ev, mode, f"{name}(class_mode=…)", call.node, classes)
        return DataVal("iterator", labels, int_value(args.get(None, "batch_size")))
    if name == "flow":
        ev.record.arguments(name, args)
        return DataVal("iterator", as_label(args.get(1, "y")), int_value(args.get(2, "batch_size")))
    return UNKNOWN


@attributes(GeneratorFactoryVal)
def generator_attribute(ev: Interpreter, obj: GeneratorFactoryVal, attr: str) -> Value:
    return MethodVal(obj, attr)


@methods(type(UNKNOWN))
def unknown_method(ev: Interpreter, obj: object, name: str, call: Call) -> Value:
    """A method of something unknown: read the literal arguments the LG04x rules check."""
    if name in ("fit", "fit_generator", "flow_from_directory", "flow_from_dataframe"):
        ev.record.arguments(
            name, call.args, only=("shuffle", "class_weight", "verbose", "use_multiprocessing")
        )
    return UNKNOWN


def label_from_mode(
    ev: Interpreter, mode: Value, origin: str, node: cst.Call, classes: int | None
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
    return LabelVal(encoding, origin, ev.ref(node), classes, width)


@function("keras:datasets.load_data")
def load_dataset(ev: Interpreter, call: Call) -> Value:
    dataset = call.path.split(".")[-2]
    if dataset in api.REGRESSION_DATASETS and not call.args.has_star:
        low, high = api.REGRESSION_DATASETS[dataset]

        def regression_pair() -> SeqVal:
            origin = f"{dataset}.load_data()"
            labels = ArrayVal(ev.ref(call.node), continuous=True, origin=origin, low=low, high=high)
            return SeqVal([ArrayVal(ev.ref(call.node)), labels], True)

        return SeqVal([regression_pair(), regression_pair()], True)
    classes = api.DATASETS.get(dataset)
    if classes is None or call.args.has_star:
        return UNKNOWN
    if dataset == "cifar100":
        mode = call.args.get(0, "label_mode")
        if mode is not None:
            if not isinstance(mode, Const) or mode.value not in ("fine", "coarse"):
                return UNKNOWN
            classes = 20 if mode.value == "coarse" else 100
    encoding = LabelEncoding.BINARY if classes == 2 else LabelEncoding.INTEGER

    images = dataset in api.IMAGE_DATASETS

    def pair() -> SeqVal:
        labels = LabelVal(encoding, f"{dataset}.load_data()", ev.ref(call.node), classes)
        return SeqVal([ArrayVal(ev.ref(call.node), pixels=images), labels], True)

    return SeqVal([pair(), pair()], True)


def _tensor_name(tensor: TensorVal) -> str | None:
    return tensor.layer.name if isinstance(tensor.layer, LayerVal) else None


def data_instance() -> Value:
    """An instance of a ``keras.utils.Sequence`` / ``PyDataset`` subclass: a data iterator."""
    return DataVal("iterator")
