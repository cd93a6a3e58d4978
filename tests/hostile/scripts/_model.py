"""A tiny model whose only problem only a run shows (softmax head in a subclassed model + BCE)."""

import numpy as np
from tensorflow import keras


class Classifier(keras.Model):
    def __init__(self):
        super().__init__()
        self.head = keras.layers.Dense(3, activation="softmax")

    def call(self, inputs):
        return self.head(inputs)


def model_and_data():
    model = Classifier()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x = np.random.random((16, 4)).astype("float32")
    y = keras.utils.to_categorical(np.arange(16) % 3, 3)
    return model, x, y
