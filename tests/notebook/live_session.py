"""A notebook session with real Keras, run in its own process by ``test_live.py``:
``python -m tests.notebook.live_session FLAVOUR FOLDER`` prints, as JSON, what each cell showed.

The model comes from a JSON config file and the labels from ``np.load``: nothing a static reading
of the cells can see. FLAVOUR is ``keras`` (Keras 3) or ``tf_keras``.
"""

from __future__ import annotations

import json
import os
import sys


def main(flavour: str, folder: str) -> None:
    os.chdir(folder)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np

    keras = __import__(flavour)
    rng = np.random.default_rng(0)
    np.save("x.npy", rng.random((32, 8)).astype("float32"))
    np.save("labels.npy", np.eye(4, dtype="float32")[rng.integers(0, 4, 32)])  # one-hot rows
    for name, activation in (("softmax", "softmax"), ("tagger", "sigmoid")):
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, activation=activation)])
        with open(f"{name}.json", "w") as handle:
            handle.write(model.to_json())

    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    shell = InteractiveShell.instance()
    # Each batch records whether lossguard's own readers pulled it (a frame of live/model_facts.py
    # or probe/observe.py on the stack): Keras prefetches a varying number of batches from a
    # generator on a loaded machine, so counting batches alone was timing-dependent.
    counting = (
        "import traceback\n"
        "def batches():\n    while True:\n"
        "        taken.append(any(f.filename.endswith(('model_facts.py', 'observe.py'))"
        " for f in traceback.extract_stack()))\n"
        "        yield x[:8], y[:8]\n"
        "taken = []\nmodel.fit(batches(), steps_per_epoch=1, epochs=1, verbose=0)\n"
    )
    cells = [
        "%load_ext lossguard",
        f"import numpy as np\nimport {flavour} as keras\n"
        "fit_before, compile_before = keras.Model.fit, keras.Model.compile",
        "%lossguard live on",
        "x, y = np.load('x.npy'), np.load('labels.npy')",
        "model = keras.models.model_from_json(open('softmax.json').read())",
        "weights = [w.copy() for w in model.get_weights()]\n"
        "model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])\n"
        "unchanged = all((a == b).all() for a, b in zip(weights, model.get_weights(), strict=True))",
        "history = model.fit(x, y, epochs=1, verbose=0)",
        "tagger = keras.models.model_from_json(open('tagger.json').read())\n"
        "tagger.compile(optimizer='adam', loss='binary_crossentropy', metrics=[keras.metrics.CategoricalAccuracy()])",
        "history = tagger.fit(x, y, epochs=1, verbose=0)",
        "import tensorflow as tf\ntagger.compile(optimizer='adam', loss='binary_crossentropy', metrics=[keras.metrics.CategoricalAccuracy()])\n"
        "history = tagger.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(8), epochs=1, verbose=0)",
        counting + "taken_on = sum(taken)",
        "%lossguard live off",
        counting + "taken_off = sum(taken)",
        "restored = keras.Model.fit is fit_before and keras.Model.compile is compile_before",
    ]
    shown = []
    for code in cells:
        with capture_output() as captured:
            result = shell.run_cell(code, store_history=True)
        texts = [o.data.get("text/plain", "") for o in captured.outputs]
        error = repr(result.error_in_exec) if result.error_in_exec is not None else None
        shown.append(
            {
                "code": code,
                "shown": texts,
                "stdout": captured.stdout,
                "stderr": captured.stderr,
                "error": error,
            }
        )
    ns = shell.user_ns
    print(
        "RESULT "
        + json.dumps(
            {
                "cells": shown,
                "unchanged": bool(ns.get("unchanged")),
                "restored": bool(ns.get("restored")),
                "taken": [ns.get("taken_on"), ns.get("taken_off")],
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
