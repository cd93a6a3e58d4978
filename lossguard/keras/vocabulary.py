"""What the static extractor knows about Keras' public names: layers, losses, metrics."""

from __future__ import annotations

import re

from lossguard.facts import Activation, LossKind, MetricKind

_ACTIVATIONS = {
    "softmax": Activation.SOFTMAX,
    "sigmoid": Activation.SIGMOID,
    "linear": Activation.LINEAR,
}
_OTHER_ACTIVATIONS = {
    "relu",
    "relu6",
    "tanh",
    "elu",
    "selu",
    "softplus",
    "softsign",
    "exponential",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "swish",
    "silu",
    "gelu",
    "leaky_relu",
    "log_softmax",
    "mish",
    "celu",
    "glu",
    "sparse_plus",
    "squareplus",
    "log_sigmoid",
    "sparsemax",
    "prelu",
}
# Outputs that are neither probabilities nor logits a loss can squash (LG008). The rest are, or
# map to, probabilities (hard_sigmoid, log_softmax, log_sigmoid, sparsemax), or halve the width (glu).
NON_PROBABILITY_ACTIVATIONS = frozenset(
    _OTHER_ACTIVATIONS - {"hard_sigmoid", "log_softmax", "log_sigmoid", "sparsemax", "glu"}
)


def activation_from_name(name: str | None) -> Activation:
    if name is None:
        return Activation.LINEAR
    key = name.strip().lower()
    if key in _ACTIVATIONS:
        return _ACTIVATIONS[key]
    if key in _OTHER_ACTIVATIONS:
        return Activation.OTHER
    return Activation.UNKNOWN


# Function-style activations reachable as tf.nn.softmax, tf.math.sigmoid, keras.activations.*,
# keras.ops.softmax …: matched by the last component of the import path.
ACTIVATION_FUNCTION_MODULES = ("activations", "nn", "math", "ops", "backend")

# Layers that only apply an activation.
ACTIVATION_LAYERS = {
    "Activation": None,
    "Softmax": Activation.SOFTMAX,
    "ReLU": Activation.OTHER,
    "LeakyReLU": Activation.OTHER,
    "PReLU": Activation.OTHER,
    "ELU": Activation.OTHER,
    "ThresholdedReLU": Activation.OTHER,
}

# The activation each fixed activation layer applies, as the rules name it.
ACTIVATION_LAYER_NAMES = {
    "ReLU": "relu",
    "LeakyReLU": "leaky_relu",
    "PReLU": "prelu",
    "ELU": "elu",
    "ThresholdedReLU": "relu",
    "Softmax": "softmax",
}

# Layers with units (or filters) and an ``activation`` argument that defaults to linear.
UNIT_LAYERS = {
    "Dense": "units",
    "EinsumDense": None,
    "Conv1D": "filters",
    "Conv2D": "filters",
    "Conv3D": "filters",
    "Convolution1D": "filters",
    "Convolution2D": "filters",
    "Convolution3D": "filters",
    "Conv1DTranspose": "filters",
    "Conv2DTranspose": "filters",
    "Conv3DTranspose": "filters",
    "SeparableConv1D": "filters",
    "SeparableConv2D": "filters",
}
# Recurrent layers: units, activation defaults to tanh.
RECURRENT_LAYERS = {"LSTM", "GRU", "SimpleRNN", "ConvLSTM2D", "CuDNNLSTM", "CuDNNGRU"}

# Layers after which the output still means what the layer before it meant.
NEUTRAL_LAYERS = {
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "AlphaDropout",
    "GaussianDropout",
    "Flatten",
    "Reshape",
    "Permute",
    "ActivityRegularization",
    "Identity",
    "InputLayer",
    "Masking",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "MaxPool1D",
    "MaxPool2D",
    "AvgPool2D",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
}

# Layers that rescale values: after a softmax/sigmoid output they break the probabilities.
RESCALING_LAYERS = {
    "BatchNormalization",
    "LayerNormalization",
    "GroupNormalization",
    "Rescaling",
    "Normalization",
}


_LOSS_NAMES = {
    "binary_crossentropy": LossKind.BINARY_CE,
    "bce": LossKind.BINARY_CE,
    "binarycrossentropy": LossKind.BINARY_CE,
    "categorical_crossentropy": LossKind.CATEGORICAL_CE,
    "cce": LossKind.CATEGORICAL_CE,
    "categoricalcrossentropy": LossKind.CATEGORICAL_CE,
    "sparse_categorical_crossentropy": LossKind.SPARSE_CATEGORICAL_CE,
    "scce": LossKind.SPARSE_CATEGORICAL_CE,
    "sparsecategoricalcrossentropy": LossKind.SPARSE_CATEGORICAL_CE,
    "crossentropy": LossKind.AUTO_CE,
    "ce": LossKind.AUTO_CE,
}
_REGRESSION_LOSSES = {
    "mse",
    "mae",
    "mape",
    "msle",
    "mean_squared_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
    "meansquarederror",
    "meanabsoluteerror",
    "meanabsolutepercentageerror",
    "meansquaredlogarithmicerror",
    "huber",
    "huber_loss",
    "log_cosh",
    "logcosh",
}
_OTHER_LOSSES = {
    "hinge",
    "squared_hinge",
    "categorical_hinge",
    "kld",
    "kl_divergence",
    "kullback_leibler_divergence",
    "kldivergence",
    "poisson",
    "cosine_similarity",
    "cosinesimilarity",
    "binary_focal_crossentropy",
    "binaryfocalcrossentropy",
    "categorical_focal_crossentropy",
    "categoricalfocalcrossentropy",
    "ctc",
    "dice",
    "tversky",
}


