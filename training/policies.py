"""Policies that act on the env's own Dict observation: ``expert``, ``random``, a checkpoint path, or
``module:callable`` (a factory ``f(env) -> policy`` where ``policy(obs) -> action``).

Used by ``hground eval``, ``hground collect`` and ``hground bench``, so the three run a policy the same way.
"""
from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from typing import Callable

import numpy as np

from humanoid_ground.common.policy_spec import check_policy_spec
from humanoid_ground.errors import HGroundError

from .checkpoint import check_spaces, load_checkpoint
from .wrappers import flatten_obs


class RandomPolicy:
    def __init__(self, env, seed: int = 0):
        self.space = env.action_space
        self.rng = np.random.default_rng(seed)

    def __call__(self, obs):
        return self.rng.uniform(self.space.low, self.space.high).astype(np.float32)


class CheckpointPolicy:
    """A trained policy with its frozen observation normaliser, acting deterministically."""

    def __init__(self, env, ck, device: str = "cpu"):
        self.ck = ck
        u = env.unwrapped
        if ck.control != u.control:
            raise HGroundError(f"checkpoint {ck.path.name} was trained with control={ck.control}; make the env with control={ck.control}")
        missing = [k for k in ck.obs_keys if k not in env.observation_space.spaces]
        if missing:
            raise HGroundError(f"observation space differs: checkpoint needs keys {ck.obs_keys}, the env has no {missing}")
        self.view = ck.view()
        obs_dim = sum(self.view.size(k, int(np.prod(env.observation_space[k].shape))) for k in ck.obs_keys)
        check_spaces(ck, obs_dim, int(env.action_space.shape[0]), f"{u.task_name} on {u.card.name}")
        self.model = ck.load_model(device=device)

    def __call__(self, obs):
        x = self.ck.normalize(flatten_obs(obs, self.ck.obs_keys, self.view)[None])
        action, _ = self.model.predict(x, deterministic=True)
        return np.asarray(action[0], dtype=np.float32)


def checkpoint_policy(env, ck):
    """The policy a checkpoint holds, for ``env``: an SB3 model, or a bc/diffusion policy."""
    from .algos import IMITATION

    if ck.algo in IMITATION:
        from .imitation import ImitationPolicy

        return ImitationPolicy(env, ck)
    return CheckpointPolicy(env, ck)


def policy_identity(spec: str) -> dict:
    """What a policy spec names, with a content hash for checkpoints (for reports)."""
    if spec in ("expert", "random"):
        return {"spec": spec, "kind": spec, "hash": None}
    p = Path(spec)
    if p.exists():
        from .checkpoint import resolve_checkpoint

        f = resolve_checkpoint(p)
        h = hashlib.sha256(f.read_bytes()).hexdigest()[:16]
        return {"spec": spec, "kind": "checkpoint", "path": str(f), "hash": h}
    return {"spec": spec, "kind": "callable", "hash": None}


def make_policy(spec: str, env, seed: int = 0) -> Callable:
    """Build the policy named by ``spec`` for ``env`` (an env from ``humanoid_ground.make``)."""
    if spec == "expert":
        from humanoid_ground.tasks import expert

        return expert(env)
    if spec == "random":
        return RandomPolicy(env, seed)
    if Path(spec).exists():
        return checkpoint_policy(env, load_checkpoint(spec))
    if ":" in spec:
        mod, _, fn = spec.partition(":")
        try:
            factory = getattr(importlib.import_module(mod), fn)
        except (ImportError, AttributeError) as e:
            raise HGroundError(f"policy '{spec}': cannot import {fn} from {mod} ({e})") from None
        return factory(env)
    check_policy_spec(spec)  # raises: not one of the forms
    raise AssertionError(spec)  # pragma: no cover
