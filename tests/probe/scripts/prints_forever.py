"""Prints without end before fit(): the parent must keep only a bounded tail."""
from tensorflow import keras

line = "x" * 1000
while True:
    print(line)
keras.Sequential().fit()
