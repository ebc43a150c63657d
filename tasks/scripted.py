"""Building blocks for scripted experts: TCP servoing through the canonical ee_delta action.

Experts read the env's true state (privileged) and act only through the canonical action, so the
same expert drives every robot.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from humanoid_ground.envs.env import MAX_DHEAD, MAX_DPOS, MAX_DROT
from humanoid_ground.envs.robot import SIDES
from humanoid_ground.envs.rotations import mat_to_rotvec


@dataclass
class Goal:
    """Where one arm's TCP should go (world frame); ``R=None`` keeps the orientation it had at the step start."""

    pos: np.ndarray
    R: np.ndarray | None = None
    grip: float = 0.0


@dataclass
class Step:
    goals: dict[str, Goal]
    tol: float = 0.008  # m
    max_steps: int = 150
    settle: int = 2  # consecutive steps within tolerance before the step counts as done
    head: Callable[[], tuple[float, float]] | None = None  # head action override (dyaw, dpitch) in [-1, 1]
    done: Callable[[], bool] | None = None  # custom completion test
    name: str = ""


class Servo:
    """Runs a list of :class:`Step` s, one canonical action per call."""

    def __init__(self, env, steps: list[Step], gain: float = 1.0):
        self.env = env.unwrapped if hasattr(env, "unwrapped") else env
        self.steps = steps
        self.gain = gain
        self.i = 0
        self.k = 0
        self.within = 0
        self._held_R: dict[str, np.ndarray] = {}

    @property
    def finished(self) -> bool:
        return self.i >= len(self.steps)

    def action(self) -> np.ndarray:
        env = self.env
        r = env.robot
        a = np.zeros(16)
        holding = self.finished  # after the last step: keep servoing to its goals (hold the pose)
        step = self.steps[min(self.i, len(self.steps) - 1)]
        if self.k == 0 and not holding:
            self._held_R = {s: r.tcp_world(s)[1].copy() for s in r.arms}
        _, tR = r.torso_pose()
        worst = 0.0
        for k, side in enumerate(SIDES):
            if side not in r.arms:
                continue
            g = step.goals.get(side)
            if g is None:  # hold position, keep grip
                a[7 * k + 6] = 1.0 if r.grip[side] >= 0.5 else -1.0
                continue
            p, R = r.tcp_world(side)
            e = tR.T @ (np.asarray(g.pos) - p)
            worst = max(worst, float(np.linalg.norm(e)))
            a[7 * k: 7 * k + 3] = np.clip(self.gain * e / MAX_DPOS, -1, 1)
            R_goal = g.R if g.R is not None else self._held_R[side]
            rv = tR.T @ mat_to_rotvec(R_goal @ R.T)
            a[7 * k + 3: 7 * k + 6] = np.clip(0.7 * rv / MAX_DROT, -1, 1)
            a[7 * k + 6] = 1.0 if g.grip >= 0.5 else -1.0
        if step.head is not None:
            a[14:16] = step.head()
        if holding:
            return a
        self.k += 1
        ok = step.done() if step.done is not None else worst <= step.tol
        self.within = self.within + 1 if ok else 0
        if (ok and self.within > step.settle) or self.k >= step.max_steps:
            self.i += 1
            self.k = 0
            self.within = 0
        return a


def head_servo(env, target_world: np.ndarray, gain: float = 1.0) -> tuple[float, float]:
    """Head action (dyaw, dpitch in [-1, 1]) that turns the camera's optical axis toward a point."""
    r = env.robot
    tp, tR = r.torso_pose()
    cp, cR = r.camera_pose()
    d = tR.T @ (target_world - cp)
    yaw_t, pitch_t = np.arctan2(d[1], d[0]), np.arctan2(-d[2], np.hypot(d[0], d[1]))
    yaw, pitch = r.camera_angles()
    dy = (yaw_t - yaw + np.pi) % (2 * np.pi) - np.pi
    return float(np.clip(gain * dy / MAX_DHEAD, -1, 1)), float(np.clip(gain * (pitch_t - pitch) / MAX_DHEAD, -1, 1))


class Policy:
    """Callable obs -> action wrapper around a plan factory (rebuilt at each episode start)."""

    def __init__(self, env, make_plan: Callable[[], Servo]):
        self.env = env.unwrapped if hasattr(env, "unwrapped") else env
        self.make_plan = make_plan
        self._servo: Servo | None = None
        self._episode_step = -1

    def __call__(self, obs=None) -> np.ndarray:
        steps = getattr(self.env, "_steps", 0)
        if self._servo is None or steps == 0 and self._episode_step != 0:
            self._servo = self.make_plan()
        self._episode_step = steps
        return self._servo.action().astype(np.float32)
