"""Reporters: text, json, github, sarif. Each turns a Report into a string."""
