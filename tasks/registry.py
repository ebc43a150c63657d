"""Task registry: a task is one module whose class carries ``@register_task`` — name, gym id and episode
length sit next to the class, its defaults in its ``Params`` dataclass.

Discovery: the modules of this package's ``assembly`` and ``inspection`` subpackages, then any module
named by a ``humanoid_ground.tasks`` entry point (third-party packages), are imported the first time a
task is looked up. A ``configs/task/<name>.yaml`` is optional: when present its ``max_episode_steps``
and ``params`` override the class's (see :func:`task_config`).
"""
from __future__ import annotations

import importlib
import logging
import pkgutil
import re
from dataclasses import fields
from pathlib import Path

import yaml

from humanoid_ground.errors import HGroundError, unknown_name

log = logging.getLogger("humanoid_ground.tasks")

#: task name -> class (filled by @register_task when the task modules are imported)
_TASKS: dict[str, type] = {}
_DISCOVERED = False
#: subpackages of humanoid_ground.tasks whose modules are tasks
_PACKAGES = ("assembly", "inspection")
ENTRY_POINT_GROUP = "humanoid_ground.tasks"

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs" / "task"


def _gym_id(cls_name: str) -> str:
    return f"hground/{cls_name}-v0"


def register_task(name: str, *, max_episode_steps: int, env_id: str | None = None, order: int = 1000):
    """Class decorator: ``@register_task("pick_place", max_episode_steps=400)`` above a :class:`Task`
    subclass makes it ``hground train task=pick_place``, ``humanoid_ground.make("pick_place")`` and the
    gym id ``hground/<ClassName>-v0`` (or ``env_id``). ``order`` places it in task listings (built-in
    tasks use 10-70; ties keep registration order)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise HGroundError(f"task name '{name}': use lower_snake_case (letters, digits, _)")

    def deco(cls):
        old = _TASKS.get(name)
        if old is not None and (old.__module__, old.__qualname__) != (cls.__module__, cls.__qualname__):
            raise HGroundError(f"task '{name}' is registered twice: {old.__module__}.{old.__qualname__} and "
                               f"{cls.__module__}.{cls.__qualname__}; rename one")
        cls.name = name
        cls.env_id = env_id or _gym_id(cls.__name__)
        cls.max_episode_steps = int(max_episode_steps)
        cls.order = int(order)
        _TASKS[name] = cls
        return cls

    return deco


def _discover() -> None:
    global _DISCOVERED
    if _DISCOVERED:
        return
    _DISCOVERED = True
    for sub in _PACKAGES:
        pkg = importlib.import_module(f"{__package__}.{sub}")
        for m in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
            importlib.import_module(f"{pkg.__name__}.{m.name}")
    try:
        from importlib.metadata import entry_points

        eps = entry_points(group=ENTRY_POINT_GROUP)
    except Exception:  # pragma: no cover - metadata backends differ
        eps = []
    for ep in eps:
        try:
            importlib.import_module(ep.value.split(":")[0])
        except Exception as e:  # a broken plug-in must not take the CLI down with it
            log.warning("task plug-in %s (%s) failed to import: %s", ep.name, ep.value, e)


def tasks() -> dict[str, type]:
    """Every registered task: name -> class."""
    _discover()
    ranked = sorted(enumerate(_TASKS.items()), key=lambda t: (t[1][1].order, t[0]))
    return {name: cls for _, (name, cls) in ranked}


def task_names() -> list[str]:
    return list(tasks())


def task_class(name: str):
    t = tasks()
    if name not in t:
        raise unknown_name("task", name, t)
    return t[name]


def env_id(name: str) -> str:
    return task_class(name).env_id


def _config_dir() -> Path:
    try:
        import humanoid_ground.configs as c

        return Path(c.__file__).parent / "task"
    except Exception:  # pragma: no cover
        return CONFIG_DIR


def task_defaults(name: str) -> dict:
    """The class's own config: {name, max_episode_steps, params (the Params dataclass defaults)}."""
    cls = task_class(name)
    d = cls.Params()
    params = {f.name: _plain(getattr(d, f.name)) for f in fields(d)}
    return {"name": name, "max_episode_steps": cls.max_episode_steps, "params": params}


def _plain(v):
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def task_override_file(name: str) -> Path | None:
    f = _config_dir() / f"{name}.yaml"
    return f if f.is_file() else None


def task_config(name: str) -> dict:
    """The task's config: the class defaults with ``configs/task/<name>.yaml`` (optional) over them."""
    cfg = task_defaults(name)
    f = task_override_file(name)
    if f is None:
        return cfg
    try:
        over = yaml.safe_load(f.read_text()) or {}
    except yaml.YAMLError as e:
        raise HGroundError(f"{f}: not valid YAML ({str(e).splitlines()[0]}); fix or delete it (it is optional)") from None
    unknown = sorted(set(over) - {"name", "max_episode_steps", "params"})
    if unknown or over.get("name", name) != name:
        raise HGroundError(f"{f}: keys {unknown or ['name']} are not task config keys; use name: {name}, max_episode_steps, params")
    cfg["max_episode_steps"] = int(over.get("max_episode_steps", cfg["max_episode_steps"]))
    cls = task_class(name)
    cfg["params"] = _plain(vars(cls.Params.from_dict({**cfg["params"], **(over.get("params") or {})}, name)))
    return cfg


def make_task_env(task: str, robot: str = "unitree_h1", task_params: dict | None = None, **env_kwargs):
    """Build a :class:`HumanoidEnv` for a task (gym entry point)."""
    from humanoid_ground.envs.env import HumanoidEnv

    cls = task_class(task)
    merged = dict(task_config(task)["params"])
    merged.update(task_params or {})
    params = cls.Params.from_dict(merged, task)
    def build(env):
        why = cls.unable(env.card)
        if why is not None:
            raise HGroundError(f"robot '{env.card.name}' cannot do task '{task}': {why}; pick another robot (hground robots list)")
        return cls(env, params)
    return HumanoidEnv(build, robot=robot, task_name=task, **env_kwargs)
