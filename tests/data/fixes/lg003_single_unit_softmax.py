import numpy as np
from tensorflow import keras

x = np.random.rand(64, 8).astype("float32")
y = np.random.randint(0, 2, 64).astype("float32")  # 0/1 labels

model = keras.Sequential([
    keras.Input((8,)),
    keras.layers.Dense(16, activation="relu"),
    keras.layers.Dense(1, activation="softmax"),  # one unit
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=1)
