"""A NaN in row 25 of the features: the probe cuts batches to 8 rows, the check looks at all."""
import numpy as np
from tensorflow import keras

x = np.random.random((32, 4)).astype("float32")
x[25, 1] = np.nan
y = np.random.randint(0, 2, (32, 1)).astype("float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=1)
