"""What Keras *is*: its public names, method signatures and per-version semantics.

Every layer may use this package (it imports nothing but the fact model); none of it imports
Keras or TensorFlow.
"""
