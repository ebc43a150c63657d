"""Algorithms: PPO, SAC, TD3 (stable-baselines3) and TQC (sb3-contrib), built from ``configs/algo``."""
from __future__ import annotations

from typing import Any

import numpy as np

from humanoid_ground.errors import unknown_name

ALGOS = ("ppo", "sac", "td3", "tqc", "bc", "diffusion")
#: algorithms that learn from a dataset (training.imitation), not from environment interaction
IMITATION = ("bc", "diffusion")


def algo_class(name: str):
    name = name.lower()
    if name not in ALGOS:
        raise unknown_name("algo", name, ALGOS)
    if name in IMITATION:
        from .imitation import ImitationPolicy

        return ImitationPolicy
    if name == "tqc":
        from sb3_contrib import TQC

        return TQC
    import stable_baselines3 as sb3

    return getattr(sb3, name.upper())


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
