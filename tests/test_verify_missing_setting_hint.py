"""An original that stops on a setting nothing sets gets the variable and the fix named.

saeed-payvandi/django-celery: compose's `env_file: eshop/.env` is not committed and has no
template; `DEBUG = config('DEBUG', cast=bool)` (python-decouple) has no default. Verify said
only "the original does not answer HTTP ... nothing was proven", with the traceback.
"""

from __future__ import annotations

from optimizer.verify import _add_template_hint, missing_setting_hint
from optimizer.verify.report import Reason, SideReport, VerifyOptions, VerifyReport
from optimizer.verify.runplan import RunPlan

DECOUPLE = [
    '  File "/app/config/settings.py", line 27, in <module>',
    "    DEBUG = config('DEBUG', cast=bool)",
    "decouple.UndefinedValueError: DEBUG not found. Declare it as envvar or define a "
    "default value.",
]


def _inconclusive(log: list[str]) -> VerifyReport:
    report = VerifyReport(
        run_id="t",
        before=SideReport(build_ok=True, container_log_tail=log),
        after=SideReport(build_ok=True, container_log_tail=log),
    )
    report.set_verdict("inconclusive", [Reason("the original does not answer HTTP")])
    return report


def test_a_missing_env_file_and_the_variable_are_named() -> None:
    report = _inconclusive(DECOUPLE)
    plan = RunPlan(notes=("env file eshop/.env not found: read as empty",))
    _add_template_hint(report, VerifyOptions(run_plan=plan))
    said = report.verdict_reasons[0].cause[-1]
    assert said.startswith("the settings stop on DEBUG, which nothing sets here")
    assert "eshop/.env" in said and "`--env DEBUG=...`" in said


def test_django_environ_and_os_environ_spellings() -> None:
    environ = ["django.core.exceptions.ImproperlyConfigured: Set the SECRET_KEY environment "
               "variable"]
    keyed = ['  File "/app/proj/settings.py", line 9, in <module>',
             '    SECRET_KEY = os.environ["DJANGO_SECRET"]',
             '  File "<frozen os>", line 714, in __getitem__',
             "KeyError: 'DJANGO_SECRET'"]
    plan = RunPlan()
    assert "SECRET_KEY" in (missing_setting_hint(_inconclusive(environ), plan) or "")
    said = missing_setting_hint(_inconclusive(keyed), plan) or ""
    assert "DJANGO_SECRET" in said and "--env-file" in said


def test_nothing_said_for_other_errors_or_a_set_variable() -> None:
    other = ["KeyError: 'user'"]  # a KeyError that is not an environ lookup
    assert missing_setting_hint(_inconclusive(other), RunPlan()) is None
    assert missing_setting_hint(_inconclusive(DECOUPLE), RunPlan(env={"DEBUG": "1"})) is None


def test_a_missing_env_file_without_a_template_is_named_when_nothing_else_is() -> None:
    """PeymanNr/order-management: `env_file: .env` (not committed, no template) and
    `SECRET_KEY=${SECRET_KEY}`; Django stopped on "The SECRET_KEY setting must not be empty"
    and Postgres on POSTGRES_PASSWORD, and only "how it ran" said the file was read as empty."""
    from optimizer.verify.runplan import ServiceSpec

    log = ["django.core.exceptions.ImproperlyConfigured: The SECRET_KEY setting must not be "
           "empty."]
    report = _inconclusive(log)
    plan = RunPlan(
        notes=("env file .env not found: read as empty",),
        env={"SECRET_KEY": "", "DB_HOST": "db"},
        services=(ServiceSpec("db", "postgres:15", {"POSTGRES_PASSWORD": ""}, port=5432),),
    )
    _add_template_hint(report, VerifyOptions(run_plan=plan))
    said = report.verdict_reasons[0].cause[-1]
    assert said.startswith("the compose file's env file .env is not in the project and has no "
                           "template to read in its place: it was read as empty (empty here: "
                           "SECRET_KEY, POSTGRES_PASSWORD)"), said
    # The variable the settings stop on, when the log names it, is the more precise hint.
    report = _inconclusive(DECOUPLE)
    _add_template_hint(report, VerifyOptions(run_plan=plan))
    assert report.verdict_reasons[0].cause[-1].startswith("the settings stop on DEBUG")
    # No env file read as empty: nothing.
    report = _inconclusive(log)
    _add_template_hint(report, VerifyOptions(run_plan=RunPlan(env={"SECRET_KEY": ""})))
    assert not report.verdict_reasons[0].cause
