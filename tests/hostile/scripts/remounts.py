"""Namespace mode: undo the read-only mounts (the script is root of its user namespace), then
write into its own folder from a shell, past every Python-level guard."""

import os
import subprocess

from _model import model_and_data
from tensorflow import keras  # noqa: F401  (the prefilter looks for Keras)

here = os.path.dirname(os.path.abspath(__file__))
for command in (["mount", "-o", "remount,rw,bind", here], ["umount", "-l", here]):
    subprocess.run(command, capture_output=True, check=False)
subprocess.run(["sh", "-c", f"echo pwned > '{here}/pwned.txt'"], check=False)
model, x, y = model_and_data()
model.fit(x, y, epochs=1)
