"""reach: bring one arm's TCP to a sampled target pose (position ± 2 cm, orientation ± 15°).

Targets are poses the arm really reaches (forward kinematics of a random joint perturbation of the
default pose), so every robot — four-joint arms included — can succeed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from humanoid_ground.envs.kernels import pose_target_features
from .. import parts
from ..base import Task, TaskParams
from ..registry import register_task
from ..scripted import Goal, Servo, Step

_ONEHOT = {"left": np.array([1.0, 0.0]), "right": np.array([0.0, 1.0])}  # which arm reaches


@dataclass
class ReachParams(TaskParams):
    arm: str = "random"  # left | right | random
    joint_noise: float = 0.45  # rad, perturbation of the default arm pose that defines the target
    pos_tol: float = 0.02  # m
    rot_tol_deg: float = 15.0
    min_distance: float = 0.06  # m between the start and the target TCP
    #: position and orientation weigh alike (10 cm ~ 45°): pos_error in 10 cm, rot_error in 45°; each
    #: tolerance met earns a bonus (in_pos, in_rot: 0/1), both together a larger one (success), so the
    #: policy is pulled into the success region
    reward: dict = field(default_factory=lambda: {"pos_error": -1.0, "rot_error": -1.0, "in_pos": 0.5, "in_rot": 0.5,
                                                  "success": 1.0})


@register_task("reach", max_episode_steps=150, order=10)
class Reach(Task):
    """Observation (15): arm one-hot (2), target position (3) + quaternion (4) in the torso frame,
    position error (3), rotation error (3)."""

    arms_required = 1
    Params = ReachParams

    def __init__(self, env, params: ReachParams):
        super().__init__(env, params)
        self.marker = parts.marker(self.sim.cid, (0.1, 0.8, 0.2, 0.7), radius=0.015)
        self.side = "right"
        self.target_p = np.zeros(3)
        self.target_R = np.eye(3)
        self._feat, self._feat_of = None, None  # features of the robot state whose frames are _feat_of

    def place(self, rng):
        r = self.robot
        self.side = self.arm_side(rng, self.params.arm)
        arm = r.arms[self.side]
        q0 = r.q.copy()
        start = r.tcp_world(self.side)[0].copy()
        for _ in range(50):
            q = q0.copy()
            q[arm.cols] += rng.uniform(-self.params.joint_noise, self.params.joint_noise, len(arm.cols))
            q = np.clip(q, r.body.lower, r.body.upper)
            r.body.reset_pose(q)
            r.refresh()
            pos, R = r.tcp_world(self.side)
            if np.linalg.norm(pos - start) >= self.params.min_distance and not r.body.self_contacts():
                break
        self.target_p, self.target_R = pos.copy(), R.copy()
        r.reset(q0)
        self.sim.set_pose(self.marker, self.target_p)
        self._feat_of = None

    def _features(self):
        """(13 torso-frame features, position error, rotation error), once per robot state: observation and
        evaluate share them (each refresh reads new link frames, so their identity marks the state)."""
        r = self.robot
        if self._feat_of is not r._R:
            side = self.side
            self._feat = pose_target_features(r.torso_position, r.to_torso, r.tcp_position(side), r.tcp_rotation(side),
                                              self.target_p, self.target_R, _ONEHOT[side])
            self._feat_of = r._R
        return self._feat

    def errors(self) -> tuple[float, float]:
        """TCP position error (m) and orientation error (degrees)."""
        _, dp, dr = self._features()
        return dp, math.degrees(dr)

    @classmethod
    def observation_fields(cls, params):
        return (("arm", 2, "flag"), ("target.position", 3, "position"), ("target.orientation", 4, "orientation"),
                ("target-tcp", 3, "vector"), ("rotation_error", 3, "vector"))

    def observation(self):
        return self._features()[0]

    def evaluate(self):
        dp, dr = self.errors()
        ok = dp <= self.params.pos_tol and dr <= self.params.rot_tol_deg
        in_pos, in_rot = dp <= self.params.pos_tol, dr <= self.params.rot_tol_deg
        return self.score(ok, {"pos_error": dp, "rot_error_deg": dr}, pos_error=dp / 0.1, rot_error=dr / 45.0,
                          in_pos=float(in_pos), in_rot=float(in_rot), success=1.0 if ok else 0.0)

    def plan(self):
        return Servo(self.env, [Step({self.side: Goal(self.target_p, self.target_R)}, tol=0.003, max_steps=10_000)])
