"""Gymnasium ids ``hground/<Task>-v0`` and ``humanoid_ground.make``.

Registration is cheap (strings only); the task code is imported when an env is made.
"""
from __future__ import annotations

import gymnasium as gym

_REGISTERED = False


def register_all() -> None:
    """Register every task's gym id (idempotent)."""
    global _REGISTERED
    if _REGISTERED:
        return
    from humanoid_ground.tasks.registry import TASKS, task_config

    for name, (_, _, env_id) in TASKS.items():
        if env_id in gym.registry:
            continue
        cfg = task_config(name)
        gym.register(id=env_id, entry_point="humanoid_ground.tasks.registry:make_task_env",
                     kwargs={"task": name}, max_episode_steps=int(cfg.get("max_episode_steps", 200)),
                     disable_env_checker=True)
    _REGISTERED = True


def make(task: str, robot: str = "unitree_h1", **kwargs) -> gym.Env:
    """``humanoid_ground.make("peg_insert", robot="unitree_g1", control="ee_delta")``: the same env as
    ``gymnasium.make("hground/PegInsert-v0", robot=...)`` (time limit included). ``task`` may be a
    task name or a gym id."""
    from humanoid_ground.tasks.registry import TASKS

    register_all()
    if task in TASKS:
        task = TASKS[task][2]
    elif task not in gym.registry:
        from humanoid_ground.errors import unknown_name

        raise unknown_name("task", task, TASKS)
    return gym.make(task, robot=robot, **kwargs)
