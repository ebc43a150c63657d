"""Assembly and inspection tasks, their registry and scripted experts."""
from __future__ import annotations


def expert(env):
    """The scripted expert for an env's task: a callable obs -> canonical ``ee_delta`` action."""
    u = env.unwrapped if hasattr(env, "unwrapped") else env
    if getattr(u, "control", "ee_delta") != "ee_delta":
        from humanoid_ground.errors import HGroundError

        raise HGroundError("scripted experts act through control='ee_delta'; make the env with control='ee_delta'")
    return u.task.expert()


def expert_success(task: str, robot: str, seeds, sim: dict | None = None) -> int:
    """Run the scripted expert for one episode per seed; return how many ended in success (``sim``: physics
    settings over the defaults, e.g. ``{"weld_idle": True}``)."""
    from gymnasium.wrappers import TimeLimit

    from .registry import make_task_env, task_config

    env = TimeLimit(make_task_env(task, robot=robot, sim=sim), int(task_config(task).get("max_episode_steps", 200)))
    try:
        pol = expert(env)
        wins = 0
        for s in seeds:
            obs, info = env.reset(seed=int(s))
            done = False
            while not done:
                obs, _, term, trunc, info = env.step(pol(obs))
                done = term or trunc
            wins += bool(info["is_success"])
        return wins
    finally:
        env.close()
