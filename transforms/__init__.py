"""The transforms, one module each, in the order the pipeline runs them.

Order matters: the binding fix works on the single-stage file people wrote; cache-friendly
ordering puts the dependency install before the source; multi-stage then cuts the file at that
install, keeping the builder on the base the user chose; the slim switch then applies to the final
stage only (a full image's compilers stay useful in the builder, so a cold build does not
apt-install them again); hygiene transforms polish the result.
"""

from __future__ import annotations

from transforms.base import Transform
from transforms.cache_friendly_order import CacheFriendlyOrder
from transforms.dockerignore import DockerIgnore
from transforms.fix_cmd_binding import FixCmdBinding
from transforms.multi_stage import MultiStage
from transforms.non_root import NonRoot
from transforms.pip_no_cache import PipNoCache
from transforms.python_env import PythonEnv
from transforms.secrets_flag import SecretsFlag
from transforms.slim_base import SlimBase

ALL: tuple[Transform, ...] = (
    FixCmdBinding(),
    CacheFriendlyOrder(),
    MultiStage(),
    SlimBase(),
    PipNoCache(),
    PythonEnv(),
    NonRoot(),
    DockerIgnore(),
    SecretsFlag(),
)


def by_name(name: str) -> Transform:
    for transform in ALL:
        if transform.name == name:
            return transform
    raise KeyError(name)
