"""lossguard: catches the silent mistakes in Keras training code."""

__version__ = "0.1.0"
