"""Crashes before fit (and has a static finding that must still be reported)."""
import numpy as np
from tensorflow import keras

model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="softmax")])
model.compile(optimizer="adam", loss="binary_crossentropy")
settings = {"epochs": 3}
model.fit(np.zeros((4, 4)), np.zeros((4, 1)), epochs=settings["epochs_total"])
