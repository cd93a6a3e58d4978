"""Tries the network every way before fit(); each attempt must fail, fit() must still be reached."""
import socket
import subprocess
import sys

from tensorflow import keras  # noqa: F401 - the model itself comes from _model.py

from _model import model_and_data

failures = 0
attempts = [
    lambda: socket.create_connection(("93.184.216.34", 80), timeout=2),
    lambda: socket.socket().connect_ex(("93.184.216.34", 80)) or (_ for _ in ()).throw(OSError("refused")),
    lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("8.8.8.8", 53)),
    lambda: socket.gethostbyname("example.com"),
]
for attempt in attempts:
    try:
        attempt()
    except OSError:
        failures += 1
child = subprocess.run([sys.executable, "-c", "import urllib.request as u; u.urlopen('http://example.com', timeout=3)"], capture_output=True)
failures += child.returncode != 0
assert failures == 5, failures
model, x, y = model_and_data()
model.fit(x, y, epochs=1)
