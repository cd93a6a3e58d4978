"""LG004: from_logits=True on a sigmoid head inside a subclassed model."""
import numpy as np
from tensorflow import keras


class Scorer(keras.Model):
    def __init__(self):
        super().__init__()
        self.score = keras.layers.Dense(1, activation="sigmoid")

    def call(self, x):
        return self.score(x)


model = Scorer()
model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
model.fit(np.random.random((16, 3)).astype("float32"), np.random.randint(0, 2, (16, 1)).astype("float32"))
