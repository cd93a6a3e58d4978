"""image_dataset_from_directory on a missing folder with known class names."""
import keras

train = keras.utils.image_dataset_from_directory(
    "no/such/dataset", class_names=["a", "b", "c", "d"], image_size=(24, 24), batch_size=8
)
model = keras.Sequential([keras.Input((24, 24, 3)), keras.layers.Flatten(), keras.layers.Dense(int("3"), activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(train, epochs=1)
