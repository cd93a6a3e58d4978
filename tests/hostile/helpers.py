"""Shared pieces of the hostile-input suite: a buggy script, notebooks, the CLI's verdict."""

from __future__ import annotations

import json
import subprocess

BUGGY = (
    "import keras\n"
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(10, activation='softmax')])\n"
    "model.compile(optimizer='adam', loss='binary_crossentropy')\n"
)


def notebook(*cells: object, **extra: object) -> str:
    """A notebook whose cells are given as dicts or as code strings."""
    made = [
        c if isinstance(c, dict) else {"cell_type": "code", "metadata": {}, "source": c, "outputs": []}
        for c in cells
    ]
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": made, **extra})


def codes(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The codes of a ``-f json`` run, failing on a crash or a traceback."""
    assert result.returncode in (0, 1, 2), f"exit {result.returncode}: {result.stderr[-2000:]}"
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    return sorted(d["code"] for d in json.loads(result.stdout))


def not_checked(result: subprocess.CompletedProcess[str]) -> bool:
    """The run says the file was not checked (LG903, or LG900 for a broken notebook), never
    a green exit and never a crash."""
    found = codes(result)
    return result.returncode in (1, 2) and bool({"LG903", "LG900"} & set(found))
