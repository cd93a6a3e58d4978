"""LG022 where the metrics are built dynamically: monitor='val_acc', logged 'val_accuracy'."""
import numpy as np
from tensorflow import keras

metric_names = [name for name in ("accuracy",)]
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=metric_names)
stop = keras.callbacks.EarlyStopping(monitor="val_acc", mode="max")
model.fit(np.random.random((40, 4)), np.random.randint(0, 2, (40, 1)).astype("float32"), validation_split=0.25, callbacks=[stop])
