"""Autofix: the edits rules describe, made concrete on a file's text and applied (``--fix``)."""
