"""LG006 (and LG001): layers chosen by name with getattr."""
import numpy as np
from tensorflow import keras

STACK = [("Dense", {"units": 3, "activation": "softmax"}), ("BatchNormalization", {})]
model = keras.Sequential([keras.Input((6,))])
for name, kwargs in STACK:
    model.add(getattr(keras.layers, name)(**kwargs))
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.fit(np.random.random((32, 6)).astype("float32"), np.eye(3)[np.arange(32) % 3], epochs=1)
