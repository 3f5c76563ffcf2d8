"""The dj-optimize benchmark: `python -m bench` from the repository root (see README.md)."""
