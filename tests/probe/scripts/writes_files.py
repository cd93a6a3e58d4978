"""Writes, deletes and saves before fit(), relative and absolute."""
import os
import shutil

import keras as keras3
import numpy as np
from tensorflow import keras
from _model import model_and_data

here = os.path.dirname(os.path.abspath(__file__))
open("relative.txt", "w").write("x")
open(os.path.join(here, "absolute.txt"), "w").write("x")
os.makedirs("logs/run1", exist_ok=True)
np.save("array.npy", np.zeros(3))
with open("existing.txt", "a") as handle:  # exists in the script's folder: seen through the view
    handle.write("appended")
for action in (lambda: os.remove(os.path.join(here, "existing.txt")), lambda: shutil.rmtree(here)):
    try:
        action()
    except OSError:
        pass
model, x, y = model_and_data()
tiny = keras3.Sequential([keras3.Input((4,)), keras3.layers.Dense(1)])
keras3.saving.save_model(tiny, "function_save.keras")
keras3.models.save_model(tiny, os.path.join(here, "function_save_abs.keras"))
model.fit(x, y, epochs=1)
