"""The transforms, one module each, in the order the pipeline runs them.

Order matters: the binding fix and the slim switch work on the single-stage file people wrote;
cache-friendly ordering puts the dependency install before the source; multi-stage then cuts the
file at that install; hygiene transforms polish the result.
"""

from __future__ import annotations

from transforms.base import Transform
from transforms.cache_friendly_order import CacheFriendlyOrder
from transforms.dockerignore import DockerIgnore
from transforms.fix_cmd_binding import FixCmdBinding
from transforms.healthcheck import Healthcheck
from transforms.multi_stage import MultiStage
from transforms.non_root import NonRoot
from transforms.pip_no_cache import PipNoCache
from transforms.python_env import PythonEnv
from transforms.secrets_flag import SecretsFlag
from transforms.slim_base import SlimBase

ALL: tuple[Transform, ...] = (
    FixCmdBinding(),
    SlimBase(),
    CacheFriendlyOrder(),
    MultiStage(),
    PipNoCache(),
    PythonEnv(),
    NonRoot(),
    DockerIgnore(),
    Healthcheck(),
    SecretsFlag(),
)


def by_name(name: str) -> Transform:
    for transform in ALL:
        if transform.name == name:
            return transform
    raise KeyError(name)
