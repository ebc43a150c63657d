"""peg_insert: insert a peg into a hole with a given clearance (default 1.0 mm).

Success: insertion depth ≥ 80 % of the hole depth with the peg inside the hole. Metrics: lateral
error (peg axis to hole axis), insertion depth, and the largest peg–fixture contact force so far.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from humanoid_ground.envs.rotations import quat_to_mat

from .. import parts
from ..base import ARM_FIELD, PART_FIELDS, Task, TaskParams
from ..registry import register_task
from ..scripted import Servo, pick_and_place


@dataclass
class PegInsertParams(TaskParams):
    arm: str = "random"
    peg_radius: float = 0.012  # m (scaled with the robot's size, not below 0.6 ×)
    peg_length: float = 0.08
    clearance_mm: float = 1.0  # radial clearance between peg and hole
    hole_depth: float = 0.04
    spread: float = 0.01
    success_depth: float = 0.8  # fraction of the hole depth
    #: approach: Task.approach_reward; lateral: peg tip to hole axis (m, at most 0.3); depth: insertion
    #: depth as a fraction of the hole depth while the tip is inside (else 0); success: 1 when inserted
    reward: dict = field(default_factory=lambda: {"approach": 1.0, "lateral": -1.0, "depth": 0.5, "success": 2.0})


@register_task("peg_insert", max_episode_steps=400, order=30)
class PegInsert(Task):
    arms_required = 1
    mirror_symmetric = True
    Params = PegInsertParams

    def __init__(self, env, params: PegInsertParams):
        super().__init__(env, params)
        s = max(self.ws.scale, 0.6)
        self.r = params.peg_radius * s
        self.L = params.peg_length * s
        self.D = params.hole_depth * s
        self.c = params.clearance_mm / 1000.0
        cid = self.sim.cid
        self.bench_id = self.bench()
        self.fixture = parts.make_static(cid, parts.ring_shapes(self.r + self.c, 0.015, self.D), [0, 0, -5], (0.25, 0.3, 0.35, 1))
        self.peg = parts.cylinder(cid, self.r, self.L, [0, 0, -5], (0.8, 0.8, 0.85, 1), mass=0.1)
        self.graspables = [self.peg]
        self.dynamic_bodies = [self.peg]
        self.keep_clear = [self.peg, self.fixture]
        self.side = "right"
        self.hole_xy = np.zeros(2)
        self.max_force = 0.0

    def place(self, rng):
        p_, s = self.params, max(self.ws.scale, 0.6)
        self.side = self.arm_side(rng, p_.arm)
        peg_xy, hole_xy = self.ws.sample_cells(self.side, rng, 2, min_dist=0.09)
        peg_xy = peg_xy + rng.uniform(-p_.spread, p_.spread, 2) * s
        hole_xy = hole_xy + rng.uniform(-p_.spread, p_.spread, 2) * s
        top = self.ws.bench_top
        self.sim.set_pose(self.fixture, [hole_xy[0], hole_xy[1], top])
        self.sim.set_pose(self.peg, [peg_xy[0], peg_xy[1], top + self.L / 2])
        self.hole_xy = hole_xy
        self.max_force = 0.0

    def _geometry(self):
        pos, orn = self.sim.pose(self.peg)
        axis = quat_to_mat(orn)[:, 2]
        bottom = pos - axis * self.L / 2 * np.sign(axis[2] or 1.0)
        lateral = float(np.linalg.norm(bottom[:2] - self.hole_xy))
        depth = float(self.ws.bench_top + self.D - bottom[2])  # below the hole's rim
        return pos, orn, lateral, depth

    def _tip_offset(self) -> np.ndarray:
        """From the peg's centre to its lower tip."""
        _, orn = self.sim.pose(self.peg)
        axis = quat_to_mat(orn)[:, 2]
        return -axis * self.L / 2 * np.sign(axis[2] or 1.0)

    @classmethod
    def observation_fields(cls, params):
        return PART_FIELDS + (("depth_fraction", 1, "scalar"), ARM_FIELD,)

    def observation(self):
        _, _, _, depth = self._geometry()
        hole = np.array([self.hole_xy[0], self.hole_xy[1], self.ws.bench_top + self.D])
        return self.part_observation(self.peg, hole, self.side, depth / self.D)

    def update(self):
        self.max_force = max(self.max_force, parts.contact_force(self.sim.cid, self.peg, self.fixture))

    def evaluate(self):
        pos, _, lateral, depth = self._geometry()
        inside = lateral <= self.c + 0.002
        ok = bool(inside and depth >= self.params.success_depth * self.D)
        return self.score(ok, {"lateral_error": lateral, "depth": depth, "depth_fraction": depth / self.D,
                               "max_contact_force": self.max_force},
                          approach=self.approach_reward(self.side, self.peg), lateral=min(lateral, 0.3),
                          depth=max(depth, 0) / self.D if inside else 0.0, success=1.0 if ok else 0.0)

    def plan(self):
        steps = pick_and_place(self.env, self.side, self.peg, lambda: self.hole_xy, self.ws.bench_top, self.L / 2,
                               lift=0.06 * max(self.ws.scale, 0.6), precise=True,
                               clear_z=self.ws.bench_top + self.D, align_offset=self._tip_offset)
        return Servo(self.env, steps)
