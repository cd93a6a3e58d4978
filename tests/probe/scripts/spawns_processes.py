"""Starts a child and a new-session daemon (both holding the pipes) before fit()."""
import os
import subprocess
import sys

from tensorflow import keras  # noqa: F401 - the model itself comes from _model.py

from _model import model_and_data

marker = os.environ.get("LOSSGUARD_TEST_MARKER", "marker")
sleeper = [sys.executable, "-c", "import time; time.sleep(300)", marker]
subprocess.Popen(sleeper)
subprocess.Popen(sleeper, start_new_session=True)
if os.fork() == 0:
    os.setsid()
    os.execv(sys.executable, sleeper)
model, x, y = model_and_data()
model.fit(x, y, epochs=1)
