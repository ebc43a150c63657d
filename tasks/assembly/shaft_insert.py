"""shaft_insert: slide a gear (a part with a round bore) down onto a shaft.

Success: the gear is around the shaft (bore axis within the clearance + 2 mm of the shaft axis) and
slid down by at least 80 % of its thickness below the shaft's top.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import parts
from ..base import ARM_FIELD, PART_FIELDS, Task, TaskParams
from ..registry import register_task
from ..scripted import Servo, pick_and_place


@dataclass
class ShaftInsertParams(TaskParams):
    arm: str = "random"
    shaft_radius: float = 0.012  # m (× robot scale, at least 0.6)
    shaft_height: float = 0.07
    gear_thickness: float = 0.02
    gear_width: float = 0.03  # ring width around the bore
    clearance_mm: float = 1.5
    spread: float = 0.01
    success_depth: float = 0.8  # fraction of the gear thickness below the shaft top
    #: approach: Task.approach_reward; lateral: bore to shaft axis (m, at most 0.3); engagement: how far
    #: the gear is down the shaft, in gear thicknesses (at most 1.5) while around it (else 0); success
    reward: dict = field(default_factory=lambda: {"approach": 1.0, "lateral": -1.0, "engagement": 0.5, "success": 2.0})


@register_task("shaft_insert", max_episode_steps=400, order=40)
class ShaftInsert(Task):
    arms_required = 1
    mirror_symmetric = True
    Params = ShaftInsertParams

    def __init__(self, env, params: ShaftInsertParams):
        super().__init__(env, params)
        s = max(self.ws.scale, 0.6)
        self.r = params.shaft_radius * s
        self.H = params.shaft_height * s
        self.T = params.gear_thickness * s
        self.c = params.clearance_mm / 1000.0
        self.bore = self.r + self.c
        self.outer = self.bore + params.gear_width * s
        cid = self.sim.cid
        self.bench_id = self.bench()
        self.shaft = parts.cylinder(cid, self.r, self.H, [0, 0, -5], (0.3, 0.3, 0.35, 1), mass=0.0)
        self.gear = parts.make_dynamic(cid, parts.ring_shapes(self.bore, params.gear_width * s, self.T, z0=-self.T / 2),
                                       [0, 0, -6], (0.85, 0.65, 0.15, 1), mass=0.12)
        self.graspables = [self.gear]
        self.dynamic_bodies = [self.gear]
        self.keep_clear = [self.gear, self.shaft]
        self.side = "right"
        self.shaft_xy = np.zeros(2)

    def place(self, rng):
        p_, s = self.params, max(self.ws.scale, 0.6)
        self.side = self.arm_side(rng, p_.arm)
        # the TCP takes the thin gear low (its hand's own geometry may keep it higher) and carries it over
        # the shaft: draw positions where the arm reaches those heights
        off = max(0.004, self.robot.hand_below_tcp(self.side))
        gear_xy, shaft_xy = self.ws.sample_cells(self.side, rng, 2, min_dist=0.11, robot=self.robot,
                                                 heights=[(self.T + off,), (self.H + 0.03 * s + self.T + off, self.H + off)])
        gear_xy = gear_xy + rng.uniform(-p_.spread, p_.spread, 2) * s
        shaft_xy = shaft_xy + rng.uniform(-p_.spread, p_.spread, 2) * s
        top = self.ws.bench_top
        self.sim.set_pose(self.shaft, [shaft_xy[0], shaft_xy[1], top + self.H / 2])
        self.sim.set_pose(self.gear, [gear_xy[0], gear_xy[1], top + self.T / 2])
        self.shaft_xy = shaft_xy

    def _geometry(self):
        pos, orn = self.sim.pose(self.gear)
        lateral = float(np.linalg.norm(pos[:2] - self.shaft_xy))
        top = self.ws.bench_top + self.H
        engaged = float(top - (pos[2] - self.T / 2))  # how far the gear's bottom is below the shaft top
        return pos, orn, lateral, engaged

    @classmethod
    def observation_fields(cls, params):
        return PART_FIELDS + (("engagement_fraction", 1, "scalar"), ARM_FIELD,)

    def observation(self):
        _, _, _, engaged = self._geometry()
        shaft_top = np.array([self.shaft_xy[0], self.shaft_xy[1], self.ws.bench_top + self.H])
        return self.part_observation(self.gear, shaft_top, self.side, engaged / self.T)

    def evaluate(self):
        pos, _, lateral, engaged = self._geometry()
        around = lateral <= self.c + 0.002
        ok = bool(around and engaged >= self.params.success_depth * self.T)
        return self.score(ok, {"lateral_error": lateral, "engagement": engaged, "engagement_fraction": engaged / self.T},
                          approach=self.approach_reward(self.side, self.gear), lateral=min(lateral, 0.3),
                          engagement=min(max(engaged, 0) / self.T, 1.5) if around else 0.0, success=1.0 if ok else 0.0)

    def plan(self):
        # take the gear by its rim, so the shaft can come up through the bore past the hand
        rim = (self.bore + self.outer) / 2
        steps = pick_and_place(self.env, self.side, self.gear, lambda: self.shaft_xy, self.ws.bench_top, self.T / 2,
                               lift=0.06 * max(self.ws.scale, 0.6), precise=True,
                               clear_z=self.ws.bench_top + self.H, grasp_offset=np.array([rim, 0.0, 0.0]))
        return Servo(self.env, steps)
