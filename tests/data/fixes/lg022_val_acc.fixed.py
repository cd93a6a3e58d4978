import numpy as np
from tensorflow import keras

x = np.random.rand(64, 8).astype("float32")
y = np.random.randint(0, 2, 64).astype("float32")

model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=2)  # Keras 2 name
model.fit(x, y, validation_split=0.25, epochs=2, callbacks=[stop])
