"""The policy specs every command takes (``policy=`` of eval, bench, collect; ``executor=`` of collect)."""
from __future__ import annotations

from pathlib import Path

from humanoid_ground.errors import HGroundError

NAMED = ("expert", "random")


def check_policy_spec(spec, key: str = "policy") -> str:
    """``expert``, ``random``, an existing checkpoint path (file or run folder) or ``module:callable``;
    anything else is one line naming the choices."""
    s = str(spec)
    if s in NAMED or ":" in s or Path(s).expanduser().exists():
        return s
    raise HGroundError(f"{key} '{s}' is neither expert, random, an existing checkpoint path nor module:callable")
