"""Which stage of a multi-stage Dockerfile is deployed, when it is not the last one.

`docker build` without `--target` builds the last stage, and the transforms took that one for
the image that runs. Real projects deploy another: torchbox's Wagtail sites (rca-wagtail-2019,
wagtail-torchbox) end with a `dev` stage their compose file builds for development (bind mounts,
`tail -f`) while heroku.yml deploys `target: production`; springload/madewithwagtail ends with
`app-test`. The changes went to `dev` (an ENV, a note that no CMD starts a server) and the
deployed `production` kept its shell-form CMD, sh as PID 1 and a 10 s `docker stop`.

A stage counts as deployed when `--target` (or the config's `target`) names it, or when what
deploys this Dockerfile names it as its build target: heroku.yml's `target:` for the process
that builds it, fly.toml's `build-target`, the `target` of docker-bake.hcl's default group, a
production compose file's (`docker-compose.prod.yml`) single `target:`, or the single
`--target` / `target:` of a CI workflow that builds this Dockerfile and pushes the image.
Compose's default files are left out: they are what developers run, and they build the dev
stage; so is a compose or workflow target named for tests or development. Only a name that is a
stage of this Dockerfile counts.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

from optimizer.dockerfile import Dockerfile

# A compose file named for where it deploys (docker-compose.prod.yml, -deploy, -staging).
PRODUCTION_NAME = re.compile(r"prod|deploy|stag|release|live", re.IGNORECASE)
# Pushing images (a workflow that only builds and tests them deploys nothing).
_PUSHES = re.compile(r"docker push\b|--push\b|^\s*push:\s*true\b", re.MULTILINE)
# Stages named for tests, linting or development are not what a compose file or workflow deploys.
_NOT_DEPLOYED = re.compile(
    r"(?i)(?:^|[-_.])(?:test|tests|testing|ci|lint|dev|develop|development|local|debug)(?:$|[-_.])"
)
# A build target: `--target NAME` or `target: NAME`. A name starts with a letter, so the long
# forms of ports (`target: 8000`) and volumes (`target: /app`) are not read as one.
_TARGET = re.compile(
    r"""(?:^|\s)(?:--target[=\s]+|target\s*:\s*)["']?([A-Za-z][\w.-]*)["']?""",
    re.MULTILINE,
)


def deployed_target(
    dockerfile: Dockerfile, dockerfile_path: Path, context_dir: Path, explicit: str | None = None
) -> tuple[str, str] | None:
    """(stage name, what says so) when the deployed stage is a named stage other than the last;
    None when the last stage is the one deployed (or nothing says otherwise)."""
    stages = dockerfile.stages()
    if len(stages) < 2:
        return None
    by_name = {s.name.lower(): s for s in stages if s.name}
    for name, why in _candidates(dockerfile_path, context_dir, explicit):
        stage = by_name.get(name.lower())
        if stage is None:
            continue
        if stage.index == stages[-1].index:
            return None
        return stage.name or name, why
    return None


def config_directories(context_dir: Path, dockerfile: Path) -> list[Path]:
    """Where a compose file or a platform's config that builds this Dockerfile may sit: the
    context, the Dockerfile's directory, and two levels above the context (`build: ./app` at
    the repository root, cookiecutter's compose/production/django/Dockerfile)."""
    context = context_dir.resolve()
    return list(dict.fromkeys([context, dockerfile.resolve().parent, *list(context.parents)[:2]]))


def _candidates(
    dockerfile_path: Path, context_dir: Path, explicit: str | None
) -> Iterator[tuple[str, str]]:
    if explicit:
        yield explicit, "--target"
    dockerfile = dockerfile_path.resolve()
    directories = config_directories(context_dir, dockerfile)
    for directory in directories:
        rel = posixpath.relpath(dockerfile.as_posix(), directory.as_posix())
        heroku = small_text(directory / "heroku.yml")
        if heroku is not None:
            for named in _heroku_targets(heroku, rel):
                yield named, "heroku.yml's target"
        fly = small_text(directory / "fly.toml")
        if fly is not None:
            found = _fly_target(fly, rel)
            if found is not None:
                yield found, "fly.toml's build-target"
        bake = small_text(directory / "docker-bake.hcl")
        if bake is not None:
            for named in _bake_targets(bake, rel):
                yield named, "docker-bake.hcl's default group"
    for directory in directories:
        rel = posixpath.relpath(dockerfile.as_posix(), directory.as_posix())
        try:
            composes = sorted(
                p for p in directory.iterdir()
                if p.is_file() and p.suffix in {".yml", ".yaml"}
                and ("compose" in p.name or p.stem in {"production", "prod", "staging"})
                and PRODUCTION_NAME.search(p.stem)
            )
            workflows = sorted((directory / ".github" / "workflows").glob("*.y*ml"))
        except OSError:
            continue
        for path in composes:
            found = _only_target(small_text(path), rel)
            if found is not None:
                yield found, f"{path.name}'s target"
        for path in workflows:
            text = small_text(path)
            # Only a workflow that pushes what it builds deploys it: one that builds `--target
            # test` and runs the tests in it does not.
            if text is None or not _PUSHES.search(text):
                continue
            found = _only_target(text, rel)
            if found is not None:
                yield found, f"the build in .github/workflows/{path.name}"


