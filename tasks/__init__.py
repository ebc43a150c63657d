"""Assembly and inspection tasks, their registry and scripted experts."""
from __future__ import annotations


def expert(env):
    """The scripted expert for an env's task: a callable obs -> canonical ``ee_delta`` action."""
    u = env.unwrapped if hasattr(env, "unwrapped") else env
    if getattr(u, "control", "ee_delta") != "ee_delta":
        from humanoid_ground.errors import HGroundError

        raise HGroundError("scripted experts act through control='ee_delta'; make the env with control='ee_delta'")
    return u.task.expert()


def expert_episodes(task: str, robot: str, seeds, sim: dict | None = None) -> list[dict]:
    """Run the scripted expert for one episode per seed; return each episode's last ``info`` (``sim``:
    physics settings over the defaults, e.g. ``{"weld_idle": True}``)."""
    from gymnasium.wrappers import TimeLimit

    from .registry import make_task_env, task_config

    env = TimeLimit(make_task_env(task, robot=robot, sim=sim), int(task_config(task).get("max_episode_steps", 200)))
    try:
        pol = expert(env)
        infos = []
        for s in seeds:
            obs, info = env.reset(seed=int(s))
            done = False
            while not done:
                obs, _, term, trunc, info = env.step(pol(obs))
                done = term or trunc
            infos.append(info)
        return infos
    finally:
        env.close()


def expert_success(task: str, robot: str, seeds, sim: dict | None = None) -> int:
    """How many of the scripted expert's episodes (one per seed) end in success."""
    return sum(bool(info["is_success"]) for info in expert_episodes(task, robot, seeds, sim))
