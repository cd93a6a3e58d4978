"""Two heads built in a helper loop; the dict of losses gives the softmax head BCE (LG001)."""
import numpy as np
import keras

inputs = keras.Input((6,))
shared = keras.layers.Dense(8, activation="relu")(inputs)
heads = {}
for name, units, act in [("spam", 1, "sigmoid"), ("topic", 4, "softmax")]:
    heads[name] = keras.layers.Dense(units, activation=act, name=name)(shared)
model = keras.Model(inputs, heads)
model.compile(optimizer="adam", loss={"spam": "binary_crossentropy", "topic": "binary_crossentropy"})
x = np.random.random((16, 6)).astype("float32")
model.fit(x, {"spam": np.random.randint(0, 2, (16, 1)).astype("float32"), "topic": np.eye(4)[np.arange(16) % 4]})
