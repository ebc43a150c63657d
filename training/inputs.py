"""What a policy sees of the observation keys it is fed: every number, or the body-relative ones.

- ``all``: every number of the chosen keys.
- ``relative``: the ``position`` fields (points in the canonical torso frame, see
  :data:`humanoid_ground.envs.layout.FIELD_KINDS`) of the ``canonical`` state and of the task state (the
  task's declared :meth:`~humanoid_ground.tasks.base.Task.observation_fields`) are left out. What
  remains — TCP and part orientations, grips, the vectors between TCP, part and target, flags — reads
  the same for any body making the same motion, wherever its scene stands relative to its torso.
- ``scaled``: ``relative``, with the ``vector`` fields in units of the body's workspace scale (the
  embodiment descriptor's ``scale``: mean arm length / 0.7 m), so a small body's scene reads like a
  large body's (scenes and parts are drawn in proportion to the body).

The ``embodiment`` descriptor and native ``proprio`` always pass whole. RL takes the setting as
``env.inputs``, bc/diffusion as ``algo.params.inputs``; checkpoints record it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from humanoid_ground.errors import HGroundError

INPUTS = ("all", "relative", "scaled")


def auto_inputs(n_robots: int, keys: Sequence[str]) -> str:
    """``env.inputs=auto`` (RL's default): ``scaled`` when several bodies train together (with the
    embodiment descriptor among the keys; ``relative`` without it), ``all`` for one robot. Measured on
    the 4-robot reach quick check (README, "Cross-embodiment"): held-out G1 44 % with ``all``, 84 % with ``scaled``."""
    if n_robots <= 1:
        return "all"
    return "scaled" if "embodiment" in keys else "relative"
#: the field kinds ``relative`` and ``scaled`` keep
RELATIVE_KINDS = ("vector", "orientation", "scalar", "flag")


def scale_index() -> int:
    """Where the embodiment descriptor holds the body's scale."""
    from humanoid_ground.envs.embodiment import FIELDS

    k = 0
    for name, n, _ in FIELDS:
        if name == "scale":
            return k
        k += n
    raise AssertionError("the embodiment descriptor has no scale field")


@dataclass
class InputView:
    """Per observation key, which numbers the policy sees (``keep``, None: all) and which of the kept
    ones are divided by the body's scale (``scaled``, None: none)."""

    keys: list[str]
    keep: dict[str, np.ndarray | None]
    scaled: dict[str, np.ndarray | None]

    def size(self, key: str, full: int) -> int:
        m = self.keep.get(key)
        return int(full) if m is None else int(m.sum())

    @property
    def identity(self) -> bool:
        """Every number passes unchanged."""
        return all(self.keep[k] is None and self.scaled[k] is None for k in self.keys)

    def _plan(self, sizes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, int]:
        """For flat inputs of these key sizes (computed once per sizes): the input columns kept, the output
        columns divided by the scale, and the scale's input column."""
        plans = self.__dict__.setdefault("_plans", {})
        if sizes not in plans:
            cols, scaled_out, start, scale_col = [], [], 0, -1
            for k, n in zip(self.keys, sizes):
                m, s = self.keep.get(k), self.scaled.get(k)
                kept = np.arange(start, start + n) if m is None else start + np.flatnonzero(m)
                if s is not None:
                    scaled_out.extend(len(cols) + np.flatnonzero(s))
                cols.extend(kept.tolist())
                if k == "embodiment":
                    scale_col = start + scale_index()
                start += n
            plans[sizes] = (np.array(cols, dtype=np.int64), np.array(scaled_out, dtype=np.int64), scale_col)
        return plans[sizes]

    def apply(self, x: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
        """The viewed numbers of flat observations ``x`` (..., Σ sizes): ``self.keys`` concatenated, each
        ``sizes[i]`` long (float32)."""
        x = np.asarray(x, dtype=np.float32)
        if self.identity:
            return x
        cols, scaled_out, scale_col = self._plan(tuple(int(n) for n in sizes))
        out = x[..., cols]  # a copy (fancy indexing)
        if len(scaled_out):
            out[..., scaled_out] /= x[..., scale_col, None]
        return out

    def flatten(self, obs: dict) -> np.ndarray:
        """The chosen keys of a Dict observation, viewed, as one float32 vector."""
        xs = [np.asarray(obs[k], dtype=np.float32).ravel() for k in self.keys]
        if self.identity:
            return np.concatenate(xs)
        return self.apply(np.concatenate(xs), [len(v) for v in xs])


def all_inputs(keys: Sequence[str]) -> InputView:
    """The view that feeds every number of ``keys``."""
    return InputView(list(keys), {k: None for k in keys}, {k: None for k in keys})


def input_view(keys: Sequence[str], inputs: str, task: str, task_params: dict | None = None,
               task_dim: int | None = None, setting: str = "inputs") -> InputView:
    """The :class:`InputView` of ``inputs`` over ``keys`` for ``task``.

    :param task_dim: the task state's length where it is padded (a merged dataset of several task
        states); the padding is kept.
    :param setting: the config key named in errors.
    """
    from humanoid_ground.envs.layout import STATE_FIELDS, field_mask
    from humanoid_ground.errors import unknown_name

    if inputs not in INPUTS:
        raise unknown_name(f"{setting} value", str(inputs), list(INPUTS))
    keys = list(keys)
    view = all_inputs(keys)
    if inputs == "all":
        return view
    keep, scaled = view.keep, view.scaled
    layouts = {}
    if "canonical" in keys:
        layouts["canonical"] = list(STATE_FIELDS)
    if "task" in keys:
        from humanoid_ground.tasks.registry import task_class

        cls = task_class(task)
        fields = list(cls.observation_fields(cls.Params.from_dict(task_params, task)))
        if not fields:
            raise HGroundError(f"{setting}={inputs}: task '{task}' declares no observation_fields(), so its positions "
                               f"are unknown; use {setting}=all")
        n = sum(f[1] for f in fields)
        if task_dim is not None:
            if n > task_dim:
                raise HGroundError(f"task '{task}' declares {n} observation numbers, the data holds {task_dim}")
            fields.append(("padding", task_dim - n, "scalar"))
        layouts["task"] = fields
    if inputs == "scaled" and "embodiment" not in keys:
        raise HGroundError(f"{setting}=scaled reads the body's scale from the embodiment descriptor: keep 'embodiment' "
                           "in the observation keys, or use relative")
    for k, fields in layouts.items():
        kept = [f for f in fields if f[2] in RELATIVE_KINDS]
        keep[k] = np.array(field_mask(fields, RELATIVE_KINDS), dtype=bool)
        if inputs == "scaled":
            scaled[k] = np.array(field_mask(kept, ("vector",)), dtype=bool)
    return view