_OTHER_SQUASHED = {name.replace("_", "") for name in _OTHER_LOSSES}  # class names: CategoricalHinge


def loss_key(written: str) -> str:
    """A loss as written, in the one form the tables compare: the callee's last name, lower
    case, no underscores — ``keras.losses.CategoricalHinge()``, ``'categorical_hinge'`` and
    ``categorical_hinge`` are all ``categoricalhinge``."""
    return written.split("(")[0].split(".")[-1].strip("'\" ").replace("_", "").lower()


def loss_kind_from_name(name: str) -> LossKind:
    key = name.strip().lower()
    if key in _LOSS_NAMES:
        return _LOSS_NAMES[key]
    if key in _REGRESSION_LOSSES:
        return LossKind.REGRESSION
    if key in _OTHER_LOSSES or key.replace("_", "") in _OTHER_SQUASHED:
        return LossKind.OTHER
    return LossKind.UNKNOWN


_METRIC_NAMES = {
    "accuracy": MetricKind.ACCURACY,
    "acc": MetricKind.ACCURACY,
    "binary_accuracy": MetricKind.BINARY_ACCURACY,
    "binaryaccuracy": MetricKind.BINARY_ACCURACY,
    "categorical_accuracy": MetricKind.CATEGORICAL_ACCURACY,
    "categoricalaccuracy": MetricKind.CATEGORICAL_ACCURACY,
    "sparse_categorical_accuracy": MetricKind.SPARSE_CATEGORICAL_ACCURACY,
    "sparsecategoricalaccuracy": MetricKind.SPARSE_CATEGORICAL_ACCURACY,
    "top_k_categorical_accuracy": MetricKind.TOP_K,
    "topkcategoricalaccuracy": MetricKind.TOP_K,
    "sparse_top_k_categorical_accuracy": MetricKind.TOP_K,
    "sparsetopkcategoricalaccuracy": MetricKind.TOP_K,
    "precision": MetricKind.PRECISION,
    "recall": MetricKind.RECALL,
    "auc": MetricKind.AUC,
}


def metric_kind_from_name(name: str) -> MetricKind:
    key = name.strip().lower()
    if key in _METRIC_NAMES:
        return _METRIC_NAMES[key]
    if key in _REGRESSION_LOSSES:
        return MetricKind.REGRESSION
    return MetricKind.OTHER


def snake_case(name: str) -> str:
    """Keras' default metric/layer name for a class: ``BinaryAccuracy`` → ``binary_accuracy``."""
    if name.isupper():
        return name.lower()
    first = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", first).lower()


# Metric classes whose default name is not the snake case of the class (measured, Keras 3.15
# and tf_keras 2.21: FBetaScore().name == "fbeta_score").
# Default names that are not the class name in snake case (read by instantiating every metric
# class of Keras 3.15 and tf_keras 2.21), and the classes whose default differs between them.
_DEFAULT_METRIC_NAMES = {"FBetaScore": "fbeta_score", "LogCoshError": "logcosh"}
_NAMED_PER_FLAVOUR = {"KLDivergence"}  # kl_divergence (Keras 3), kullback_leibler_divergence (tf_keras)


def metric_name(cls: str) -> str | None:
    """The name Keras logs a metric of class ``cls`` under when no ``name=`` is given; None
    where Keras 3 and tf_keras name it differently."""
    if cls in _NAMED_PER_FLAVOUR:
        return None
    return _DEFAULT_METRIC_NAMES.get(cls) or snake_case(cls)


# Known dataset loaders: (classes, label encoding of y) from keras.datasets.<name>.load_data().
# Datasets whose targets are real values (keras.datasets.<name>.load_data()).
# Their targets' range, from the loaders' docs (keras/src/datasets): prices in $1000s, in $.
REGRESSION_DATASETS = {"boston_housing": (5.0, 50.0), "california_housing": (14999.0, 500001.0)}

IMAGE_DATASETS = {"mnist", "fashion_mnist", "cifar10", "cifar100"}

DATASETS = {
    "mnist": 10,
    "fashion_mnist": 10,
    "cifar10": 10,
    "cifar100": 100,
    "reuters": 46,
    "imdb": 2,
}

# Parameters that take a bool in Keras, and the strings that are valid for them anyway.
BOOL_PARAMS = {
    "shuffle": {"batch"},
    "use_multiprocessing": set(),
    "save_best_only": set(),
    "save_weights_only": set(),
    "restore_best_weights": set(),
    "include_top": set(),
    "from_logits": set(),
    "return_sequences": set(),
    "return_state": set(),
    "use_bias": set(),
    "trainable": set(),
    "stateful": set(),
    "multi_label": set(),
}
INT_PARAMS = {"verbose": {"auto"}}
