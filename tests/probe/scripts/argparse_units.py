"""A script that needs its command-line arguments (argparse)."""
import argparse
import numpy as np
from tensorflow import keras

parser = argparse.ArgumentParser()
parser.add_argument("--units", type=int, required=True)
args = parser.parse_args()
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(args.units, activation="softmax")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(np.random.random((16, 4)), keras.utils.to_categorical(np.arange(16) % args.units, args.units), epochs=1)
