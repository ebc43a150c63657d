"""Left-right mirror augmentation for imitation: every demo also as its mirror image.

A humanoid is (nearly) mirror-symmetric about its torso's xz-plane, and so are the canonical interface and
the scenes of the symmetric tasks (:attr:`~humanoid_ground.tasks.base.Task.mirror_symmetric`): a demo of the
left arm placing a part on the left of the bench, mirrored, is a demo of the right arm doing it on the right.
Doubling the data this way gives each arm the other arm's demos (most tasks pick the arm at random, so a
few dozen demos leave each arm half of them).

The mirror M = diag(1, −1, 1) in the torso frame acts on the flat imitation observation (canonical state,
task state, embodiment descriptor) and the canonical action by field kind:

- points and vectors (``position``, ``vector``, 3 numbers): y → −y; unit directions (``orientation``, 3): the same;
- quaternions (``orientation``, 4, xyzw): R → M R M, i.e. (−x, y, −z, w) — canonical TCP orientations are
  relative to the default pose, which is itself symmetric;
- axis-angle rotations (the action's Δrotation): (−x, y, −z); the head's Δyaw changes sign, Δpitch does not;
- ``left.*`` and ``right.*`` fields swap; the task's ``arm`` flag (left +1, right −1) changes sign;
- everything else (grips, flags, scalars, lengths) is unchanged.

Each mapping is a permutation plus signs: ``mirrored = x[perm] * sign``.
"""
from __future__ import annotations

import numpy as np

from humanoid_ground.errors import HGroundError

_FLIP_Y = np.array([1.0, -1.0, 1.0])
_QUAT = np.array([-1.0, 1.0, -1.0, 1.0])
_AXIAL = np.array([-1.0, 1.0, -1.0])


def _other(name: str) -> str | None:
    for a, b in (("left.", "right."), ("right.", "left.")):
        if name.startswith(a):
            return b + name[len(a):]
    return None


def field_map(fields) -> tuple[np.ndarray, np.ndarray]:
    """(perm, sign) mirroring a flat vector of ``fields`` (name, size, kind): ``x[perm] * sign``."""
    starts, k = {}, 0
    for name, n, _ in fields:
        starts[name] = k
        k += n
    perm, sign = np.arange(k), np.ones(k)
    for name, n, kind in fields:
        src = starts[name]
        other = _other(name)
        if other is not None:
            if other not in starts:
                raise HGroundError(f"field {name!r} has no mirror field {other!r}")
            src = starts[other]
        dst = starts[name]
        perm[dst:dst + n] = np.arange(src, src + n)
        if kind in ("position", "vector") and n == 3 or kind == "orientation" and n == 3:
            sign[dst:dst + n] = _FLIP_Y
        elif kind == "orientation" and n == 4:
            sign[dst:dst + n] = _QUAT
        elif name == "arm" and n == 1:
            sign[dst] = -1.0
        elif kind in ("position", "vector", "orientation"):
            raise HGroundError(f"field {name!r} ({n} numbers, {kind}): no mirror rule")
    return perm, sign


def action_map() -> tuple[np.ndarray, np.ndarray]:
    """(perm, sign) mirroring the canonical ``ee_delta`` action (16 numbers)."""
    from humanoid_ground.envs.layout import ACT_GRIP, ACT_POS, ACT_ROT, ACTION_DIM, HEAD_ACTION, action_field

    perm, sign = np.arange(ACTION_DIM), np.ones(ACTION_DIM)
    for k in range(2):
        o = 1 - k
        for part, s in ((ACT_POS, _FLIP_Y), (ACT_ROT, _AXIAL)):
            dst, src = action_field(part, k), action_field(part, o)
            perm[dst], sign[dst] = np.arange(ACTION_DIM)[src], s
        perm[action_field(ACT_GRIP, k)] = action_field(ACT_GRIP, o)
    sign[HEAD_ACTION.start] = -1.0  # head Δyaw
    return perm, sign


def observation_map(task: str, task_params: dict | None, task_dim: int) -> tuple[np.ndarray, np.ndarray]:
    """(perm, sign) mirroring the flat imitation observation: canonical state (23), task state (``task_dim``,
    padding kept as is), embodiment descriptor. A task that is not mirror-symmetric is a one-line error."""
    from humanoid_ground.envs.embodiment import LAYOUT as EMB_LAYOUT
    from humanoid_ground.envs.layout import STATE_FIELDS
    from humanoid_ground.tasks.registry import task_class

    cls = task_class(task)
    if not cls.mirror_symmetric:
        raise HGroundError(f"algo.params.mirror=true: task '{task}' is not mirror-symmetric (Task.mirror_symmetric); "
                           "use algo.params.mirror=false")
    tf = list(cls.observation_fields(cls.Params.from_dict(task_params, task)))
    n = sum(f[1] for f in tf)
    if n > task_dim:
        raise HGroundError(f"task '{task}' declares {n} observation numbers, the data holds {task_dim}")
    tf.append(("padding", task_dim - n, "scalar"))
    maps = [field_map(STATE_FIELDS), field_map(tf), field_map(EMB_LAYOUT)]
    perm, sign, off = [], [], 0
    for p_, s_ in maps:
        perm.append(p_ + off)
        sign.append(s_)
        off += len(p_)
    return np.concatenate(perm), np.concatenate(sign)


def mirror_demos(demos, task_params: dict | None = None):
    """``demos`` (:class:`~.imitation.Demos`) followed by the mirror image of every episode (new episodes after
    the originals, same robots)."""
    perm, sign = observation_map(demos.task, task_params, demos.task_dim)
    aperm, asign = action_map()
    N = len(demos.obs)
    demos.obs = np.concatenate([demos.obs, (demos.obs[:, perm] * sign).astype(np.float32)])
    demos.act = np.concatenate([demos.act, (demos.act[:, aperm] * asign).astype(np.float32)])
    demos.ep_start = np.concatenate([demos.ep_start, demos.ep_start + N])
    demos.ep_end = np.concatenate([demos.ep_end, demos.ep_end + N])
    demos.robot = np.concatenate([demos.robot, demos.robot])
    demos.episodes *= 2
    return demos
