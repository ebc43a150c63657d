"""Task registry: task names -> classes and default configs (configs/task/<name>.yaml)."""
from __future__ import annotations

import importlib
from pathlib import Path

import yaml

from humanoid_ground.errors import HGroundError, unknown_name

#: task name -> (module, class, gym id)
TASKS: dict[str, tuple[str, str, str]] = {
    "reach": ("humanoid_ground.tasks.assembly.reach", "Reach", "hground/Reach-v0"),
    "pick_place": ("humanoid_ground.tasks.assembly.pick_place", "PickPlace", "hground/PickPlace-v0"),
    "peg_insert": ("humanoid_ground.tasks.assembly.peg_insert", "PegInsert", "hground/PegInsert-v0"),
    "shaft_insert": ("humanoid_ground.tasks.assembly.shaft_insert", "ShaftInsert", "hground/ShaftInsert-v0"),
    "bimanual_mount": ("humanoid_ground.tasks.assembly.bimanual_mount", "BimanualMount", "hground/BimanualMount-v0"),
    "inspect": ("humanoid_ground.tasks.inspection.inspect", "Inspect", "hground/Inspect-v0"),
    "defect_sort": ("humanoid_ground.tasks.inspection.defect_sort", "DefectSort", "hground/DefectSort-v0"),
}

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs" / "task"


def _config_dir() -> Path:
    try:
        import humanoid_ground.configs as c

        return Path(c.__file__).parent / "task"
    except Exception:  # pragma: no cover
        return CONFIG_DIR


def task_names() -> list[str]:
    return list(TASKS)


def task_class(name: str):
    if name not in TASKS:
        raise unknown_name("task", name, TASKS)
    mod, cls, _ = TASKS[name]
    return getattr(importlib.import_module(mod), cls)


def task_config(name: str) -> dict:
    """The task's config file: {name, max_episode_steps, params}."""
    if name not in TASKS:
        raise unknown_name("task", name, TASKS)
    f = _config_dir() / f"{name}.yaml"
    if not f.is_file():
        raise HGroundError(f"missing task config {f}; reinstall humanoid-ground")
    return yaml.safe_load(f.read_text())


def make_task_env(task: str, robot: str = "unitree_h1", task_params: dict | None = None, **env_kwargs):
    """Build a :class:`HumanoidEnv` for a task (gym entry point)."""
    from humanoid_ground.envs.env import HumanoidEnv

    cls = task_class(task)
    cfg = task_config(task)
    merged = dict(cfg.get("params") or {})
    merged.update(task_params or {})
    params = cls.Params.from_dict(merged, task)
    return HumanoidEnv(lambda env: cls(env, params), robot=robot, task_name=task, **env_kwargs)
