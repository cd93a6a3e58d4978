"""The static extractor across the styles real scripts use (through the facts it produces)."""

from __future__ import annotations

import pytest

from lossguard.facts import Activation, LabelEncoding, LossKind
from lossguard.keras.semantics import parse_target
from lossguard.static.extract import extract
from tests.conftest import codes

HEADER_VARIANTS = [
    (
        "from tensorflow import keras\nfrom tensorflow.keras import layers\n",
        "keras.Sequential",
        "layers.Dense",
    ),
    ("import tensorflow as tf\n", "tf.keras.Sequential", "tf.keras.layers.Dense"),
    ("import keras\n", "keras.models.Sequential", "keras.layers.Dense"),
    ("import tf_keras as keras\n", "keras.Sequential", "keras.layers.Dense"),
    (
        "from tensorflow.keras.models import Sequential as Seq\nfrom tensorflow.keras.layers import Dense as D\n",
        "Seq",
        "D",
    ),
    ("from keras import layers, models\n", "models.Sequential", "layers.Dense"),
    ("import tensorflow.keras as K\n", "K.Sequential", "K.layers.Dense"),
    (
        "from tensorflow.python.keras.layers.core import Dense\nfrom tensorflow.python.keras.models import Sequential\n",
        "Sequential",
        "Dense",
    ),
]


def setups(source: str, keras: str = "3"):
    return extract(source, "t.py", parse_target(keras)).facts.setups


@pytest.mark.parametrize("header, seq, dense", HEADER_VARIANTS)
def test_imports_and_aliases_resolve(header, seq, dense) -> None:
    source = (
        header + f"m = {seq}([{dense}(10, activation='softmax')])\nm.compile(loss='binary_crossentropy')\n"
    )
    assert codes(source) == ["LG001"]


def test_sequential_add_and_activation_layers() -> None:
    source = """
    from keras.models import Sequential
    from keras.layers import Dense, Activation, Dropout
    model = Sequential()
    model.add(Dense(64, input_dim=20))
    model.add(Activation('relu'))
    model.add(Dense(3))
    model.add(Activation('softmax'))
    model.add(Dropout(0.1))
    model.compile(loss='binary_crossentropy', optimizer='sgd')
    """
    (setup,) = setups(source.replace("\n    ", "\n"))
    assert setup.head is not None
    assert setup.head.units == 3 and setup.head.activation is Activation.SOFTMAX


@pytest.mark.parametrize(
    "activation, expected",
    [
        ("'softmax'", Activation.SOFTMAX),
        ("tf.nn.softmax", Activation.SOFTMAX),
        ("tf.keras.activations.sigmoid", Activation.SIGMOID),
        ("tf.sigmoid", Activation.SIGMOID),
        ("None", Activation.LINEAR),
        ("'relu'", Activation.OTHER),
        ("act", Activation.UNKNOWN),
    ],
)
def test_activation_forms(activation, expected) -> None:
    source = f"import tensorflow as tf\nact = get()\nm = tf.keras.Sequential([tf.keras.layers.Dense(4, activation={activation})])\nm.compile(loss='mse')\n"
    (setup,) = setups(source)
    assert setup.head is not None and setup.head.activation is expected


def test_functional_api_keyword_and_list_outputs() -> None:
    source = """
import keras
inp = keras.Input((8,))
h = keras.layers.Dense(16, activation="relu")(inp)
out = keras.layers.Dense(1, activation="softmax")(h)
model = keras.Model(inputs=[inp], outputs=[out])
model.compile(optimizer="adam", loss="bce")
"""
    assert codes(source) == ["LG003"]


def test_functional_softmax_applied_as_tensor_function() -> None:
    source = """
import tensorflow as tf
inp = tf.keras.Input((8,))
logits = tf.keras.layers.Dense(5)(inp)
probs = tf.nn.softmax(logits)
model = tf.keras.Model(inp, probs)
model.compile(loss=tf.keras.losses.CategoricalCrossentropy(from_logits=True))
"""
    assert codes(source) == ["LG004"]


