"""secrets: flag credentials baked into the image with ENV or ARG.

Why: ENV values are in every container's environment and in `docker history`; ARG values are in
the image's build history. A SECRET_KEY or password written there is published with the image.
We only flag them: moving a secret to run time changes how the app is deployed, which is the
owner's decision.
"""

from __future__ import annotations

import re

from optimizer.dockerfile import Dockerfile, env_pairs
from transforms.base import Context, Result

_SECRET_NAME = re.compile(
    r"(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|APIKEY|PRIVATE_KEY|ACCESS_KEY|LICENSE_KEY|CREDENTIALS)",
    re.IGNORECASE,
)
_URL_PASSWORD = re.compile(r"://[^/:@\s]+:[^@\s$]+@")


class SecretsFlag:
    """Report ENV/ARG values that look like credentials (never changes the file)."""

    name = "secrets"

    def detect(self, dockerfile: Dockerfile, ctx: Context) -> bool:
        return bool(self.apply(dockerfile, ctx).skipped)

    def apply(self, dockerfile: Dockerfile, ctx: Context) -> Result:
        flagged: list[str] = []
        # `line` is the original file's line (the pipeline keeps it through every transform), so
        # these notes point where the user looks; a multi-stage split copies an ENV into both
        # stages, which must not flag it twice.
        for ins in dockerfile.instructions:
            if ins.keyword not in {"ENV", "ARG"}:
                continue
            for name, raw in env_pairs(ins.value):
                value = raw.strip()
                literal = value and not value.startswith("$")
                if literal and (_SECRET_NAME.search(name) or _URL_PASSWORD.search(value)):
                    where = f"line {ins.line}: " if ins.line else ""
                    note = (
                        f"{where}{ins.keyword} {name} holds a literal credential that "
                        "ships in the image and its history; pass it at run time (--env, "
                        "secrets, RUN --mount=type=secret) instead"
                    )
                    if note not in flagged:
                        flagged.append(note)
        return Result(dockerfile.copy(), [], flagged)
