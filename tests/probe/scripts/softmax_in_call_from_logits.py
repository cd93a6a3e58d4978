"""Softmax applied inside call() of a subclassed model, and a loss with from_logits=True."""
import numpy as np
import tensorflow as tf
from tensorflow import keras


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(4)

    def call(self, x):
        return tf.nn.softmax(self.dense(x))


model = Net()
model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))
model.fit(np.random.random((32, 3)).astype("float32"), keras.utils.to_categorical(np.arange(32) % 4, 4), epochs=1)
