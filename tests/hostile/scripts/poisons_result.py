"""Replaces the probe's own result file with a FIFO (from a shell: past the Python guards),
then hangs: the parent must not block reading it."""
import subprocess
import time

from tensorflow import keras  # noqa: F401  (the prefilter looks for Keras)

arguments = open("/proc/self/cmdline", "rb").read().split(b"\0")
result = next(a for a in arguments if a.endswith(b"result.json")).decode()
subprocess.run(["mkfifo", result], check=False)
while True:
    time.sleep(1)
keras.Sequential().fit()  # never reached