def test_nested_model_then_batchnorm() -> None:
    source = """
from tensorflow.keras import Model, Sequential, layers
from tensorflow.keras.applications import ResNet50
base = ResNet50(include_top=False, weights=None)
x = layers.GlobalAveragePooling2D()(base.output)
head = layers.Dense(4, activation="sigmoid")(x)
inner = Model(base.input, head)
outer = Sequential([inner, layers.BatchNormalization()])
outer.compile(loss="binary_crossentropy")
"""
    assert codes(source) == ["LG006"]


def test_pretrained_with_top_is_a_softmax_head() -> None:
    source = """
from keras.applications import ResNet50
model = ResNet50(weights=None, classes=10)
model.compile(loss="binary_crossentropy", optimizer="adam")
"""
    (setup,) = setups(source)
    assert setup.head is not None and (setup.head.units, setup.head.activation) == (10, Activation.SOFTMAX)
    assert codes(source) == ["LG001"]


def test_model_returned_by_function_with_arguments() -> None:
    source = """
from tensorflow import keras
def build(n, act="softmax"):
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(n, activation=act)])
    return m
model = build(1)
model.compile(loss="binary_crossentropy")
"""
    assert codes(source) == ["LG003"]


def test_constants_and_len_of_literal_list() -> None:
    source = """
from tensorflow import keras
CLASS_NAMES = ["cat", "dog", "horse"]
num_classes = len(CLASS_NAMES)
y = keras.utils.to_categorical([0, 1, 2], num_classes=num_classes)
model = keras.Sequential([keras.layers.Dense(num_classes + 1, activation="softmax")])
model.compile(loss="categorical_crossentropy")
model.fit([[0.0]], y)
"""
    assert codes(source) == ["LG010"]


def test_len_of_listdir_is_unknown() -> None:
    source = """
import os
from tensorflow import keras
num_classes = len(os.listdir("data"))
y = keras.utils.to_categorical([0, 1, 2], num_classes)
model = keras.Sequential([keras.layers.Dense(5, activation="softmax")])
model.compile(loss="categorical_crossentropy")
model.fit([[0.0]], y)
"""
    assert codes(source) == []


@pytest.mark.parametrize(
    "loss, kind, logits",
    [
        ("'bce'", LossKind.BINARY_CE, False),
        ("'categorical_crossentropy'", LossKind.CATEGORICAL_CE, False),
        ("keras.losses.binary_crossentropy", LossKind.BINARY_CE, False),
        ("keras.losses.BinaryCrossentropy(from_logits=True)", LossKind.BINARY_CE, True),
        ("loss_object", LossKind.SPARSE_CATEGORICAL_CE, True),
        ("'mse'", LossKind.REGRESSION, False),
    ],
)
def test_loss_forms(loss, kind, logits) -> None:
    source = f"""
from tensorflow import keras
loss_object = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
model = keras.Sequential([keras.layers.Dense(3)])
model.compile("adam", {loss})
"""
    (setup,) = setups(source)
    assert setup.loss is not None and setup.loss.kind is kind and setup.loss.from_logits is logits


def test_custom_loss_function_is_never_guessed() -> None:
    """A loss function that does more than return a built-in loss stays unknown."""
    source = """
from tensorflow import keras
def my_loss(y, p):
    return keras.losses.binary_crossentropy(y, p) + 0.01 * keras.ops.mean(p)
model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(loss=my_loss, metrics=["accuracy"])
"""
    assert codes(source) == []


