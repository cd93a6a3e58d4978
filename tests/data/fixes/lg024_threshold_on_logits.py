import numpy as np
from tensorflow import keras

x = np.random.rand(64, 8).astype("float32")
y = np.random.randint(0, 2, 64).astype("float32")

model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
model.compile(
    optimizer="adam",
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[
        keras.metrics.BinaryAccuracy(name="acc"),  # 0.5 on logits
        keras.metrics.AUC(),
    ],
)
model.fit(x, y, epochs=1)
