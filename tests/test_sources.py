"""optimizer.sources: the bounded walk over the project's own Python files."""

from __future__ import annotations

from pathlib import Path

from optimizer import sources
from transforms.multi_stage import _imports_pkg_resources


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def test_skips_vcs_venv_and_hidden_dirs(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "app/views.py": "x = 1\n",
            "venv/lib/a.py": "import pkg_resources\n",
            ".hidden/b.py": "import pkg_resources\n",
            "node_modules/c.py": "import pkg_resources\n",
            "README.md": "pkg_resources\n",
        },
    )
    found = {p.relative_to(tmp_path).as_posix() for p, _ in sources.python_sources(tmp_path)}
    assert found == {"app/views.py"}
    assert not _imports_pkg_resources(tmp_path)
    _tree(tmp_path, {"app/version.py": "from pkg_resources import get_distribution\n"})
    assert _imports_pkg_resources(tmp_path)


def test_stops_after_the_limit(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sources, "LIMIT", 3)
    _tree(tmp_path, {f"m{n}.py": "" for n in range(10)})
    assert len(list(sources.python_sources(tmp_path))) == 3
