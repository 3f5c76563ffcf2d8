"""On the lab engine: uwsgi as PID 1 without die-on-term takes docker stop's SIGTERM as a brutal
reload ("...brutally killing workers... binary reloading uWSGI"), so docker stop waited its 10 s
and killed it (measured with uwsgi 2.0.31: 10.4 s, exit 137; with --die-on-term or SIGINT
1.2 s, exit 0). The rewrite adds STOPSIGNAL SIGINT, and verify's stop check sees the
difference (prevention-point's `CMD ["uwsgi", "uwsgi.ini"]`).

The image installs pyuwsgi, uwsgi's core as a manylinux wheel with the same `uwsgi` command and
signal handling: the uwsgi sdist compiled in each cold build and took 167 s of CI, now 90 s."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import tutorial_started_by, verify_write_stops_after

pytestmark = pytest.mark.engine

INI = """\
[uwsgi]
http = 0.0.0.0:8000
module = mysite.wsgi:application
master = true
processes = 2
"""


def test_uwsgi_without_die_on_term_gets_stopsignal_sigint_and_stops(tmp_path: Path) -> None:
    dockerfile = tutorial_started_by(tmp_path / "app", 'CMD ["uwsgi", "--ini", "uwsgi.ini"]')
    root = dockerfile.parent
    (root / "uwsgi.ini").write_text(INI)
    requirements = root / "requirements.txt"
    requirements.write_text(requirements.read_text() + "pyuwsgi==2.0.30\n")
    verify_write_stops_after(
        dockerfile, "--no-rebuild", "--only", "fix-cmd-binding"
    )
    assert "STOPSIGNAL SIGINT" in dockerfile.read_text()