@pytest.mark.parametrize(
    "body",
    [
        "return keras.losses.binary_crossentropy(y, p)",
        "return K.mean(K.binary_crossentropy(y, p), axis=-1)",
        "return 2.0 * tf.keras.losses.binary_crossentropy(y_true=y, y_pred=p)",
        '"""Doc."""\n    return tf.reduce_mean(keras.losses.binary_crossentropy(y, p))',
    ],
)
def test_a_function_that_only_wraps_a_builtin_loss_is_that_loss(body: str) -> None:
    source = f"""
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import backend as K
def my_loss(y, p):
    {body}
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(10, activation="softmax")])
model.compile(loss=my_loss)
"""
    assert codes(source) == ["LG001"]


@pytest.mark.parametrize(
    "body",
    [
        "return keras.losses.binary_crossentropy(p, y)",  # arguments swapped
        "return w * keras.losses.binary_crossentropy(y, p)",
        "return keras.losses.binary_crossentropy(y * w, p)",
        "x = p\n    return keras.losses.binary_crossentropy(y, x)",
        "return mylib.binary_crossentropy(y, p)",
    ],
)
def test_a_function_that_does_more_stays_unknown(body: str) -> None:
    source = f"""
import mylib
from tensorflow import keras
def my_loss(y, p):
    {body}
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(10, activation="softmax")])
model.compile(loss=my_loss)
"""
    assert codes(source) == []


@pytest.mark.parametrize(
    "labels, encoding, classes",
    [
        ("keras.utils.to_categorical(y, 4)", LabelEncoding.ONE_HOT, 4),
        ("np.eye(4)[y]", LabelEncoding.ONE_HOT, 4),
        ("tf.one_hot(y, 4)", LabelEncoding.ONE_HOT, 4),
        ("y", LabelEncoding.INTEGER, 10),
        ("y.astype('float32')", LabelEncoding.INTEGER, 10),
    ],
)
def test_label_sources(labels, encoding, classes) -> None:
    source = f"""
import numpy as np
import tensorflow as tf
from tensorflow import keras
(x, y), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy")
model.fit(x, {labels})
"""
    (setup,) = setups(source)
    assert setup.labels is not None
    assert setup.labels.encoding is encoding and setup.labels.num_classes == classes


@pytest.mark.parametrize(
    "call, encoding, classes",
    [
        ("gen.flow_from_directory('d')", LabelEncoding.ONE_HOT, None),
        ("gen.flow_from_directory('d', class_mode='binary')", LabelEncoding.BINARY, 2),
        (
            "gen.flow_from_directory('d', class_mode='sparse', classes=['a', 'b', 'c'])",
            LabelEncoding.INTEGER,
            3,
        ),
        ("keras.utils.image_dataset_from_directory('d')", LabelEncoding.INTEGER, None),
        (
            "keras.utils.image_dataset_from_directory('d', label_mode='categorical')",
            LabelEncoding.ONE_HOT,
            None,
        ),
        ("tfds.load('mnist', split='train', as_supervised=True).batch(32)", LabelEncoding.INTEGER, None),
    ],
)
def test_directory_and_dataset_labels(call, encoding, classes) -> None:
    source = f"""
import tensorflow_datasets as tfds
from tensorflow import keras
from tensorflow.keras.preprocessing.image import ImageDataGenerator
gen = ImageDataGenerator()
data = {call}
model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
model.compile(loss="categorical_crossentropy")
model.fit_generator(data, steps_per_epoch=10)
"""
    (setup,) = setups(source)
    assert setup.labels is not None
    assert setup.labels.encoding is encoding and setup.labels.num_classes == classes