def small_text(path: Path) -> str | None:
    """A config file's text; None when it cannot be read or is too big to be one."""
    try:
        if path.stat().st_size > 1_000_000:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def names_dockerfile(text: str, rel: str) -> bool:
    """Whether a compose file or workflow builds this Dockerfile: it names its path, or it is
    a plain `Dockerfile` and the text names no Dockerfile at all (`build: .`, `docker build .`).
    testdrivenio's docker-compose.prod.yml builds compose/production/django/Dockerfile, not the
    local one. The path is matched whole: `Dockerfile` is not named by `dockerfile:
    Dockerfile.prod` (ivanprytula/django-celery-telegram-api's docker-compose.prod.yml builds
    Dockerfile.prod, and the plain Dockerfile's development image was taken as deployed)."""
    if re.search(r"(?<![\w/.-])(?:\./)?" + re.escape(rel) + r"(?![\w.-])", text):
        return True
    return posixpath.basename(rel) == "Dockerfile" and not re.search(
        r"dockerfile\s*:|(?<!\S)(-f|--file)[\s=]|(?<![\w-])file\s*:", text, re.IGNORECASE
    )


def _only_target(text: str | None, rel: str) -> str | None:
    """The one build target a compose file or workflow that builds this Dockerfile names; None
    when it names none or several (which of them builds this file is not read here), or a stage
    named for tests or development."""
    if text is None or not names_dockerfile(text, rel):
        return None
    found = {m.group(1) for m in _TARGET.finditer(_uncommented(text))}
    if len(found) != 1:
        return None
    target = found.pop()
    return None if _NOT_DEPLOYED.search(target) else target


def _uncommented(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def _heroku_targets(text: str, rel: str) -> list[str]:
    """The targets of heroku.yml's `build: docker:` processes that build this Dockerfile, `web`
    first (the process that serves):

        build:
          docker:
            web:
              dockerfile: Dockerfile
              target: production
    """
    processes: dict[str, dict[str, str]] = {}
    path: list[tuple[int, str]] = []  # (indent, key) of the mappings the line is inside
    for line in _uncommented(text).splitlines():
        if not line.strip():
            continue
        match = re.match(r"^(\s*)([\w.-]+)\s*:\s*(.*?)\s*$", line)
        if match is None:
            continue
        indent, key, value = len(match.group(1)), match.group(2), match.group(3).strip("\"'")
        while path and path[-1][0] >= indent:
            path.pop()
        keys = [k for _, k in path]
        if keys == ["build", "docker"]:
            processes[key] = {"dockerfile": value} if value else {}
        elif len(keys) == 3 and keys[:2] == ["build", "docker"] and keys[2] in processes:
            processes[keys[2]][key] = value
        path.append((indent, key))
    ordered = sorted(processes.items(), key=lambda item: item[0] != "web")
    return [
        spec["target"] for _, spec in ordered
        if spec.get("target") and _same_file(spec.get("dockerfile", "Dockerfile"), rel)
    ]


def _fly_target(text: str, rel: str) -> str | None:
    import tomllib  # only a project with a fly.toml needs the parser (the CLI's start-up)

    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return None
    build = data.get("build")
    if not isinstance(build, dict):
        return None
    target = build.get("build-target") or build.get("build_target")
    if not isinstance(target, str) or not target:
        return None
    named = build.get("dockerfile")
    return target if _same_file(named if isinstance(named, str) else "Dockerfile", rel) else None


def _bake_blocks(text: str, kind: str) -> dict[str, str]:
    """`kind "name" { ... }` blocks of a bake file: name -> body (braces matched, strings and
    comments not parsed: bake bodies hold neither braces in strings nor nested blocks here)."""
    blocks: dict[str, str] = {}
    for match in re.finditer(rf'(?m)^\s*{kind}\s+"([^"]+)"\s*\{{', text):
        depth, at = 1, match.end()
        while at < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[at], 0)
            at += 1
        blocks[match.group(1)] = text[match.end() : at - 1]
    return blocks


def _bake_targets(text: str, rel: str) -> list[str]:
    """The stages the default group of a docker-bake.hcl builds from this Dockerfile
    (springload/madewithwagtail: `group "default" { targets = ["app", "httpd"] }`, `target
    "app" { dockerfile = "docker/application/Dockerfile" target = "app" }`)."""
    text = "\n".join(line.split("//", 1)[0] for line in text.splitlines())
    group = _bake_blocks(text, "group").get("default")
    if group is None:
        return []
    listed = re.search(r"targets\s*=\s*\[([^\]]*)\]", group)
    names = re.findall(r'"([^"]+)"', listed.group(1)) if listed else []
    bodies = _bake_blocks(text, "target")
    stages: list[str] = []
    for name in names:
        body = bodies.get(name, "")

        def value(key: str, body: str = body) -> str | None:
            found = re.search(rf'(?m)^\s*{key}\s*=\s*"([^"]*)"', body)
            return found.group(1) if found else None

        stage = value("target")
        context = value("context") or "."
        dockerfile = posixpath.join(context, value("dockerfile") or "Dockerfile")
        if stage and _same_file(dockerfile, rel):
            stages.append(stage)
    return stages


def _same_file(named: str, rel: str) -> bool:
    return posixpath.normpath(named or "Dockerfile") == posixpath.normpath(rel)
