"""LG043 at runtime: the masks come from a loader, so only a real batch shows their three axes."""
import numpy as np
from tensorflow import keras


def load_masks(count):
    return np.stack([np.random.randint(0, 3, (16, 16)) for _ in range(count)])


images = np.random.random((8, 16, 16, 1)).astype("float32")
masks = load_masks(8)
inputs = keras.Input((16, 16, 1))
outputs = keras.layers.Conv2D(3, 1, activation="softmax")(inputs)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(images, masks, epochs=1, class_weight={0: 1.0, 1: 2.0, 2: 4.0})
