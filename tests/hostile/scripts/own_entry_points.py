"""Keras' own entry points, past ``Model.fit``: a base class's ``fit`` called directly, and the
script replacing itself with a program the probe does not watch (``os.execv``)."""

import contextlib
import os
import sys

from _model import model_and_data
from keras.src.backend.tensorflow.trainer import TensorFlowTrainer

marker = os.environ["LOSSGUARD_HOSTILE_TARGET"] + "/executed"
with contextlib.suppress(Exception):
    os.execv(sys.executable, [sys.executable, "-c", f"open({marker!r}, 'w').write('x')"])
model, x, y = model_and_data()
TensorFlowTrainer.fit(model, x, y, epochs=1)
open(marker + "-trained", "w").write("the model was trained")
