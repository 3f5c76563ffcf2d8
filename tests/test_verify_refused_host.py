"""ALLOWED_HOSTS that refuses the Host header verify sends, named before the run and under a
400 (optimizer/verify/runplan.refused_host, verify.refused_host_hint).

ducdat147/django-boilerplate: `ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])` and
`DEBUG = env.bool("DEBUG", default=False)`: with nothing setting them, Django answers every
request "Bad Request (400)" (DEBUG off: no page naming DisallowedHost), and the verdict said only
that both sides answer the same error.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.project import inspect_project
from optimizer.verify import refused_host_hint
from optimizer.verify.report import ProbeResult, Reason, SideReport, VerifyReport
from optimizer.verify.runplan import RunPlan, host_allowed, refused_host

DOCKERFILE = "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nCMD gunicorn site.wsgi\n"
SETTINGS = """\
import environ

env = environ.Env()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
"""


def _project(tmp_path: Path, settings: str = SETTINGS):  # type: ignore[no-untyped-def]
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "__init__.py").write_text("")
    (tmp_path / "site" / "settings.py").write_text(settings)
    (tmp_path / "manage.py").write_text(
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.settings')\n"
    )
    return inspect_project(tmp_path, DOCKERFILE)


def test_django_s_host_test() -> None:
    assert host_allowed("localhost", ["*"], False)
    assert host_allowed("api.example.com", [".example.com"], False)
    assert host_allowed("example.com", [".example.com"], False)
    assert host_allowed("LOCALHOST", ["localhost"], False)
    assert not host_allowed("localhost", [], False)
    assert host_allowed("localhost", [], True)  # DEBUG's own localhost names
    assert not host_allowed("localhost", ["example.com"], True)


def test_an_empty_allowed_hosts_nothing_sets_is_named_with_the_variable(tmp_path: Path) -> None:
    project = _project(tmp_path)
    said = refused_host(project, DOCKERFILE, {}, "localhost")
    assert said is not None
    assert "ALLOWED_HOSTS is [] as the app runs here" in said
    assert "read from ALLOWED_HOSTS, which nothing sets here" in said
    assert "with DEBUG off" in said
    assert "`--env ALLOWED_HOSTS=localhost`" in said
    # Set to the host, or DEBUG on (an empty list then allows localhost): nothing to say.
    assert refused_host(project, DOCKERFILE, {"ALLOWED_HOSTS": "localhost"}, "localhost") is None
    assert refused_host(project, DOCKERFILE, {"DEBUG": "True"}, "localhost") is None
    # Set to another host: named with the value it has.
    said = refused_host(project, DOCKERFILE, {"ALLOWED_HOSTS": "example.com"}, "localhost")
    assert said is not None and "read from ALLOWED_HOSTS = 'example.com'" in said
    assert "does not allow localhost" in said


def test_a_list_written_into_the_settings_asks_for_a_host_it_allows(tmp_path: Path) -> None:
    project = _project(tmp_path, "DEBUG = False\nALLOWED_HOSTS = ['example.com']\n")
    said = refused_host(project, DOCKERFILE, {}, "localhost")
    assert said is not None and "as site/settings.py set it" in said
    assert "give --host a host it allows" in said
    # Unknown values say nothing.
    other = tmp_path / "other"
    other.mkdir()
    unknown = "import os\nDEBUG = False\nALLOWED_HOSTS = os.environ['HOSTS'].split()\n"
    project = _project(other, unknown)
    assert refused_host(project, DOCKERFILE, {}, "localhost") is None


def _report(status: int) -> VerifyReport:
    side = SideReport(build_ok=True, probes=[ProbeResult("/", status=status)])
    report = VerifyReport("r", side, SideReport(build_ok=True))
    report.set_verdict("inconclusive", [Reason("no probe proved anything")])
    return report


def test_the_hint_goes_under_a_400_only() -> None:
    plan = RunPlan(refused_host_hint="Django will refuse the Host header localhost ...")
    assert refused_host_hint(_report(400), plan) == plan.refused_host_hint
    assert refused_host_hint(_report(500), plan) is None
    assert refused_host_hint(_report(400), RunPlan()) is None
