"""Task-readiness checks for ``hground robots check``: passing the model checks does not mean the tasks
can run, so these build the robot as the envs do (fixed base at its bench) and check what every task
relies on, from the card and the kinematics alone:

- ``bench_workspace``: each arm reaches bench positions at grasp and lift height (the reachability map
  the scenes are drawn from); an arm that reaches none is named, with how far its closest attempt fell short.
- ``head_axes``: the head yaw joint turns the camera's optical axis about a roughly vertical axis and the
  pitch joint about a roughly horizontal one; a mapping that looks swapped is a warning with the measured axis.
- ``camera_view``: the head camera sees the bench in the default pose (or a head pitch joint can aim it there);
  a warning otherwise (the inspection tasks need it, the assembly tasks do not).
"""
from __future__ import annotations

import math

import numpy as np

from humanoid_ground.robots import load_asset
from humanoid_ground.robots.validate import Check

#: a yaw axis this aligned with vertical (|cos|), a pitch axis this close to horizontal, pass
AXIS_COS = 0.7
#: joint step used to measure a head joint's effect (rad)
PROBE = 0.15


def _camera_R(robot) -> np.ndarray:
    return np.array(robot.camera_pose()[1], dtype=float)


def _turn_axis(robot, col: int, delta: float) -> tuple[np.ndarray, float]:
    """(unit axis in the world frame — the base is fixed and world-aligned — about which moving joint ``col``
    by ``delta`` turns the camera, and the angle in degrees)."""
    from .rotations import mat_to_quat

    q0 = robot.q.copy()
    R0 = _camera_R(robot)
    q = q0.copy()
    q[col] = q0[col] + delta if q0[col] + delta <= robot.body.upper[col] else q0[col] - delta
    robot.body.reset_pose(q)
    robot.refresh()
    R1 = _camera_R(robot)
    robot.body.reset_pose(q0)
    robot.refresh()
    x, y, z, w = mat_to_quat(R1 @ R0.T)
    s = math.sqrt(x * x + y * y + z * z)
    return (np.array([x, y, z]) / s if s > 1e-9 else np.zeros(3)), math.degrees(2 * math.atan2(s, abs(w)))


def head_axes_check(robot) -> Check:
    names = ("yaw", "pitch")
    cols = robot.head_cols
    if all(c is None for c in cols):
        return Check("head_axes", "pass", "no head joints mapped: the camera is fixed to its link")
    notes, warn = [], False
    for name, col in zip(names, cols):
        if col is None:
            continue
        axis, ang = _turn_axis(robot, col, PROBE)
        if ang < 1.0:
            notes.append(f"{name} joint turns the optical axis by {ang:.1f}° for {math.degrees(PROBE):.0f}° of joint motion "
                         "(it does not aim the camera)")
            warn = True
            continue
        vertical = abs(axis[2])
        # yaw: about a roughly vertical axis; pitch: about a roughly horizontal one
        ok = vertical >= AXIS_COS if name == "yaw" else vertical <= math.sqrt(1 - AXIS_COS ** 2)
        ax = "[" + ", ".join(f"{x:+.2f}" for x in axis) + "]"
        if ok:
            notes.append(f"{name} turns the view about {ax}")
        else:
            other = "pitch" if name == "yaw" else "yaw"
            notes.append(f"head_joints.{name} turns the view about {ax} (x forward, y left, z up), a {other} axis: is the mapping swapped?")
            warn = True
    return Check("head_axes", "warn" if warn else "pass", "; ".join(notes))


def camera_view_check(robot, ws) -> Check:
    pos, R = robot.camera_pose()
    centre = np.array([(ws.bench_x[0] + ws.bench_x[1]) / 2, float(ws.center[1]), ws.bench_top])
    d = centre - pos
    d /= np.linalg.norm(d)
    off = math.degrees(math.acos(float(np.clip(d @ R[:, 0], -1, 1))))
    half = robot.fov / 2
    if off <= half:
        return Check("camera_view", "pass", f"the bench centre is {off:.0f}° off the optical axis (half field of view {half:.0f}°)")
    pitch = robot.head_cols[1]
    if pitch is not None:
        lo, hi = robot.body.lower[pitch], robot.body.upper[pitch]
        if math.radians(off - half) <= (hi - lo):
            return Check("camera_view", "warn", f"the bench centre is {off:.0f}° off the optical axis (half field of view {half:.0f}°) "
                                                "in the default pose; the head pitch joint has the range to aim there")
    # a warning, not a failure: the assembly tasks do not need the camera, the inspection tasks do
    return Check("camera_view", "warn", f"the head camera does not see the bench: its centre is {off:.0f}° off the optical axis "
                                        f"(half field of view {half:.0f}°), so the inspection tasks cannot work; check head_camera rpy "
                                        "(the camera looks along +x) or fov")


def bench_check(robot, ws) -> Check:
    from .workspace import _base_T, _ik_error

    parts, fail = [], []
    n_grid = len(ws.GRID) ** 2
    for side, arm in robot.arms.items():
        n = len(ws.cells.get(side, ()))
        if n:
            parts.append(f"{side} {n}")
            continue
        # how far short: the best IK attempt over the grid at grasp height
        T = _base_T(robot)
        lo, hi = robot.body.lower[arm.cols], robot.body.upper[arm.cols]
        so = max(ws.scale, 0.6)
        errs = [_ik_error(robot, arm, T, np.array([*(ws.tcp[side][:2] + np.array([dx, dy]) * so), ws.bench_top + ws.HEIGHTS[0] * so]),
                          lo, hi, mid_start=True) for dx in ws.GRID[::2] for dy in ws.GRID[::2]]
        fail.append(f"the {side} arm reaches no bench position (closest grasp-height target missed by {100 * min(errs):.1f} cm; "
                    f"arm reach {ws.reach[side]:.2f} m, bench top {ws.bench_top:.2f} m, TCP at {ws.tcp[side][2]:.2f} m)")
    if fail:
        return Check("bench_workspace", "fail", "; ".join(fail) + "; check the card's default_pose, tcp_xyz and arm joints")
    return Check("bench_workspace", "pass", f"bench positions reachable at grasp and lift height: {', '.join(parts)} (of {n_grid} per arm); "
                                            f"bench top at {ws.bench_top:.2f} m")


def readiness_checks(card) -> list[Check]:
    """The task-readiness checks of ``card`` (a robot with at least a head camera; arms optional)."""
    from .robot import Robot
    from .sim import Sim, SimConfig
    from .workspace import Workspace

    sim = Sim(SimConfig())
    try:
        robot = Robot(load_asset(card), sim.cid, base="fixed")
        robot.refresh()
        ws = Workspace.from_robot(robot)
        checks = [bench_check(robot, ws)] if robot.arms else [Check("bench_workspace", "skip", "no arms: only arm-free tasks")]
        return checks + [head_axes_check(robot), camera_view_check(robot, ws)]
    finally:
        sim.close()
