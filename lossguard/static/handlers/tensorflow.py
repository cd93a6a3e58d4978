"""TensorFlow outside Keras: ``tf.one_hot``, ``tf.nn.softmax``, ``tf.data`` pipelines, ``tfds.load``,
TF 1's tutorial MNIST reader."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lossguard.facts import LabelEncoding
from lossguard.keras.vocabulary import activation_from_name
from lossguard.static.calls import Args, Call
from lossguard.static.handlers.registry import attributes, function, methods
from lossguard.static.values import (
    UNKNOWN,
    ArrayVal,
    Const,
    CountVal,
    DataVal,
    LabelVal,
    LayerVal,
    MethodVal,
    QuotientVal,
    SeqVal,
    TensorVal,
    Value,
    as_label,
    shape_of,
)

if TYPE_CHECKING:
    from lossguard.static.interpreter import Interpreter

# Methods of a data pipeline that keep its labels.
_KEEPS_LABELS = {
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
}


@function("tensorflow.one_hot")
def one_hot(ev: Interpreter, call: Call) -> Value:
    depth = call.args.get(1, "depth")
    n = depth.value if isinstance(depth, Const) and isinstance(depth.value, int) else None
    return LabelVal(LabelEncoding.ONE_HOT, f"tf.one_hot(…, {n})", ev.ref(call.node), n, n)


def apply_activation(ev: Interpreter, call: Call) -> Value:
    """``tf.nn.softmax(x)`` and friends on a functional tensor: an activation layer."""
    tensor = call.args.positional[0] if call.args.positional else None
    if isinstance(tensor, TensorVal):
        name = call.path.split(".")[-1]
        layer = LayerVal("Activation", ev.ref(call.node), activation=activation_from_name(name))
        return TensorVal(layer, tensor)
    return UNKNOWN


for _name in ("softmax", "sigmoid"):
    for _module in ("tensorflow.nn", "tensorflow.math", "tensorflow"):
        function(f"{_module}.{_name}")(apply_activation)


@function("tensorflow.random.normal", "tensorflow.random.uniform", "tensorflow.random.truncated_normal")
def random_reals(ev: Interpreter, call: Call) -> Value:
    origin = f"tf.random.{call.path.rsplit('.', 1)[-1]}(…)"
    return ArrayVal(ev.ref(call.node), shape_of(call.args.get(0, "shape")), continuous=True, origin=origin)


@function("tensorflow.data.Dataset.from_tensor_slices", "tensorflow.data.Dataset.from_tensors")
def dataset_from_tensors(ev: Interpreter, call: Call) -> Value:
    first = call.args.get(0, "tensors")
    labels = None
    if isinstance(first, SeqVal) and len(first.items) == 2:
        labels = as_label(first.items[1])
    return DataVal("dataset", labels)


@function("tensorflow_datasets.load")
def tfds_load(ev: Interpreter, call: Call) -> Value:
    args = call.args
    supervised = args.get(None, "as_supervised")
    with_info = args.get(None, "with_info")
    split = args.get(None, "split")
    labels = None
    if isinstance(supervised, Const) and supervised.value is True:
        labels = LabelVal(LabelEncoding.INTEGER, "tfds.load(as_supervised=True)", ev.ref(call.node))
    dataset: Value = DataVal("dataset", labels)
    if isinstance(split, SeqVal) and split.exact:
        dataset = SeqVal([DataVal("dataset", labels) for _ in split.items], True)
    if isinstance(with_info, Const) and with_info.value is True:
        return SeqVal([dataset, UNKNOWN], True)
    if with_info is not None and not isinstance(with_info, Const):
        return UNKNOWN
    return dataset


# TF 1's tutorial MNIST reader (tensorflow/contrib/learn/python/learn/datasets/mnist.py):
# read_data_sets(train_dir, fake_data=False, one_hot=False, …) returns Datasets(train, validation,
# test); each DataSet's .labels (and the labels of next_batch(n) -> (images, labels)) are uint8
# class indices 0–9, or rows of a 10-column one-hot matrix with one_hot=True.
_TF1_MNIST = "tf1-mnist"
_TF1_MNIST_SPLIT = "tf1-mnist-split"


@function(
    "tensorflow.examples.tutorials.mnist.input_data.read_data_sets",
    "tensorflow.contrib.learn.python.learn.datasets.mnist.read_data_sets",
    "tensorflow.contrib.learn.datasets.mnist.read_data_sets",
    "tensorflow.contrib.learn.datasets.load_dataset",
)
def tf1_mnist(ev: Interpreter, call: Call) -> Value:
    if call.args.has_star:
        return UNKNOWN
    if call.path.endswith("load_dataset"):  # load_dataset('mnist'): read_data_sets with defaults
        name = call.args.get(0, "name")
        if not isinstance(name, Const) or name.value != "mnist":
            return UNKNOWN
        one_hot: Value | None = None
    else:
        one_hot = call.args.get(2, "one_hot")
    if one_hot is not None and not (isinstance(one_hot, Const) and isinstance(one_hot.value, bool)):
        return UNKNOWN
    as_one_hot = one_hot is not None and one_hot.value is True
    encoding = LabelEncoding.ONE_HOT if as_one_hot else LabelEncoding.INTEGER
    origin = f"read_data_sets(one_hot={as_one_hot})"
    labels = LabelVal(encoding, origin, ev.ref(call.node), 10, 10 if as_one_hot else None)
    return DataVal(_TF1_MNIST, labels)


@methods(DataVal)
def pipeline_method(ev: Interpreter, obj: DataVal, name: str, call: Call) -> Value:
    if obj.kind == _TF1_MNIST_SPLIT:
        if name == "next_batch" and obj.labels is not None:
            return SeqVal([ArrayVal(obj.labels.ref), obj.labels], True)
        return UNKNOWN
    if obj.kind == _TF1_MNIST:
        return UNKNOWN
    if name in _KEEPS_LABELS:
        return obj
    if name == "map" and call.args.positional:
        return DataVal(obj.kind, mapped_labels(ev, call.args.positional[0], obj.labels))
    return DataVal(obj.kind, None)


@attributes(DataVal)
def pipeline_attribute(ev: Interpreter, obj: DataVal, attr: str) -> Value:
    if obj.kind == _TF1_MNIST:
        return DataVal(_TF1_MNIST_SPLIT, obj.labels) if attr in ("train", "validation", "test") else UNKNOWN
    if obj.kind == _TF1_MNIST_SPLIT:
        if attr == "labels" and obj.labels is not None:
            return obj.labels
        if attr == "images" and obj.labels is not None:
            return ArrayVal(obj.labels.ref)
        return MethodVal(obj, attr) if attr == "next_batch" else UNKNOWN
    if attr in ("samples", "n"):
        # An iterator of one sample per batch counts its batches in samples: one pass.
        return QuotientVal() if obj.batch_size == 1 else CountVal()
    return MethodVal(obj, attr)


def mapped_labels(ev: Interpreter, func: Value, labels: LabelVal | None) -> LabelVal | None:
    """Labels after ``dataset.map(func)``: follow ``func(x, y)`` when it returns ``(x', y')``."""
    placeholder: Value = labels if labels is not None else UNKNOWN
    result = ev.call_value(func, Args([UNKNOWN, placeholder], {}, False, {}))
    if isinstance(result, SeqVal) and result.exact and len(result.items) == 2:
        return as_label(result.items[1])
    return None
