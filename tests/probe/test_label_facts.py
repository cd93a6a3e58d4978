"""What the probe reads from a label batch (numpy only): masks are not classes by their width."""

from __future__ import annotations

import pytest

from lossguard.probe.observe import _labels_fact

np = pytest.importorskip("numpy", reason="label batches are numpy arrays (the probe extra)")


def test_integer_masks_have_a_spatial_last_axis() -> None:
    """(N, H, W) class ids of a U-Net: the 96 of the last axis is a width in pixels, not classes."""
    masks = np.random.randint(0, 21, (4, 96, 96))
    fact = _labels_fact(masks, np)
    assert fact is not None and fact["width"] is None and fact["rank"] == 3


def test_one_hot_masks_keep_their_class_axis() -> None:
    masks = np.eye(5)[np.random.randint(0, 5, (4, 32, 32))]
    fact = _labels_fact(masks, np)
    assert fact is not None and (fact["encoding"], fact["width"]) == ("one-hot", 5)


def test_single_channel_masks_keep_width_one() -> None:
    masks = np.random.randint(0, 2, (4, 32, 32, 1))
    fact = _labels_fact(masks, np)
    assert fact is not None and fact["width"] == 1