@pytest.mark.parametrize(
    "reader, labels, encoding, width",
    [
        ("input_data.read_data_sets('d')", "mnist.train.labels", LabelEncoding.INTEGER, None),
        ("input_data.read_data_sets('d', one_hot=True)", "mnist.train.labels", LabelEncoding.ONE_HOT, 10),
        ("input_data.read_data_sets('d', False, True)", "mnist.validation.labels", LabelEncoding.ONE_HOT, 10),
        ("input_data.read_data_sets('d')", "mnist.train.next_batch(64)[1]", LabelEncoding.INTEGER, None),
        ("tf.contrib.learn.datasets.load_dataset('mnist')", "mnist.test.labels", LabelEncoding.INTEGER, None),
        ("input_data.read_data_sets('d', one_hot=ONE_HOT)", "mnist.train.labels", None, None),
        ("input_data.read_data_sets('d')", "mnist.train.num_examples", None, None),
        ("tf.contrib.learn.datasets.load_dataset('iris')", "mnist.train.labels", None, None),
    ],
)
def test_tf1_tutorial_mnist_reader(reader, labels, encoding, width) -> None:
    """TF 1's reader: class indices 0-9 unless one_hot=True (checked against TF 1.x's
    contrib/learn/python/learn/datasets/mnist.py); an unknown one_hot leaves them unknown."""
    source = f"""
import sys
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data
ONE_HOT = "--one-hot" in sys.argv
mnist = {reader}
model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy")
model.fit(mnist.train.images, {labels})
"""
    (setup,) = setups(source)
    if encoding is None:
        assert setup.labels is None or setup.labels.encoding is LabelEncoding.UNKNOWN
        return
    assert setup.labels is not None
    assert setup.labels.encoding is encoding and setup.labels.num_classes == 10
    assert setup.labels.width == width


def test_dataset_map_lambda_one_hot() -> None:
    source = """
import tensorflow as tf
import tensorflow_datasets as tfds
ds = tfds.load("x", split="train", as_supervised=True).map(lambda img, lab: (img, tf.one_hot(lab, 7)))
model = tf.keras.Sequential([tf.keras.layers.Dense(5, activation="softmax")])
model.compile(loss="categorical_crossentropy")
model.fit(ds)
"""
    assert codes(source) == ["LG010"]


def test_callbacks_from_list_append_and_fit_arguments() -> None:
    source = """
from tensorflow import keras
model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", metrics=["accuracy"])
callbacks = []
callbacks.append(keras.callbacks.EarlyStopping(monitor="val_acc"))
model.fit(x, y, validation_data=(xv, yv), callbacks=callbacks)
"""
    assert codes(source) == ["LG022"]


def test_fit_with_kwargs_unpacking_knows_nothing_about_validation() -> None:
    source = """
from tensorflow import keras
model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, callbacks=[keras.callbacks.EarlyStopping()], **fit_kwargs)
"""
    assert codes(source) == []


def test_several_models_are_independent() -> None:
    source = """
from tensorflow import keras
a = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
b = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
a.compile(loss="binary_crossentropy")
b.compile(loss="categorical_crossentropy")
"""
    assert codes(source) == []


def test_branch_on_unknown_condition_merges_to_unknown() -> None:
    source = """
import sys
from tensorflow import keras
model = keras.Sequential([keras.layers.Dense(10)])
if len(sys.argv) > 1:
    model.add(keras.layers.Activation("softmax"))
    model.compile(loss="categorical_crossentropy")
else:
    model.add(keras.layers.Activation("sigmoid"))
    model.compile(loss="binary_crossentropy")
model.fit(x, y)
"""
    assert codes(source) == []


def test_branch_on_known_constant_takes_that_branch() -> None:
    source = """
from tensorflow import keras
NUM_CLASSES = 10
if NUM_CLASSES == 2:
    head = keras.layers.Dense(1, activation="sigmoid")
else:
    head = keras.layers.Dense(NUM_CLASSES, activation="sigmoid")
model = keras.Sequential([head])
model.compile(loss="categorical_crossentropy")
"""
    assert codes(source) == ["LG002"]


def test_multi_output_list_losses_are_matched_per_head() -> None:
    source = """
from tensorflow import keras
inp = keras.Input((4,))
a = keras.layers.Dense(1, activation="sigmoid")(inp)
b = keras.layers.Dense(3, activation="softmax")(inp)
model = keras.Model(inp, [a, b])
model.compile(loss=["binary_crossentropy", "binary_crossentropy"])
"""
    assert codes(source) == ["LG001"]


