"""Assembly and inspection tasks, their registry and scripted experts."""
from __future__ import annotations


def expert(env):
    """The scripted expert for an env's task: a callable obs -> canonical ``ee_delta`` action."""
    u = env.unwrapped if hasattr(env, "unwrapped") else env
    if getattr(u, "control", "ee_delta") != "ee_delta":
        from humanoid_ground.errors import HGroundError

        raise HGroundError("scripted experts act through control='ee_delta'; make the env with control='ee_delta'")
    return u.task.expert()
