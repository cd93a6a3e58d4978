import numpy as np
from tensorflow import keras

x = np.random.rand(64, 8).astype("float32")
y = keras.utils.to_categorical(np.random.randint(0, 3, 64), 3)

model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3, activation="softmax")])
# The labels were one-hot encoded above, the loss still expects indices:
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
model.fit(x, y, epochs=1)
