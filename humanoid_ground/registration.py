"""Gymnasium ids ``hground/<Task>-v0`` and ``humanoid_ground.make``.

Registration imports the task modules (their ``@register_task`` decorators name the tasks); the
scenes are built only when an env is made.
"""
from __future__ import annotations

import gymnasium as gym

def register_all() -> None:
    """Register every task's gym id (idempotent; a task registered later, e.g. by user code after
    ``import humanoid_ground``, is added on the next call)."""
    from humanoid_ground.tasks.registry import task_config, tasks

    for name, cls in tasks().items():
        env_id = cls.env_id
        if env_id in gym.registry:
            continue
        cfg = task_config(name)
        gym.register(id=env_id, entry_point="humanoid_ground.tasks.registry:make_task_env",
                     kwargs={"task": name}, max_episode_steps=int(cfg.get("max_episode_steps", 200)),
                     disable_env_checker=True)


def make(task: str, robot: str = "unitree_h1", **kwargs) -> gym.Env:
    """``humanoid_ground.make("peg_insert", robot="unitree_g1", control="ee_delta")``: the same env as
    ``gymnasium.make("hground/PegInsert-v0", robot=...)`` (time limit included). ``task`` may be a
    task name or a gym id."""
    from humanoid_ground.tasks.registry import tasks

    register_all()
    known = tasks()
    if task in known:
        task = known[task].env_id
    elif task not in gym.registry:
        from humanoid_ground.errors import unknown_name

        raise unknown_name("task", task, known)
    return gym.make(task, robot=robot, **kwargs)
