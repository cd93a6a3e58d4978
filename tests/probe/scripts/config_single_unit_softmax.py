"""LG003: a one-unit softmax built from a config."""
import json

import numpy as np
from tensorflow import keras

cfg = json.loads('{"units": 1, "act": "softmax"}')
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(cfg["units"], activation=cfg["act"])])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(np.random.random((16, 4)), np.random.randint(0, 2, (16, 1)).astype("float32"), epochs=1)
