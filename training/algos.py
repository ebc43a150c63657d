"""Algorithms: PPO, SAC, TD3 (stable-baselines3) and TQC (sb3-contrib), built from ``configs/algo``."""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from humanoid_ground.errors import unknown_name

def _specs() -> dict[str, dict]:
    """name -> {class: "module:attr", kind} from ``configs/algo/*.yaml``: adding an SB3 or sb3-contrib
    algorithm is one YAML file (``name``, ``class``, ``policy``, ``params``)."""
    import humanoid_ground.configs as c

    out = {}
    for f in sorted((Path(c.__file__).parent / "algo").glob("*.yaml")):
        d = yaml.safe_load(f.read_text()) or {}
        d = d.get("algo", d)  # `# @package _global_` files keep the algo group under `algo:`
        if "name" in d and "class" in d:
            out[str(d["name"])] = {"class": str(d["class"]), "kind": str(d.get("kind", "rl"))}
    return out


SPECS = _specs()
ALGOS = tuple(SPECS)
#: algorithms that learn from a dataset (training.imitation), not from environment interaction
IMITATION = tuple(n for n, s in SPECS.items() if s["kind"] == "imitation")


def algo_class(name: str):
    name = name.lower()
    if name not in SPECS:
        raise unknown_name("algo", name, ALGOS)
    mod, _, attr = SPECS[name]["class"].partition(":")
    try:
        return getattr(importlib.import_module(mod), attr)
    except (ImportError, AttributeError) as e:
        from humanoid_ground.errors import HGroundError

        raise HGroundError(f"configs/algo/{name}.yaml: class '{SPECS[name]['class']}' cannot be loaded ({e}); "
                           "install its package or fix the class path") from None


def is_off_policy(name: str) -> bool:
    """Whether an algorithm keeps a replay buffer (taken from its class, never from a hand-kept list)."""
    from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm

    cls = algo_class(name)
    return isinstance(cls, type) and issubclass(cls, OffPolicyAlgorithm)


def build_model(algo_cfg: dict, venv, seed: int, tensorboard_log: str | None, device: str = "cpu"):
    """A fresh model from an ``algo`` config group ({name, policy, params, [action_noise_sigma]})."""
    name = algo_cfg["name"]
    cls = algo_class(name)
    params: dict[str, Any] = dict(algo_cfg.get("params") or {})
    if params.get("policy_kwargs"):
        params["policy_kwargs"] = dict(params["policy_kwargs"])
    sigma = algo_cfg.get("action_noise_sigma")
    if sigma:
        from stable_baselines3.common.noise import NormalActionNoise

        n = venv.action_space.shape[0]
        params["action_noise"] = NormalActionNoise(np.zeros(n), float(sigma) * np.ones(n))
    return cls(algo_cfg.get("policy", "MlpPolicy"), venv, seed=seed, tensorboard_log=tensorboard_log,
               device=device, verbose=0, **params)
