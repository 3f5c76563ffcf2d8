"""`python -m optimizer`: the same command as the `dj-optimize` console script (for a venv
whose bin/ is not on PATH, and `python -m` habits from `python -m ruff` / `python -m black`)."""

from optimizer.cli import main

if __name__ == "__main__":
    main()
