# Ten-ish classes, one-hot labels, but a binary loss (the classic mix-up).
import numpy as np
from tensorflow import keras

x = np.random.rand(64, 8).astype("float32")
y = keras.utils.to_categorical(np.random.randint(0, 4, 64), 4)  # one-hot rows

model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(4, activation="softmax")])
model.compile(optimizer="adam", loss='binary_crossentropy', metrics=["accuracy"])  # keep this comment
model.fit(x, y, epochs=1, batch_size=16)
