"""Every probe 400 because ALLOWED_HOSTS refuses verify's Host header: the verdict says which
setting and what to give (optimizer/verify/runplan.refused_host), on the lab engine with a real
Postgres and Redis.

examples/13-postgres-redis with its settings written as ducdat147/django-boilerplate writes
them: ALLOWED_HOSTS from DJANGO_ALLOWED_HOSTS with an empty default and DEBUG off. Nothing sets
it under compose, so Django answers every probe "Bad Request (400)" on both sides; the verdict
was inconclusive with "both sides answer 400 (the same error)" and nothing on why. Now its first
reason names ALLOWED_HOSTS, the variable and `--env DJANGO_ALLOWED_HOSTS=localhost`; run again
with that, verify passes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

# The lab images (postgres:16 aliased) and the by-label leftover check of the services test.
from test_verify_services_e2e import _assert_nothing_left, _images  # noqa: F401

from optimizer.pipeline import optimize
from optimizer.verify import VerifyOptions, VerifyReport, verify
from optimizer.verify.runplan import Flags, apply, plan_for

pytestmark = pytest.mark.engine

EXAMPLE = Path(__file__).parent.parent / "examples" / "13-postgres-redis"
SETTING = 'ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1").split(",")'
EMPTY_DEFAULT = (
    'ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]'
)


def _run(root: Path, flags: Flags) -> VerifyReport:
    outcome = optimize(root / "Dockerfile", root)
    key = outcome.dockerfile_key
    before = {key: outcome.original[key] or ""}
    after = {key: outcome.files.get(key, before[key])}
    after.update({k: v for k, v in outcome.files.items() if k != key})
    plan = plan_for(outcome.project, root, root / "Dockerfile", before[key], flags)
    report = verify(root, before, after,
                    apply(plan, VerifyOptions(measure_rebuild=False, env=flags.env)))
    _assert_nothing_left(report.run_id)
    return report


def test_a_host_allowed_hosts_refuses_is_named_with_the_variable_to_set(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("*.expected"))
    settings = root / "mysite" / "settings.py"
    assert SETTING in settings.read_text()
    settings.write_text(settings.read_text().replace(SETTING, EMPTY_DEFAULT))

    report = _run(root, Flags())
    assert report.verdict == "inconclusive", (report.verdict, report.verdict_reasons)
    for side in (report.before, report.after):
        assert side is not None and side.pre_step is not None and side.pre_step["ok"]
        assert {p.status for p in side.probes} == {400}, side.probes
    first = report.verdict_reasons[0]
    hint = next((c for c in first.cause if "ALLOWED_HOSTS" in c), None)
    assert hint is not None, report.verdict_reasons
    assert "ALLOWED_HOSTS is [] as the app runs here" in hint
    assert "read from DJANGO_ALLOWED_HOSTS, which nothing sets here" in hint
    assert "`--env DJANGO_ALLOWED_HOSTS=localhost`" in hint

    # What it says to do works: the same run with that variable passes.
    report = _run(root, Flags(env={"DJANGO_ALLOWED_HOSTS": "localhost"}))
    assert report.verdict == "pass", (report.verdict, report.verdict_reasons)
    root_probe = next(p for p in report.after.probes if p.path == "/")
    assert root_probe.status == 200, root_probe
    assert "1 notes (written by a migration); hello from redis" in root_probe.body
