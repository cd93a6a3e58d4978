"""Tries to write files before fit: saving is a no-op in the probe."""
import os
import sys

import numpy as np
from tensorflow import keras

target = sys.argv[0] + ".saved.keras"
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.save(target)
model.save_weights(target + ".weights.h5")
checkpoint = keras.callbacks.ModelCheckpoint(target, save_best_only=False)
model.fit(np.random.random((16, 4)), np.random.randint(0, 2, (16, 1)).astype("float32"), callbacks=[checkpoint])
assert not os.path.exists(target)
