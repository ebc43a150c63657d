"""The ``embodiment`` observation: a fixed-size description of the body a policy is in.

Computed once per env from the robot's card and its kinematics in the default pose (never from the
episode), so it is the same for every episode and seed of a robot, and a vendor's registered robot (or
a procedurally perturbed variant) gets it with no code. Lengths are in metres, positions in the
canonical torso frame (x forward, y left, z up; see :mod:`.robot`).

The layout is :data:`FIELDS` (name, size, meaning), 37 numbers, with each field's kind in :data:`LAYOUT`; a
missing arm is all zeros.
"""
from __future__ import annotations

import numpy as np

from .robot import SIDES

#: hold types, one-hot per arm: finger joints, an assisted rigid weld, an assisted gimbal hold
HOLDS = ("fingers", "rigid", "gimbal")
#: arm joint counts are divided by this (a 7-joint arm reads 1.0)
JOINT_SCALE = 7.0

_ARM_FIELDS = (
    ("present", 1, "1 if the robot has this arm, else 0 (and the arm's other fields are 0)"),
    ("shoulder", 3, "position of the arm's first joint in the torso frame (m)"),
    ("tcp", 3, "default-pose TCP position in the torso frame (m)"),
    ("chain_length", 1, "sum of the distances between consecutive arm joints and the TCP in the default pose (m): the arm's reach radius"),
    ("tcp_distance", 1, "default-pose distance from the shoulder to the TCP (m): how far the arm is folded"),
    ("joints", 1, f"number of arm joints / {JOINT_SCALE:g}"),
    ("hold", len(HOLDS), "one-hot hold type: " + ", ".join(HOLDS)),
)

#: (name, size, meaning) of every field, in order
FIELDS: tuple[tuple[str, int, str], ...] = tuple(
    (f"{side}.{name}", n, text) for side in SIDES for name, n, text in _ARM_FIELDS) + (
    ("camera.position", 3, "head camera position in the torso frame (m)"),
    ("camera.axis", 3, "head camera optical axis in the torso frame (unit vector)"),
    ("camera.fov", 1, "head camera vertical field of view / 90 degrees"),
    ("head.joints", 2, "1 if the card maps a head yaw / pitch joint (or a waist joint that aims the camera), else 0"),
    ("standing_height", 1, "base height when standing (m; the card's standing_height)"),
    ("scale", 1, "workspace scale: mean arm chain length / 0.7 m, clipped to [0.3, 1.3] (1 = an adult-size humanoid)"),
)
DIM = sum(n for _, n, _ in FIELDS)
#: what each field is, in the vocabulary of :data:`~.layout.FIELD_KINDS` (points in the torso frame are
#: ``position``, the camera's unit axis is an ``orientation``; the rest are flags and scalars)
_KINDS = {"present": "flag", "shoulder": "position", "tcp": "position", "hold": "flag", "camera.position": "position",
          "camera.axis": "orientation", "head.joints": "flag"}
#: (name, size, kind) of every field, in order: the layout learners read (e.g. to mirror the descriptor)
LAYOUT: tuple[tuple[str, int, str], ...] = tuple(
    (name, n, _KINDS.get(name, _KINDS.get(name.split(".", 1)[-1], "scalar"))) for name, n, _ in FIELDS)


def embodiment_vector(robot, workspace) -> np.ndarray:
    """The embodiment descriptor (float32, :data:`DIM`) of ``robot`` (an :class:`~.robot.Robot` in its
    default pose) and its :class:`~.workspace.Workspace`."""
    tp, tR = robot.torso_pose()
    to_torso = lambda x: tR.T @ (np.asarray(x, dtype=float) - tp)  # noqa: E731
    out: list[float] = []
    for side in SIDES:
        arm = robot.arms.get(side)
        if arm is None:
            out += [0.0] * sum(n for _, n, _ in _ARM_FIELDS)
            continue
        sh, tcp = workspace.shoulder[side], workspace.tcp[side]
        g = arm.grasp
        hold = "fingers" if g.type == "fingers" else g.hold
        out += [1.0, *to_torso(sh), *to_torso(tcp), workspace.reach[side], float(np.linalg.norm(tcp - sh)),
                len(arm.cols) / JOINT_SCALE, *[float(hold == h) for h in HOLDS]]
    cpos, cR = robot.camera_pose()
    out += [*to_torso(cpos), *(tR.T @ cR[:, 0]), robot.fov / 90.0]
    out += [float(c is not None) for c in robot.head_cols]
    out += [float(robot.card.standing_height), float(workspace.scale)]
    v = np.asarray(out, dtype=np.float32)
    assert v.shape == (DIM,), v.shape
    return v


def describe(v: np.ndarray) -> dict[str, list[float]]:
    """The descriptor as {field: values} (for reports and ``robots show``)."""
    out, k = {}, 0
    for name, n, _ in FIELDS:
        out[name] = [round(float(x), 4) for x in v[k:k + n]]
        k += n
    return out
