"""LG021, seen by both sides: 'accuracy' on a regression."""
import numpy as np
from tensorflow import keras

model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
model.fit(np.random.random((32, 5)).astype("float32"), np.random.random((32, 1)).astype("float32"))
