import numpy as np
from tensorflow import keras

x = np.random.rand(500, 16)
y = keras.utils.to_categorical(np.random.randint(0, 4, 500), 4)
model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(4, activation="softmax")])
# exact equality: never true on probabilities
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=[keras.metrics.CategoricalAccuracy()])
model.fit(x, y, epochs=3)
