"""LG002: the head comes from a config dict."""
import json

import numpy as np
from tensorflow import keras

CONFIG = json.loads('{"hidden": [32, 16], "classes": 3, "head": "sigmoid"}')
model = keras.Sequential([keras.Input((10,))])
for width in CONFIG["hidden"]:
    model.add(keras.layers.Dense(width, activation="relu"))
model.add(keras.layers.Dense(CONFIG["classes"], activation=CONFIG["head"]))
model.compile(optimizer="adam", loss="categorical_crossentropy")
x = np.random.random((32, 10)).astype("float32")
y = np.eye(3)[np.arange(32) % 3]
model.fit(x, y, epochs=1)
