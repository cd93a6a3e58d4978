"""Tries to download a dataset: the probe blocks it and says so."""
import numpy as np
from tensorflow import keras

path = keras.utils.get_file("data.npz", origin="https://example.com/data.npz")
data = np.load(path)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(data["x"], data["y"])
