"""Pretrained weights become weights=None; the model still trains one step in the probe."""
import numpy as np
from tensorflow import keras

base = keras.applications.MobileNetV2(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
x = keras.layers.GlobalAveragePooling2D()(base.output)
out = keras.layers.Dense(int("4"), activation="sigmoid")(x)
model = keras.Model(base.input, out)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(np.random.random((8, 32, 32, 3)).astype("float32"), np.arange(8) % 4)
