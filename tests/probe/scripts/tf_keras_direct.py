"""import tf_keras as keras, without TF_USE_LEGACY_KERAS."""
import numpy as np
import tf_keras as keras


class Classifier(keras.Model):
    def __init__(self):
        super().__init__()
        self.head = keras.layers.Dense(3, activation="softmax")

    def call(self, inputs):
        return self.head(inputs)


model = Classifier()
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(np.random.random((16, 4)).astype("float32"), keras.utils.to_categorical(np.arange(16) % 3, 3), epochs=3)
model.save("trained.keras")
