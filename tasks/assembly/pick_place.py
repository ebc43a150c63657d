"""pick_place: take a part from the bench and place it in a fixture pocket.

Success: the part is inside the pocket (centre within the pocket's clearance, resting on its floor),
released, and at rest.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import parts
from ..base import ARM_FIELD, PART_FIELDS, Task, TaskParams
from ..registry import register_task
from ..scripted import Servo, pick_and_place


@dataclass
class PickPlaceParams(TaskParams):
    arm: str = "random"
    part_radius: float = 0.025  # m, scaled with the robot's size
    part_height: float = 0.06
    clearance: float = 0.006  # m radial gap between part and pocket
    pocket_depth: float = 0.03
    spread: float = 0.01  # m, random jitter around the sampled reachable cells
    rest_speed: float = 0.05  # m/s
    #: approach: hand to the part, then hold it (Task.approach_reward); lateral: part centre to pocket
    #: axis (m); height: part bottom above the pocket floor (m, ≥ 0); success: 1 when placed
    reward: dict = field(default_factory=lambda: {"approach": 1.0, "lateral": -1.0, "height": -1.0, "success": 2.0})


@register_task("pick_place", max_episode_steps=400, order=20)
class PickPlace(Task):
    arms_required = 1
    mirror_symmetric = True
    Params = PickPlaceParams

    def __init__(self, env, params: PickPlaceParams):
        super().__init__(env, params)
        s = self.ws.scale
        self.r_part = params.part_radius * max(s, 0.6)
        self.h_part = params.part_height * max(s, 0.6)
        self.r_pocket = self.r_part + params.clearance
        self.depth = params.pocket_depth * max(s, 0.6)
        cid = self.sim.cid
        self.bench_id = self.bench()
        self.fixture = parts.make_static(cid, parts.ring_shapes(self.r_pocket, 0.012, self.depth), [0, 0, -5], (0.2, 0.35, 0.7, 1))
        self.part = parts.cylinder(cid, self.r_part, self.h_part, [0, 0, -5], (0.9, 0.55, 0.1, 1), mass=0.15)
        self.graspables = [self.part]
        self.dynamic_bodies = [self.part]
        self.keep_clear = [self.part, self.fixture]
        self.side = "right"
        self.fixture_xy = np.zeros(2)
        self.fixture_pos = np.zeros(3)

    def place(self, rng):
        p_, s = self.params, max(self.ws.scale, 0.6)
        self.side = self.arm_side(rng, p_.arm)
        part_xy, fix_xy = self.ws.sample_cells(self.side, rng, 2, min_dist=self.spacing(self.r_part, self.r_pocket + 0.012))
        part_xy = part_xy + rng.uniform(-p_.spread, p_.spread, 2) * s
        fix_xy = fix_xy + rng.uniform(-p_.spread, p_.spread, 2) * s
        top = self.ws.bench_top
        self.sim.set_pose(self.fixture, [fix_xy[0], fix_xy[1], top])
        self.sim.set_pose(self.part, [part_xy[0], part_xy[1], top + self.h_part / 2])
        self.fixture_xy = fix_xy
        self.fixture_pos = np.array([fix_xy[0], fix_xy[1], top])

    @classmethod
    def observation_fields(cls, params):
        return PART_FIELDS + (ARM_FIELD,)

    def observation(self):
        return self.part_observation(self.part, self.fixture_pos, self.side)

    def evaluate(self):
        x, y, z = self.sim.pose(self.part)[0].tolist()
        vx, vy, vz = self.sim.velocity(self.part)[0].tolist()
        fx, fy, top = self.fixture_pos.tolist()
        lateral = math.hypot(x - fx, y - fy)
        bottom = z - self.h_part / 2 - top
        held = self.part in self.held_bodies()
        speed = math.sqrt(vx * vx + vy * vy + vz * vz)
        inside = lateral <= self.params.clearance + 0.002 and bottom <= 0.01  # small tilts against the wall allowed
        ok = bool(inside and not held and speed < self.params.rest_speed)
        return self.score(ok, {"lateral_error": lateral, "height_above_floor": bottom, "speed": speed},
                          approach=self.approach_reward(self.side, self.part), lateral=lateral, height=max(bottom, 0),
                          success=1.0 if ok else 0.0)

    def plan(self):
        steps = pick_and_place(self.env, self.side, self.part, lambda: self.fixture_xy, self.ws.bench_top, self.h_part / 2,
                               lift=0.08 * max(self.ws.scale, 0.6), clear_z=self.ws.bench_top + self.depth)
        return Servo(self.env, steps)
