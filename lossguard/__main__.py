"""``python -m lossguard``."""

from lossguard.face.cli import main

main()
