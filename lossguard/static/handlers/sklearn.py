"""scikit-learn: label encoders, toy datasets and train_test_split, so labels keep their facts.

``LabelBinarizer`` is left alone on purpose: it gives one-hot columns for three classes or more
but a single 0/1 column for two, so its encoding is not known without the class count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lossguard.facts import LabelEncoding
from lossguard.static.calls import Call
from lossguard.static.handlers.registry import attributes, function, methods
from lossguard.static.values import (
    UNKNOWN,
    ArrayVal,
    Const,
    EncoderVal,
    LabelVal,
    MethodVal,
    SeqVal,
    Value,
    int_value,
)

if TYPE_CHECKING:
    from lossguard.static.interpreter import Interpreter

_ENCODERS = {
    "OneHotEncoder": LabelEncoding.ONE_HOT,
    "LabelEncoder": LabelEncoding.INTEGER,
    "OrdinalEncoder": LabelEncoding.INTEGER,
    "MultiLabelBinarizer": LabelEncoding.MULTI_HOT,
}


@function(*(f"sklearn.preprocessing.{name}" for name in _ENCODERS))
def encoder(ev: Interpreter, call: Call) -> Value:
    return EncoderVal(call.path.rsplit(".", 1)[-1])


@methods(EncoderVal)
def encoder_method(ev: Interpreter, obj: EncoderVal, name: str, call: Call) -> Value:
    if name == "fit":
        return obj  # sklearn's fit returns the estimator itself
    if name in ("fit_transform", "transform"):
        return LabelVal(_ENCODERS[obj.kind], f"{obj.kind}().{name}(…)", ev.ref(call.node))
    return UNKNOWN


@attributes(EncoderVal)
def encoder_attribute(ev: Interpreter, obj: EncoderVal, attr: str) -> Value:
    return MethodVal(obj, attr)


def _dataset(ev: Interpreter, call: Call, labels: LabelVal) -> Value:
    return SeqVal([ArrayVal(ev.ref(call.node)), labels], True)


def _classes(ev: Interpreter, call: Call, given: Value | None, default: int, origin: str) -> Value:
    """(X, y) of a toy classification dataset with ``given`` (or ``default``) classes."""
    unset = given is None or (isinstance(given, Const) and given.value is None)
    classes = default if unset else int_value(given)
    if classes is None:
        return UNKNOWN
    encoding = LabelEncoding.BINARY if classes == 2 else LabelEncoding.INTEGER
    return _dataset(ev, call, LabelVal(encoding, origin.format(classes), ev.ref(call.node), classes))


@function("sklearn.datasets.make_classification")
def make_classification(ev: Interpreter, call: Call) -> Value:
    return _classes(ev, call, call.args.get(None, "n_classes"), 2, "make_classification(n_classes={})")


@function("sklearn.datasets.make_blobs")
def make_blobs(ev: Interpreter, call: Call) -> Value:
    return _classes(ev, call, call.args.get(2, "centers"), 3, "make_blobs(centers={})")


@function("sklearn.datasets.make_multilabel_classification")
def make_multilabel(ev: Interpreter, call: Call) -> Value:
    given = call.args.get(None, "n_classes")
    width = 5 if given is None else int_value(given)
    origin = f"make_multilabel_classification(n_classes={width})"
    return _dataset(ev, call, LabelVal(LabelEncoding.MULTI_HOT, origin, ev.ref(call.node), width, width))


@function("sklearn.model_selection.train_test_split")
def train_test_split(ev: Interpreter, call: Call) -> Value:
    """(a_train, a_test, b_train, b_test, …): each array keeps what is known of it."""
    if call.args.has_star or not call.args.positional:
        return UNKNOWN
    out: list[Value] = []
    for array in call.args.positional:
        out += [array, array]
    return SeqVal(out, True)
