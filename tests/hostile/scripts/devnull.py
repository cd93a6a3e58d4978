"""Silences a tool's output with subprocess.DEVNULL before fit(), uncaught: as scripts do."""
import subprocess
import sys

from tensorflow import keras  # noqa: F401  (the prefilter looks for Keras)
from _model import model_and_data

subprocess.run([sys.executable, "-c", "print('noise')"], stdout=subprocess.DEVNULL, check=True)
with open("/dev/null", "w") as sink:
    sink.write("discarded")
model, x, y = model_and_data()
model.fit(x, y, epochs=1)
