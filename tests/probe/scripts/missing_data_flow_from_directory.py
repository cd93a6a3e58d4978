"""The data folder is not there (CI): the probe uses a synthetic batch and still sees LG002."""
from tensorflow import keras
from tensorflow.keras.preprocessing.image import ImageDataGenerator

train = ImageDataGenerator(rescale=1 / 255).flow_from_directory(
    "no/such/folder/train", target_size=(32, 32), batch_size=16, class_mode="categorical"
)
layers = [keras.Input((32, 32, 3)), keras.layers.Flatten(), keras.layers.Dense(int("2"), activation="sigmoid")]
model = keras.Sequential(layers)
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(train, epochs=1, steps_per_epoch=train.samples // 16)
