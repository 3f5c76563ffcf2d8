"""The transforms, one module each, in the order the pipeline runs them.

Order matters. The hygiene transforms come first, because the rest read what they fix:
pin-python gives an untagged `FROM python` the version slim-base needs to pick `X.Y-slim`;
maintainer-label and add-to-copy make `ADD . .` the `COPY . .` that cache-friendly-order and
multi-stage look for; shadowed-cmd leaves the one CMD that runs for the binding fix to read;
apt-hygiene makes every apt line update, skip recommends and remove its lists in the same RUN, so
the packages slim-base appends later land on such a line and the apt lines multi-stage copies into
its stages each carry their own `apt-get update`. Then the binding fix works on the single-stage
file people wrote; cache-friendly ordering puts the dependency install before the source;
multi-stage cuts the file at that install, keeping the builder on the base the user chose; the
slim switch then applies to the final stage only (a full image's compilers stay useful in the
builder, so a cold build does not apt-install them again); the remaining transforms polish the
result.
"""

from __future__ import annotations

from transforms.add_to_copy import AddToCopy
from transforms.apt_hygiene import AptHygiene
from transforms.base import Transform
from transforms.cache_friendly_order import CacheFriendlyOrder
from transforms.dockerignore import DockerIgnore
from transforms.fix_cmd_binding import FixCmdBinding
from transforms.healthcheck import Healthcheck
from transforms.maintainer_label import MaintainerLabel
from transforms.multi_stage import MultiStage
from transforms.non_root import NonRoot
from transforms.pin_python import PinPython
from transforms.pip_no_cache import PipNoCache
from transforms.python_env import PythonEnv
from transforms.secrets_flag import SecretsFlag
from transforms.shadowed_cmd import ShadowedCmd
from transforms.slim_base import SlimBase

ALL: tuple[Transform, ...] = (
    PinPython(),
    MaintainerLabel(),
    AddToCopy(),
    ShadowedCmd(),
    AptHygiene(),
    FixCmdBinding(),
    CacheFriendlyOrder(),
    MultiStage(),
    SlimBase(),
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
