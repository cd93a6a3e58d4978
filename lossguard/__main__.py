"""``python -m lossguard``."""

from lossguard.cli import main

main()
