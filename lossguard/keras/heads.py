"""Which layer is a model's output head, from the layers leading to the output.

Shared by the static extractor and the runtime probe: both describe the tail of a model as
``LayerInfo`` items (``None`` for a layer whose effect is unknown) and get an ``OutputHead``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from lossguard.facts import Activation, Location, OutputHead, Source
from lossguard.keras.vocabulary import (
    ACTIVATION_LAYERS,
    NEUTRAL_LAYERS,
    RECURRENT_LAYERS,
    RESCALING_LAYERS,
    UNIT_LAYERS,
)


@dataclass(frozen=True)
class LayerInfo:
    kind: str  # class name: "Dense", "Activation", "BatchNormalization", …
    location: Location
    units: int | None = None
    activation: Activation | None = None  # None: the layer has no activation of its own
    activation_location: Location | None = None
    named_predictions: bool = False  # a pretrained application's classifier
    activation_name: str | None = None  # "relu", "tanh", … when the activation is of kind OTHER
    last_axis: int | None = None  # Reshape: the last axis of its target shape


_SHAPE_LAYERS = {"Reshape", "Flatten", "Permute"}


def _reshaped_axis(shaped: Sequence[LayerInfo]) -> int | None:
    """The last axis a run of shape layers leaves: a Reshape's written one, else unknown."""
    final = shaped[-1]
    return final.last_axis if final.kind == "Reshape" else None


def _neutral(layer: LayerInfo | None) -> bool:
    if layer is None:
        return False
    return layer.kind in NEUTRAL_LAYERS or (
        layer.kind == "Activation" and layer.activation is Activation.LINEAR
    )


def head_from_chain(chain: Sequence[LayerInfo | None], source: Source = Source.STATIC) -> OutputHead | None:
    """The output head: skip shape-only layers, note rescaling layers after an activation."""

    def skip_neutral(index: int) -> int:
        while index >= 0 and _neutral(chain[index]):
            index -= 1
        return index

    index = skip_neutral(len(chain) - 1)
    shaped = [c for c in chain[index + 1 :] if c is not None and c.kind in _SHAPE_LAYERS]
    after: list[LayerInfo] = []
    while index >= 0 and (item := chain[index]) is not None and item.kind in RESCALING_LAYERS:
        after.insert(0, item)
        index = skip_neutral(index - 1)
    if index < 0 or (last := chain[index]) is None:
        return None
    if last.kind in ACTIVATION_LAYERS:
        units, layer, location = None, last.kind, last.location
        before = skip_neutral(index - 1)
        prior = chain[before] if before >= 0 else None
        if prior is not None and prior.units is not None:
            units, layer, location = prior.units, prior.kind, prior.location
            between = [c for c in chain[before + 1 : index] if c is not None and c.kind in _SHAPE_LAYERS]
            if between:  # Dense(1) → Reshape((n,)) → softmax: the activation spans the new axis
                units = _reshaped_axis(between)
        head = OutputHead(
            units,
            last.activation or Activation.UNKNOWN,
            layer,
            location,
            source=source,
            activation_location=last.location,
            activation_name=last.activation_name,
        )
    elif (
        last.kind in UNIT_LAYERS
        or last.kind in RECURRENT_LAYERS
        or last.units is not None
        or last.named_predictions
    ):
        head = OutputHead(
            last.units,
            last.activation or Activation.UNKNOWN,
            last.kind,
            last.location,
            source=source,
            activation_location=last.activation_location,
            activation_name=last.activation_name,
        )
    else:
        return None
    if shaped:
        axis = _reshaped_axis(shaped)
        if shaped[-1].kind == "Flatten" and head.layer == "Dense" and len(shaped) == 1:
            axis = head.units  # a Dense output is flat already
        head = replace(head, reshaped=True, output_axis=axis)
    if after:
        if head.activation.is_probability:
            return replace(head, after=tuple(a.kind for a in after), after_location=after[-1].location)
        return replace(head, activation=Activation.OTHER)
    return head
