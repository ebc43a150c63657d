"""Wrappers that turn the Dict-observation env into what SB3's MlpPolicy takes."""
from __future__ import annotations

import signal
from typing import Sequence

import gymnasium as gym
import numpy as np
from gymnasium import spaces


def default_obs_keys(control: str) -> list[str]:
    """``ee_delta``: canonical + task (the same shape on every robot, so policies transfer);
    ``joint_pos``: native proprioception too."""
    return ["canonical", "task"] if control == "ee_delta" else ["proprio", "canonical", "task"]


def flatten_obs(obs: dict, keys: Sequence[str]) -> np.ndarray:
    return np.concatenate([np.asarray(obs[k], dtype=np.float32).ravel() for k in keys])


class FlattenObs(gym.ObservationWrapper):
    """Concatenates the chosen keys of the Dict observation into one float32 vector."""

    def __init__(self, env: gym.Env, keys: Sequence[str]):
        super().__init__(env)
        missing = [k for k in keys if k not in env.observation_space.spaces]
        if missing:
            raise ValueError(f"observation has no key(s) {missing}; it has {list(env.observation_space.spaces)}")
        self.keys = list(keys)
        n = sum(int(np.prod(env.observation_space[k].shape)) for k in self.keys)
        self.observation_space = spaces.Box(-np.inf, np.inf, (n,), dtype=np.float32)

    def observation(self, obs):
        return flatten_obs(obs, self.keys)


def env_kwargs(env_cfg: dict, control: str) -> dict:
    """Keyword arguments of ``humanoid_ground.make`` from an ``env`` config group."""
    return {"control": control, "base": env_cfg.get("base", "fixed"), "obs": env_cfg.get("obs", "state"),
            "image_size": int(env_cfg.get("image_size", 96)), "sim": dict(env_cfg.get("sim") or {}),
            "terminate_on_success": bool(env_cfg.get("terminate_on_success", False))}


def make_env(task: str, robot: str, control: str, env_cfg: dict, obs_keys: Sequence[str] | None,
             task_params: dict | None = None, max_episode_steps: int | None = None,
             render_mode: str | None = None, ignore_sigint: bool = False) -> gym.Env:
    """A flattened, monitored env for SB3. ``ignore_sigint``: in vec-env worker processes, so Ctrl-C
    reaches only the trainer, which checkpoints and shuts the workers down."""
    import humanoid_ground as hg
    from stable_baselines3.common.monitor import Monitor

    if ignore_sigint:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    kw = env_kwargs(env_cfg, control)
    if max_episode_steps:
        kw["max_episode_steps"] = int(max_episode_steps)
    env = hg.make(task, robot=robot, task_params=task_params or None, render_mode=render_mode, **kw)
    env = FlattenObs(env, obs_keys or default_obs_keys(control))
    return Monitor(env, info_keywords=("is_success",))
