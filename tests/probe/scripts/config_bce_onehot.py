"""LG007: ten sigmoid units (from a config) trained with BCE on one-hot single-label targets."""
import json

import numpy as np
from tensorflow import keras

cfg = json.loads('{"classes": 10}')
model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(cfg["classes"], activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[keras.metrics.CategoricalAccuracy()])
model.fit(np.random.random((40, 16)).astype("float32"), np.eye(cfg["classes"])[np.arange(40) % 10])
