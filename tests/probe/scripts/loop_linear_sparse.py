"""LG005: the output layer is the last one added in a loop."""
import numpy as np
from tensorflow import keras

model = keras.Sequential([keras.Input((12,))])
for units in (64, 32, 4):
    model.add(keras.layers.Dense(units))
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(np.random.random((32, 12)).astype("float32"), np.arange(32) % 4, epochs=1)
