"""Observation normalisation for one policy over many bodies.

SB3's ``VecNormalize`` divides every input by its running spread. That is right for the state, but
wrong for inputs that are constant per robot (the ``embodiment`` descriptor): over a handful of
training bodies some of its 37 numbers take one value (no training robot has finger hands, say) or
two close ones, so their spread is near zero and an unseen body reads as ±10 standard deviations
(measured: the 4-robot reach policy saw unitree_g1's descriptor at the clip bound, and failed on it).
:class:`BodyAwareVecNormalize` leaves such keys as they are: the descriptor is already in metres and
unit fractions (O(1)), so the policy sees a new body's numbers on the scale it saw the others'.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from stable_baselines3.common.vec_env import VecNormalize

#: keys passed to the policy un-normalised by default: constant per robot (see module docstring)
RAW_OBS_KEYS = ("embodiment",)


def raw_mask(obs_keys: Sequence[str], sizes: dict[str, int], raw_keys: Sequence[str]) -> np.ndarray:
    """Boolean mask over the flattened observation (``obs_keys`` concatenated, each ``sizes[k]`` long)
    marking the entries of ``raw_keys``."""
    return np.concatenate([np.full(int(sizes[k]), k in raw_keys, dtype=bool) for k in obs_keys])


class BodyAwareVecNormalize(VecNormalize):
    """``VecNormalize`` that leaves the entries marked by ``raw`` (a boolean mask over the flattened
    observation) as they are. Statistics are still kept for every entry; only their use differs.

    :param venv: the vectorised env (flattened observations).
    :param raw: entries passed through un-normalised.
    """

    def __init__(self, venv, raw: np.ndarray, **kwargs):
        super().__init__(venv, **kwargs)
        self.raw = np.asarray(raw, dtype=bool)
        if self.raw.shape != self.observation_space.shape:
            raise ValueError(f"raw mask has shape {self.raw.shape}, observations {self.observation_space.shape}")

    def _normalize_obs(self, obs: np.ndarray, obs_rms) -> np.ndarray:
        out = super()._normalize_obs(obs, obs_rms)
        return np.where(self.raw, obs, out).astype(out.dtype, copy=False)

    def _unnormalize_obs(self, obs: np.ndarray, obs_rms) -> np.ndarray:
        out = super()._unnormalize_obs(obs, obs_rms)
        return np.where(self.raw, obs, out).astype(out.dtype, copy=False)
