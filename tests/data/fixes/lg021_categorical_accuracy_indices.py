import numpy as np
from tensorflow import keras

x = np.random.rand(64, 8).astype("float32")
y = np.random.randint(0, 4, 64)  # class indices

model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, activation="softmax")])
model.compile(
    optimizer="adam",
    loss="sparse_categorical_crossentropy",
    metrics=[keras.metrics.CategoricalAccuracy()],
)
model.fit(x, y, epochs=1)
