import numpy as np
from tensorflow import keras

x = np.random.rand(64, 8).astype("float32")
tags = np.random.randint(0, 2, (64, 6)).astype("float32")  # several tags per sample

model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(6, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=['accuracy'])
model.fit(x, tags, epochs=1)
