import numpy as np
import tensorflow as tf

x = np.random.rand(64, 8).astype("float32")
y = np.random.randint(0, 5, 64)

model = tf.keras.Sequential([tf.keras.Input((8,)), tf.keras.layers.Dense(5, activation="softmax")])  # logits out
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=1)
