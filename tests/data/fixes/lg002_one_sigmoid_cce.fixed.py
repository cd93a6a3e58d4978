# A yes/no classifier whose loss is the categorical one: the loss is always 0.
import numpy as np
from tensorflow import keras

x = np.random.rand(64, 8).astype("float32")
y = np.random.randint(0, 2, (64, 1)).astype("float32")

model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(
    optimizer="adam",
    loss=keras.losses.BinaryCrossentropy(),  # the wrong family
    metrics=["accuracy"],
)
model.fit(x, y, epochs=1)