def test_try_except_import_fallback() -> None:
    source = """
try:
    from tensorflow import keras
except ImportError:
    import keras
model = keras.Sequential([keras.layers.Dense(3, activation="sigmoid")])
model.compile(loss="sparse_categorical_crossentropy")
"""
    assert codes(source) == ["LG002"]


def test_class_method_training_code_is_analysed() -> None:
    source = """
from tensorflow import keras
class Trainer:
    def build(self):
        model = keras.Sequential([keras.layers.Dense(1, activation="softmax")])
        model.compile(loss="binary_crossentropy")
        return model
"""
    assert codes(source) == ["LG003"]


def test_recursive_functions_end_and_the_rest_is_still_checked() -> None:
    source = """
from tensorflow import keras
def f(n):
    return f(n - 1)
model = f(3)
model.compile(loss="binary_crossentropy")
head = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="softmax")])
head.compile(loss="binary_crossentropy")
"""
    assert codes(source) == ["LG003"]


def test_header_comments_do_not_shift_lines() -> None:
    source = '#!/usr/bin/env python\n# comment\n"""Docstring."""\n\nfrom tensorflow import keras\n\nm = keras.Sequential([keras.layers.Dense(1, activation="softmax")])\n'
    from tests.conftest import check

    (finding,) = check(source + 'm.compile(loss="bce")\n')
    assert (finding.location.line, finding.location.column) == (7, 56)


@pytest.mark.parametrize(
    "steps, flagged",
    [
        ("num_train_samples", False),  # a constant: its name proves nothing (issue: steps by arithmetic)
        ("resampled_batches", False),
        ('sum(len(f) for _, _, f in os.walk("d"))', True),  # counting files counts samples
        ('len(os.listdir("d"))', True),
        ("train_gen.samples", True),
        ("len(x_train)", True),
        ("num_train_samples // BATCH", False),
        ("samples_per_epoch", False),
        ("int(num_train_samples / BATCH)", False),
        ("len(train_gen)", False),
        ("math.ceil(train_gen.n / BATCH)", False),
        ("STEPS", False),
    ],
)
def test_steps_counted_in_samples(steps, flagged) -> None:
    source = f"""
import math
import os
from tensorflow import keras
from tensorflow.keras.preprocessing.image import ImageDataGenerator
BATCH = 32
num_train_samples = 2000
resampled_batches = 40
samples_per_epoch = 2000 // BATCH
STEPS = 62
(x_train, y_train), _ = keras.datasets.mnist.load_data()
train_gen = ImageDataGenerator().flow_from_directory("d", batch_size=BATCH)
model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
model.compile(loss="categorical_crossentropy")
model.fit(train_gen, steps_per_epoch={steps})
"""
    assert ("LG042" in codes(source)) is flagged


@pytest.mark.parametrize(
    "call, units, flagged",
    [
        ("cifar100.load_data()", 20, True),
        ("cifar100.load_data(label_mode='coarse')", 20, False),
        ("cifar100.load_data(label_mode=mode)", 20, False),
    ],
)
def test_cifar100_label_modes(call, units, flagged) -> None:
    source = f"""
import sys
from keras.datasets import cifar100
mode = sys.argv[1]
(x, y), _ = {call}
from tensorflow import keras
model = keras.Sequential([keras.layers.Dense({units}, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy")
model.fit(x, y)
"""
    assert ("LG010" in codes(source)) is flagged


def test_keras1_argument_names() -> None:
    source = """
from keras.models import Sequential
from keras.layers import Dense
model = Sequential()
model.add(Dense(output_dim=1, input_dim=8, activation="softmax"))
model.compile(loss="binary_crossentropy", optimizer="sgd")
"""
    assert codes(source) == ["LG003"]


