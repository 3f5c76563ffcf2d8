"""A build context that lacks a COPY source, given with --context or named by a compose file,
is reported: the image does not build from it and what the transforms read there is not what
the image holds (django-helpdesk's standalone/Dockerfile copies `django-helpdesk/src/` and is
built from the repository's parent; read from the repository, its cron-starting entrypoint was
not found)."""

from __future__ import annotations

from pathlib import Path

from optimizer.pipeline import optimize

DOCKERFILE = """\
FROM python:3.11-slim
COPY app/requirements.txt /srv/
RUN pip install --no-cache-dir -r /srv/requirements.txt
COPY app/ /srv/app/
WORKDIR /srv/app
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
"""


def _project(root: Path) -> None:
    (root / "config").mkdir(parents=True)
    (root / "config" / "__init__.py").write_text("")
    (root / "config" / "settings.py").write_text("INSTALLED_APPS = []\n")
    (root / "config" / "wsgi.py").write_text("application = None\n")
    (root / "manage.py").write_text(
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
    )
    (root / "requirements.txt").write_text("django==5.1\ngunicorn==23.0.0\n")
    (root / "Dockerfile").write_text(DOCKERFILE)


def test_context_missing_a_source_is_reported_with_its_parent(tmp_path: Path) -> None:
    repo = tmp_path / "app"
    _project(repo)
    outcome = optimize(repo / "Dockerfile", repo)
    warnings = [n for n in outcome.notes if n.startswith("warning:")]
    assert len(warnings) == 1, outcome.notes
    assert "`app/requirements.txt`" in warnings[0]
    assert f"--context {tmp_path} builds it" in warnings[0]


def test_the_right_context_says_nothing(tmp_path: Path) -> None:
    _project(tmp_path / "app")
    outcome = optimize(tmp_path / "app" / "Dockerfile", tmp_path)
    assert not [n for n in outcome.notes if n.startswith("warning:")], outcome.notes


def test_a_source_missing_elsewhere_gets_no_parent_hint(tmp_path: Path) -> None:
    repo = tmp_path / "app"
    _project(repo)
    (repo / "Dockerfile").write_text(DOCKERFILE.replace("app/requirements.txt", "reqs/prod.txt"))
    outcome = optimize(repo / "Dockerfile", tmp_path)
    warnings = [n for n in outcome.notes if n.startswith("warning:")]
    assert len(warnings) == 1 and "`reqs/prod.txt`" in warnings[0], outcome.notes
    assert "--context" not in warnings[0]


def test_quoted_sources_are_read_without_their_quotes(tmp_path: Path) -> None:
    """ArchiveBox: `COPY --chmod=755 "etc/sonic.cfg" /etc/sonic.cfg` copies etc/sonic.cfg."""
    from optimizer.dockerfile import Dockerfile
    from optimizer.pipeline import missing_copy_sources

    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "sonic.cfg").write_text("")
    df = Dockerfile.parse(
        'FROM python:3.12\nCOPY --chown=root:root --chmod=755 "etc/sonic.cfg" /etc/sonic.cfg\n'
        "COPY 'etc/sonic.cfg' /x\n"
    )
    assert missing_copy_sources(df, tmp_path) is None


def test_an_optional_file_glob_beside_a_present_source_is_not_missing(tmp_path: Path) -> None:
    """mrityunjaygr8/django-uv-knox-test: `COPY pyproject.toml uv.lock* ./` with no uv.lock
    yet copies pyproject.toml on both builders; it was reported as a build that fails."""
    from optimizer.dockerfile import Dockerfile
    from optimizer.pipeline import missing_copy_sources

    _project(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\n')
    text = DOCKERFILE.replace(
        "COPY app/requirements.txt /srv/\n",
        "COPY pyproject.toml uv.lock* poetry.lock* /srv/\nCOPY requirements.txt /srv/\n",
    ).replace("COPY app/ /srv/app/", "COPY . /srv/app/")
    (tmp_path / "Dockerfile").write_text(text)
    assert missing_copy_sources(Dockerfile.parse(text), tmp_path) is None
    outcome = optimize(tmp_path / "Dockerfile", tmp_path)
    assert not [n for n in outcome.notes if n.startswith("warning:")], outcome.notes


def test_a_glob_that_is_all_a_copy_copies_is_reported_as_the_builders_differ(
    tmp_path: Path,
) -> None:
    """vintasoftware/django-react-boilerplate's `COPY *poetry.lock /home/user/app/`, nothing
    else in that COPY, and no lock in the repository: BuildKit goes on, the legacy builder
    stops."""
    _project(tmp_path)
    text = DOCKERFILE.replace(
        "COPY app/requirements.txt /srv/\n",
        "COPY *poetry.lock /srv/\nCOPY requirements.txt /srv/\n",
    ).replace("COPY app/ /srv/app/", "COPY . /srv/app/")
    (tmp_path / "Dockerfile").write_text(text)
    outcome = optimize(tmp_path / "Dockerfile", tmp_path)
    warnings = [n for n in outcome.notes if n.startswith("warning:")]
    assert len(warnings) == 1, outcome.notes
    assert "`*poetry.lock`, all a COPY copies, matches nothing" in warnings[0]
    assert "BuildKit copies nothing and goes on" in warnings[0]
