"""Writes coloured text and a TensorFlow-style log line, then dies of a signal before fit()."""
import os
import signal
import sys

from tensorflow import keras

sys.stderr.write("\x1b[31mcolour before the crash\x1b[0m\n")
sys.stderr.write("I0000 00:00:1796172552.381935    3000 port.cc:153] tensorflow log noise\n")
sys.stderr.flush()
os.kill(os.getpid(), signal.SIGKILL)  # TensorFlow handles SIGSEGV itself; SIGKILL it cannot
keras.Sequential().fit()
