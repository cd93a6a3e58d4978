"""Messages that quote the sweep's table (``matrix.json``) quote what it recorded: a message's
number changes with the table, or this fails."""

from __future__ import annotations

import json
from pathlib import Path

from lossguard.rules.metric_labels import _MEASURED

TABLE = Path(__file__).with_name("matrix.json")


def metric_row(flavour: str, metric: str, head: str, labels: str) -> dict:
    rows = json.loads(TABLE.read_text())["metrics"]
    (row,) = [
        r
        for r in rows
        if (r["flavour"], r["metric"], r["head"], r["labels"]) == (flavour, metric, head, labels)
    ]
    return row


def test_sparse_accuracy_on_0_255_labels_is_quoted_from_the_table() -> None:
    """LG025's class-id metrics fed labels that are no class ids (not an IoU metric)."""
    for flavour in ("keras", "tf_keras"):
        row = metric_row(flavour, '"sparse_categorical_accuracy"', "softmax5", "mask255")
        assert row["verdict"] == "misreports"
        assert (round(row["reported"], 2), round(row["true"], 2)) == (0.13, 0.53)
    assert "0.13 on 0/255 labels where 0.53" in _MEASURED["ids_outside"]
