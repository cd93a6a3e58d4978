"""Before fit(), every way out of the probe's scratch folder issue 22 found, each tried alone.

``LOSSGUARD_HOSTILE_TARGET`` is a folder outside the script's: it must come out unchanged. A
socket there (a canary server) must get no connection.
"""

import _io
import contextlib
import io
import os
import shutil
import socket
import subprocess

import tensorflow as tf
from _model import model_and_data
from tensorflow import keras  # noqa: F401  (the prefilter looks for Keras)

target = os.environ["LOSSGUARD_HOSTILE_TARGET"]
attempts = {
    "devnull": lambda: subprocess.run(["true"], stdout=subprocess.DEVNULL, check=True),
    "rmtree": lambda: shutil.rmtree(os.path.join(target, "tree")),
    "remove_dir_fd": lambda: os.remove("kept.txt", dir_fd=os.open(target, os.O_RDONLY)),
    "fileio": lambda: io.FileIO(os.path.join(target, "fileio.txt"), "w").write(b"x"),
    "_io_open": lambda: _io.open(os.path.join(target, "io_open.txt"), "w").write("x"),
    "mkfifo": lambda: os.mkfifo(os.path.join(target, "fifo")),
    "symlink": lambda: os.symlink("/etc/hostname", os.path.join(target, "link")),
    "tf_write_file": lambda: tf.io.write_file(os.path.join(target, "tf.txt"), "x"),
    "gfile": lambda: tf.io.gfile.GFile(os.path.join(target, "gfile.txt"), "w").write("x"),
    "gfile_rmtree": lambda: tf.io.gfile.rmtree(os.path.join(target, "tree")),
    "checkpoint": lambda: tf.train.Checkpoint(v=tf.Variable(1.0)).write(os.path.join(target, "ckpt")),
    "unix_socket": lambda: socket.socket(socket.AF_UNIX).connect(os.path.join(target, "canary.sock")),
}
for attempt in attempts.values():
    with contextlib.suppress(Exception):
        attempt()
model, x, y = model_and_data()
model.fit(x, y, epochs=1)