@pytest.mark.parametrize(
    "extra, flagged", [("", False), (", save_best_only=True", True), (", save_best_only=False", False)]
)
def test_model_checkpoint_monitor_matters_only_with_save_best_only(extra, flagged) -> None:
    source = f"""
from tensorflow import keras
model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, callbacks=[keras.callbacks.ModelCheckpoint("m.keras"{extra})])
"""
    assert ("LG022" in codes(source)) is flagged


def test_keras1_functional_keywords() -> None:
    source = """
from keras.layers import Input, Dense
from keras.models import Model
inp = Input(shape=(8,))
out = Dense(3, activation="sigmoid")(inp)
model = Model(input=inp, output=out)
model.compile(loss="categorical_crossentropy", optimizer="sgd")
"""
    assert codes(source) == ["LG002"]


@pytest.mark.parametrize(
    "labels, loss, units, act, expected",
    [
        (
            "np.argmax(keras.utils.to_categorical(y, 10), axis=1)",
            "categorical_crossentropy",
            10,
            "softmax",
            ["LG011"],
        ),
        (
            "np.argmax(keras.utils.to_categorical(y, 10), axis=1)",
            "sparse_categorical_crossentropy",
            10,
            "softmax",
            [],
        ),
        ("pd.get_dummies(frame['label'])", "sparse_categorical_crossentropy", 3, "softmax", ["LG011"]),
        ("pd.get_dummies(frame['label'])", "binary_crossentropy", 1, "sigmoid", ["LG011"]),
        ("pd.get_dummies(frame['label'])", "categorical_crossentropy", 3, "softmax", []),
    ],
)
def test_more_label_sources(labels, loss, units, act, expected) -> None:
    source = f"""
import numpy as np
import pandas as pd
from tensorflow import keras
frame = pd.read_csv("data.csv")
y = frame["label"].values
model = keras.Sequential([keras.layers.Dense({units}, activation="{act}")])
model.compile(loss="{loss}")
model.fit(frame[["a", "b"]].values, {labels})
"""
    assert codes(source) == expected


def test_ctc_labels_are_sequences_not_classes() -> None:
    """Keras 3's CTC takes (batch, max_length) labels by design: no LG010 for their width."""
    source = """
import numpy as np
from tensorflow import keras
labels = np.zeros((64, 20))
inputs = keras.Input((50, 12))
outputs = keras.layers.Dense(30)(keras.layers.LSTM(64, return_sequences=True)(inputs))
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss=keras.losses.CTC())
model.fit(np.random.rand(64, 50, 12), labels)
"""
    assert codes(source) == []


@pytest.mark.parametrize(
    "wrapped, units, activation",
    [
        ('TimeDistributed(Dense(3, activation="sigmoid"))', 3, Activation.SIGMOID),
        ('TimeDistributed(Dense(9, activation="softmax"), name="tags")', 9, Activation.SOFTMAX),
        ('TimeDistributed(layer=Dense(4), name="steps")', 4, Activation.LINEAR),
    ],
)
def test_a_time_distributed_head_is_its_inner_layer(wrapped, units, activation) -> None:
    """The inner layer runs on every step: the output means what the inner layer's means."""
    source = f"""
from tensorflow.keras.layers import Dense, GRU, Input, TimeDistributed
from tensorflow.keras.models import Model
steps = Input((20, 5))
out = {wrapped}(GRU(8, return_sequences=True)(steps))
model = Model(steps, out)
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
"""
    (setup,) = setups(source)
    assert setup.head is not None
    assert (setup.head.units, setup.head.activation) == (units, activation)


