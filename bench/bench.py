"""`python bench/bench.py [options]` is `python -m bench [options]`; see bench/README.md."""

import sys
from pathlib import Path

# Run as a script, this file's directory comes first on sys.path and its name would hide the
# `bench` package: put the repository root there instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.run import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
