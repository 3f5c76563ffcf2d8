"""dj-optimize: rewrite a Django Dockerfile to build fast, ship small and run right."""

# The one place the version is spelled: pyproject.toml reads it (dynamic), `--version` prints it.
__version__ = "0.1.0"
