"""A correct script: the probe finds nothing."""
import numpy as np
from tensorflow import keras

model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max")
model.fit(np.random.random((40, 4)), np.random.randint(0, 2, (40, 1)).astype("float32"), validation_split=0.25, callbacks=[stop])
