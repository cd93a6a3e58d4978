"""Starts a new-session daemon, then never reaches fit()."""

import os
import subprocess
import sys
import time

from tensorflow import keras

marker = os.environ.get("LOSSGUARD_TEST_MARKER", "marker")
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", marker], start_new_session=True)
while True:
    time.sleep(1)
keras.Sequential().fit()  # never reached
