"""Reads a data file next to itself with a relative path (the working directory shows its folder)."""
import numpy as np

from tensorflow import keras  # noqa: F401 - the model itself comes from _model.py

from _model import model_and_data

data = np.load("beside.npz")
model, x, y = model_and_data()
model.fit(data["x"], y, epochs=1)
