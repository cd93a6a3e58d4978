"""LG015: sequence labels padded to one length, scored on the padding because nothing masks it."""

from __future__ import annotations

from collections.abc import Iterator

from lossguard.facts import LabelEncoding, LossKind, TrainingSetup
from lossguard.findings import Finding
from lossguard.rules.registry import TRAINING_CALL, Needs, at, finding, rule


@rule("LG015", Needs(anchors=(TRAINING_CALL,), words=(r"pad_sequences", r"Embedding")))
def padding_not_masked(setup: TrainingSetup) -> Iterator[Finding]:
    labels, loss, fit = setup.labels, setup.loss, setup.fit
    if labels is None or labels.padding is None or loss is None or fit is None:
        return
    if setup.masks_padding is not False or fit.sample_weight:
        return  # masked by the model, weighted by the user, or unknown
    one_hot = labels.encoding is LabelEncoding.ONE_HOT  # to_categorical of the padded ids
    wanted = (LossKind.CATEGORICAL_CE,) if one_hot else (LossKind.SPARSE_CATEGORICAL_CE, LossKind.AUTO_CE)
    if loss.kind not in wanted or "ignore_class" in loss.name:
        return
    value = f"{labels.padding:g}"
    steps = f"a one-hot row of class {value}" if one_hot else f"a token of class {value}"
    yield finding(
        "LG015",
        (
            f"the label sequences are padded with {value} ({labels.origin}, ",
            at(labels.location),
            f"), but nothing masks the padded steps (no Embedding(mask_zero=True), no Masking "
            f"layer, no sample_weight{'' if one_hot else f', no ignore_class in {loss.name}'}): every "
            f"padding step counts as {steps}, which the model learns first, so the loss and the "
            "accuracy are mostly about padding (measured: accuracy 0.83 reported while 0.00 of the "
            "real tokens were right; 0.57 (Keras 3) and 0.27 (tf_keras) with mask_zero=True)",
        ),
        labels.location,
        fix=(
            f"pass mask_zero=True to the Embedding (the inputs padded with 0 too), or use "
            f"loss=keras.losses.SparseCategoricalCrossentropy(ignore_class={int(labels.padding)}) "
            "(Keras 3, tf_keras)"
            if labels.padding.is_integer() and not one_hot
            else "pass mask_zero=True to the Embedding (the inputs padded with 0 too), or a sample_weight "
            "of 0 on the padded steps"
        ),
        related=[(loss.location, loss.name)],
    )
