"""fit() called from a thread; code after it must never run."""
import os
import threading

from tensorflow import keras  # noqa: F401 - the model itself comes from _model.py

from _model import model_and_data

model, x, y = model_and_data()
thread = threading.Thread(target=lambda: model.fit(x, y, epochs=1))
thread.start()
thread.join()
open(os.environ.get("LOSSGUARD_TEST_AFTER", "after_fit.txt"), "w").write("ran after fit")
