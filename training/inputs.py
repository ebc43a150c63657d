"""What a policy sees of an observation key: every number, or only the body-relative ones.

``inputs=all`` feeds every number of the chosen keys. ``inputs=relative`` leaves out the ``position``
fields (points in the canonical torso frame, see :data:`humanoid_ground.envs.layout.FIELD_KINDS`) of the
``canonical`` state and of the task state (the task's declared
:meth:`~humanoid_ground.tasks.base.Task.observation_fields`). What remains — TCP and part orientations,
grips, the vectors between TCP, part and target, flags — reads the same for any body making the same
motion, wherever its scene stands relative to its torso; the ``embodiment`` descriptor and native
``proprio`` pass whole. RL takes it as ``env.inputs``, bc/diffusion as ``algo.params.inputs``.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from humanoid_ground.errors import HGroundError

INPUTS = ("all", "relative")
#: the field kinds ``relative`` keeps
RELATIVE_KINDS = ("vector", "orientation", "scalar", "flag")


def key_masks(keys: Sequence[str], inputs: str, task: str, task_params: dict | None = None,
              task_dim: int | None = None, setting: str = "inputs") -> dict[str, np.ndarray | None]:
    """Per observation key, a boolean mask of the numbers the policy sees (None: all of them).

    :param task_dim: the task state's length where it is padded (a merged dataset of several task
        states); the padding is kept.
    :param setting: the config key named in errors.
    """
    from humanoid_ground.envs.layout import STATE_FIELDS, field_mask
    from humanoid_ground.errors import unknown_name

    if inputs not in INPUTS:
        raise unknown_name(setting, str(inputs), list(INPUTS))
    out: dict[str, np.ndarray | None] = {k: None for k in keys}
    if inputs == "all":
        return out
    if "canonical" in out:
        out["canonical"] = np.array(field_mask(STATE_FIELDS, RELATIVE_KINDS), dtype=bool)
    if "task" in out:
        from humanoid_ground.tasks.registry import task_class

        cls = task_class(task)
        fields = cls.observation_fields(cls.Params.from_dict(task_params, task))
        if not fields:
            raise HGroundError(f"{setting}=relative: task '{task}' declares no observation_fields(), so its positions "
                               f"are unknown; use {setting}=all")
        m = field_mask(fields, RELATIVE_KINDS)
        if task_dim is not None:
            if len(m) > task_dim:
                raise HGroundError(f"task '{task}' declares {len(m)} observation numbers, the data holds {task_dim}")
            m += [True] * (task_dim - len(m))
        out["task"] = np.array(m, dtype=bool)
    return out


def flatten(obs: dict, keys: Sequence[str], masks: dict[str, np.ndarray | None] | None = None) -> np.ndarray:
    """The chosen keys of a Dict observation, masked, as one float32 vector."""
    parts = []
    for k in keys:
        x = np.asarray(obs[k], dtype=np.float32).ravel()
        m = None if masks is None else masks.get(k)
        parts.append(x if m is None else x[m])
    return np.concatenate(parts)
