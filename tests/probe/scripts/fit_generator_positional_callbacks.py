"""tf_keras fit_generator with its callbacks given by position (the 5th argument)."""
import numpy as np
import tf_keras as keras

metric_names = [name for name in ("accuracy",)]


def batches():
    while True:
        yield np.random.random((8, 4)).astype("float32"), np.random.randint(0, 2, (8, 1)).astype("float32")


model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=metric_names)
stop = keras.callbacks.EarlyStopping(monitor="val_acc", mode="max")
model.fit_generator(batches(), 5, 2, 0, [stop], batches(), 2)
