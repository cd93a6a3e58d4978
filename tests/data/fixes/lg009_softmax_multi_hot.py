import numpy as np
from tensorflow import keras

x = np.random.rand(500, 32)
tags = np.random.randint(0, 2, (500, 6))  # several tags per row
model = keras.Sequential([
    keras.Input((32,)),
    keras.layers.Dense(16, activation="relu"),
    keras.layers.Dense(6, activation="softmax"),  # one answer per row
])
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.fit(x, tags, epochs=5)
