"""fit() inside a bare except in a loop; code after it must never run."""
import os

from tensorflow import keras  # noqa: F401 - the model itself comes from _model.py

from _model import model_and_data

model, x, y = model_and_data()
for attempt in range(3):
    try:
        model.fit(x, y, epochs=1)
    except BaseException:  # noqa: BLE001 - the point of this script
        pass
    open(os.environ.get("LOSSGUARD_TEST_AFTER", "after_fit.txt"), "a").write("ran after fit\n")
