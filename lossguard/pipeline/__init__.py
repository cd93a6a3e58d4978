"""The one pipeline every fact source goes through: read → gate → facts → rules → merge →
severity, suppressions, cells; with the project around a file, the cache and the fix loop.
docs/ARCHITECTURE.md draws it, with the rooms and the way imports run."""
