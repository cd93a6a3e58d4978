"""LG010: the class count comes from the data, the head from a setting."""
import numpy as np
from tensorflow import keras

settings = {"outputs": 5}
labels = np.arange(40) % 7
targets = np.eye(labels.max() + 1)[labels]
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(settings["outputs"], activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.fit(np.random.random((40, 4)).astype("float32"), targets)
