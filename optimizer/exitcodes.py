"""Exit statuses of `dj-optimize`, one meaning each, like a linter so CI can gate on them.

0  nothing to change, or the changes were written (and verified, when asked)
1  changes proposed (dry run / --check); with --verify, proposed and verified
2  bad input: missing or unparseable Dockerfile, no Django project, unreadable files, bad options
3  verify failed: the rewrite broke something the original did; with no baseline (`init
   --verify`, `--baseline none`): the image does not build, start or answer
4  verify inconclusive: the original itself does not build, start or answer, or no engine
   answers, or a service is missing, or the run was interrupted; nothing was proven
70 internal error (a bug in dj-optimize; never 1)
128+N interrupted by signal N: 130 Ctrl-C (SIGINT), 143 SIGTERM, 129 SIGHUP; no half-written file
"""

from __future__ import annotations

OK = 0
CHANGES = 1
BAD_INPUT = 2
VERIFY_FAILED = 3
VERIFY_INCONCLUSIVE = 4
INTERNAL_ERROR = 70  # EX_SOFTWARE in sysexits.h

HELP = (
    "Exit status: 0 nothing to change (or written), 1 changes proposed, 2 bad input, "
    "3 verify failed, 4 verify inconclusive, 70 internal error, 130/143 interrupted "
    "(Ctrl-C/SIGTERM)."
)
