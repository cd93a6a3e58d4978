"""LG024: a logit head in a subclassed model with BinaryAccuracy() at 0.5."""
import numpy as np
from tensorflow import keras


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.logit = keras.layers.Dense(1)

    def call(self, x):
        return self.logit(x)


model = Net()
model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=[keras.metrics.BinaryAccuracy()])
model.fit(np.random.random((16, 3)).astype("float32"), np.random.randint(0, 2, (16, 1)).astype("float32"))
