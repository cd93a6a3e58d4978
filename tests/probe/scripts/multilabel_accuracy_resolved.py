"""LG020 as Keras resolves it: multi-label sigmoid head, binary cross-entropy, 'accuracy'."""
import numpy as np
from tensorflow import keras

n_tags = int("6")
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(n_tags, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(np.random.random((32, 20)).astype("float32"), (np.random.random((32, n_tags)) > 0.5).astype("float32"))
