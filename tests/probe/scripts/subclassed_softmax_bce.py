"""LG001 where static analysis cannot see the head: a subclassed model."""
import numpy as np
from tensorflow import keras


class Classifier(keras.Model):
    def __init__(self, classes):
        super().__init__()
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.head = keras.layers.Dense(classes, activation="softmax")

    def call(self, inputs):
        return self.head(self.hidden(inputs))


x = np.random.random((64, 8)).astype("float32")
y = keras.utils.to_categorical(np.random.randint(0, 5, 64), 5)
model = Classifier(5)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["categorical_accuracy"])
model.fit(x, y, epochs=3)
