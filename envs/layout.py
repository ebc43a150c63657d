"""The canonical layout: the one named structure of the robot-independent action (16 numbers) and state
(23 numbers) that every robot shares. Code indexes them through these names, never through literals.

Action (``ee_delta``), per arm ``k`` (0 left, 1 right) at ``ARM_ACTION * k``::

    [ACT_POS]  Δx, Δy, Δz of the TCP in the torso frame (× MAX_DPOS m)
    [ACT_ROT]  Δ axis-angle of the TCP in the torso frame (× MAX_DROT rad)
    [ACT_GRIP] grip (> 0 closed)
    then HEAD_ACTION: Δyaw, Δpitch of the head camera (× MAX_DHEAD rad)

State (``canonical`` observation, ``observation.state`` in datasets), per arm at ``ARM_STATE * k``::

    [ST_POS] TCP position, [ST_QUAT] TCP quaternion (xyzw, w ≥ 0), both in the torso frame, [ST_GRIP] grip
    then CAMERA_STATE: head camera position (3) + quaternion (4) in the torso frame

A robot without an arm on a side has zeros there (its action entries are ignored).
"""
from __future__ import annotations

SIDES = ("left", "right")

ARM_ACTION = 7
ACT_POS, ACT_ROT, ACT_GRIP = slice(0, 3), slice(3, 6), 6
HEAD_ACTION_START = 2 * ARM_ACTION  # (integers for the compiled kernels)
HEAD_ACTION = slice(HEAD_ACTION_START, HEAD_ACTION_START + 2)
ACTION_DIM = 2 * ARM_ACTION + 2

ARM_STATE = 8
ST_POS, ST_QUAT, ST_GRIP = slice(0, 3), slice(3, 7), 7
CAMERA_STATE_START = 2 * ARM_STATE
CAMERA_STATE = slice(CAMERA_STATE_START, CAMERA_STATE_START + 7)
STATE_DIM = 2 * ARM_STATE + 7


def arm_slice(base: int, part: slice | int, k: int) -> slice | int:
    """Index of an arm field: ``arm_slice(ARM_ACTION, ACT_POS, 1)`` is the right arm's Δxyz."""
    if isinstance(part, slice):
        return slice(base * k + part.start, base * k + part.stop)
    return base * k + part


def action_field(part: slice | int, k: int) -> slice | int:
    return arm_slice(ARM_ACTION, part, k)


def state_field(part: slice | int, k: int) -> slice | int:
    return arm_slice(ARM_STATE, part, k)


#: what a field of an observation is. ``position``: a point in the canonical torso frame, whose value
#: depends on where the scene stands relative to this body (a body-relative input leaves these out);
#: ``vector``: a difference of two points (the same for any body making the same motion);
#: ``orientation`` (quaternion or unit direction), ``scalar`` and ``flag`` (0/1).
FIELD_KINDS = ("position", "vector", "orientation", "scalar", "flag")

#: (name, size, kind) of the canonical state, in order
STATE_FIELDS: tuple[tuple[str, int, str], ...] = tuple(
    (f"{side}.{name}", n, kind) for side in SIDES
    for name, n, kind in (("tcp_position", 3, "position"), ("tcp_quaternion", 4, "orientation"), ("grip", 1, "scalar"))
) + (("camera.position", 3, "position"), ("camera.quaternion", 4, "orientation"))


def field_mask(fields, keep_kinds) -> list[bool]:
    """Per number of a layout of ``(name, size, kind)`` fields: whether its field's kind is in ``keep_kinds``."""
    return [kind in keep_kinds for _, n, kind in fields for _ in range(n)]

