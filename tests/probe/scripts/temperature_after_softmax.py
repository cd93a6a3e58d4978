"""A temperature Lambda after the softmax: the outputs are no longer probabilities."""
import numpy as np
from tensorflow import keras

layers = [keras.Input((3,)), keras.layers.Dense(4, activation="softmax")]
layers.append(keras.layers.Lambda(lambda t: t * 3.0))
model = keras.Sequential(layers)
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.fit(np.random.random((32, 3)).astype("float32"), keras.utils.to_categorical(np.arange(32) % 4, 4), epochs=1)