@pytest.mark.parametrize("wrapper, names", [('name="tags"', ("tags", "total")), ("", None)])
def test_a_time_distributed_output_is_named_after_the_wrapper(wrapper, names) -> None:
    """Keras names the output after the wrapper; the inner layer's name keys no loss dict."""
    source = f"""
from tensorflow.keras.layers import Dense, GRU, Input, TimeDistributed
from tensorflow.keras.models import Model
steps = Input((20, 5))
seq = GRU(8, return_sequences=True)(steps)
tags = TimeDistributed(Dense(9, activation="softmax", name="inner"), {wrapper})(seq)
total = Dense(1, name="total")(GRU(8)(steps))
model = Model(steps, [tags, total])
model.compile(loss=["sparse_categorical_crossentropy", "mse"], optimizer="adam")
"""
    first, _second = setups(source)
    assert first.output_names == names
    assert first.head is not None and first.head.units == 9


def test_a_time_distributed_custom_layer_is_no_head() -> None:
    source = """
from tensorflow import keras
inner = keras.layers.Lambda(lambda t: t * 2)
model = keras.Sequential([keras.Input((20, 5)), keras.layers.TimeDistributed(inner)])
model.compile(loss="mse", optimizer="adam")
"""
    (setup,) = setups(source)
    assert setup.head is None or setup.head.units is None


DENOISER = """
import numpy as np
from tensorflow import keras
x = np.load("images.npy")
other = np.load("other.npy")
noise = np.random.normal(0, 1, x.shape)
{noisy}
model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(784, activation="sigmoid")])
model.compile(loss="mse", optimizer="adam")
model.fit({fit})
"""


@pytest.mark.parametrize(
    "noisy, fit, denoising",
    [
        ("noisy = x + 0.3 * np.random.normal(0, 1, x.shape)", "noisy, x", True),
        ("noisy = np.clip(x + 0.3 * noise, 0.0, 1.0)", "noisy, x", True),
        ("noisy = np.random.randn(*x.shape) * 0.2 + x", "noisy, x", True),
        ("noisy = x - noise", "x=noisy, y=x", True),
        ("noisy = other + noise", "noisy, x", False),  # another array's noisy copy
        ("noisy = x + 0.5", "noisy, x", False),  # no noise: a shift
        ("noisy = x + np.load('n.npy')", "noisy, x", False),
        ("noisy = x * noise", "noisy, x", False),  # multiplied, not added
    ],
)
def test_a_noisy_copy_of_the_targets_as_inputs_is_a_reconstruction(noisy, fit, denoising) -> None:
    (setup,) = setups(DENOISER.format(noisy=noisy, fit=fit))
    assert setup.reconstructs_inputs is denoising
    assert (setup.reconstruction == "fit(x + noise, x)") is denoising


@pytest.mark.parametrize(
    "reshape", ["", "y_train = y_train.reshape(60000, 1)\n", "y_train = y_train.ravel()\n"]
)
def test_a_reshape_keeps_the_labels_values(reshape) -> None:
    """Labels divided like the pixels and then reshaped (a benchmark's buggy MNIST script): the
    reshape changes their shape, not their values, so LG030 still sees ids scaled to 0–0.035."""
    source = (
        "import numpy as np\nfrom tensorflow import keras\n\n"
        "(x_train, y_train), _ = keras.datasets.mnist.load_data()\n"
        "x_train = x_train / 255\ny_train = y_train / 255\n"
        + reshape
        + "model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), "
        'keras.layers.Dense(10, activation="softmax")])\n'
        'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")\n'
        "model.fit(x_train, y_train)\n"
    )
    assert codes(source) == ["LG030"]


def test_an_array_drawn_with_one_length_has_one_axis() -> None:
    """np.random.random(100) is (100,): one target column, broadcast by mse over four units."""
    source = (
        "import numpy as np\nfrom tensorflow import keras\n\n"
        "x = np.random.random((100, 8))\ny = np.random.random(100)\n"
        "model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])\n"
        'model.compile(optimizer="adam", loss="mse")\nmodel.fit(x, y)\n'
    )
    assert codes(source) == ["LG010"]
    assert codes(source.replace("Dense(4)", "Dense(1)")) == []
