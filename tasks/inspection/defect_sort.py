"""defect_sort: inspect parts, then put each in the right bin (pass / reject).

Each part carries a marked patch on its top when it is defective (random). The defect flag appears in
the observation only after the part has been inspected (its top centre seen by the camera: inside
the inspection cone, in range, facing, unoccluded). Parts are dealt to the robot's arms in turn;
each arm's station has its own pass and reject bin. Success: every part in a bin of the right kind,
released.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import parts
from ..base import Task, TaskParams
from ..registry import register_task
from ..scripted import Goal, Memo, Servo, Step, head_servo, out_of_sight, pick_and_place
from .inspect import aimable, view_check


@dataclass
class DefectSortParams(TaskParams):
    arm: str = "random"
    n_parts: int = 2
    defect_probability: float = 0.5
    part_radius: float = 0.018  # m (× robot scale, at least 0.6)
    part_height: float = 0.05
    bin_clearance: float = 0.007
    bin_depth: float = 0.025
    cone_deg: float = 20.0
    max_range: float = 1.5
    #: inspected: parts inspected so far; correct: parts in their right bin; wrong: parts in the wrong
    #: bin; success: 1 when every part is sorted right and none is held
    reward: dict = field(default_factory=lambda: {"inspected": 0.2, "correct": 1.0, "wrong": -0.5, "success": 2.0})


@register_task("defect_sort", max_episode_steps=800, order=70)
class DefectSort(Task):
    arms_required = 1
    Params = DefectSortParams

    def __init__(self, env, params: DefectSortParams):
        super().__init__(env, params)
        n = params.n_parts
        s = max(self.ws.scale, 0.6)
        self.rp, self.hp = params.part_radius * s, params.part_height * s
        self.rb = self.rp + params.bin_clearance
        self.depth = params.bin_depth * s
        cid = self.sim.cid
        self.bench_id = self.bench()
        self.parts = [parts.cylinder(cid, self.rp, self.hp, [0, 0, -5 - k], (0.75, 0.75, 0.7, 1), mass=0.12) for k in range(n)]
        self.patches = [parts.marker(cid, (0.9, 0.1, 0.1, 1), [0, 0, -8], radius=self.rp * 0.6, length=0.002) for _ in range(n)]
        self.bins: dict[tuple[str, str], int] = {(side, kind): parts.make_static(cid, parts.ring_shapes(self.rb, 0.012, self.depth), [0, 0, -7 - i], rgba)
                     for i, (side, (kind, rgba)) in enumerate((s, kr) for s in ("left", "right")
                                                               for kr in (("pass", (0.2, 0.7, 0.3, 1)), ("reject", (0.8, 0.2, 0.2, 1))))}
        self.bin_xy = {k: np.array([0.0, 0.0]) for k in self.bins}
        self.part_side = ["right"] * n
        self.graspables = list(self.parts)
        self.dynamic_bodies = list(self.parts)
        self.keep_clear = self.parts + list(self.bins.values())
        self.defect = np.zeros(n, dtype=bool)
        self.inspected = np.zeros(n, dtype=bool)
        self.side = "right"

    def place(self, rng):
        sides = sorted(self.robot.arms)
        first = self.arm_side(rng, self.params.arm)
        order = [first] + [x for x in sides if x != first]
        self.part_side = [order[k % len(order)] for k in range(self.params.n_parts)]
        self.side = first
        top = self.ws.bench_top
        self.defect = rng.random(self.params.n_parts) < self.params.defect_probability
        self.inspected[:] = False
        for key, body in self.bins.items():  # park every bin, then place the used ones
            self.sim.set_pose(body, [0, 0, -7 - list(self.bins).index(key)])
            self.bin_xy[key] = np.array([0.0, 0.0])
        for side in order:
            mine = [k for k in range(self.params.n_parts) if self.part_side[k] == side]
            if not mine:
                continue
            cells = self.ws.sample_cells(side, rng, len(mine), min_dist=0.07)
            if not all(self._aimable(np.asarray(cells))):  # a camera that cannot aim at every cell: the ones it can
                seen = np.flatnonzero(self._aimable(self.ws.cells[side]))
                if len(seen) >= len(mine):
                    cells = self.ws.sample_cells(side, rng, len(mine), min_dist=0.07, among=seen)
            # bins: clear of the parts, where the hand reaches well (the cells) or, if those run out, where
            # it reaches from above only (parts are dropped in)
            gap = 2 * self.rb + 0.005
            bins: list = []
            for candidates in (self.ws.cells.get(side, []), self.ws.drop_cells.get(side, [])):
                pool = [c for c in candidates if all(np.linalg.norm(c - q) >= gap for q in cells)]
                for i in rng.permutation(len(pool)) if pool else []:
                    if len(bins) < 2 and all(np.linalg.norm(pool[i] - b) >= gap for b in bins):
                        bins.append(pool[i])
            if len(cells) < len(mine) or len(bins) < 2:
                from humanoid_ground.errors import HGroundError

                raise HGroundError(f"robot '{self.robot.card.name}' reaches too few bench positions with its {side} arm "
                                   f"for {len(mine)} part(s) and two bins {gap:.2f} m apart; use task_params={{'n_parts': 1}}")
            cells = list(cells) + bins
            for k, xy in zip(mine, cells):
                self.sim.set_pose(self.parts[k], [xy[0], xy[1], top + self.hp / 2])
            for kind, xy in zip(("pass", "reject"), cells[len(mine):]):
                self.bin_xy[(side, kind)] = np.asarray(xy)
                self.sim.set_pose(self.bins[(side, kind)], [xy[0], xy[1], top])
        for k in range(self.params.n_parts):  # unused parts are parked
            if k >= len(self.part_side):
                self.sim.set_pose(self.parts[k], [0, 0, -5 - k])
        self._sync_patches()

    def _aimable(self, cells: np.ndarray) -> np.ndarray:
        """Which bench cells (x, y) put a part's top where the camera can inspect it by turning the head
        joints it has (``inspect.aimable``): a camera that cannot pitch or turn sees only part of the bench."""
        tops = np.column_stack([cells, np.full(len(cells), self.ws.bench_top + self.hp)])
        return aimable(self.robot, tops, np.tile([0.0, 0.0, 1.0], (len(tops), 1)), self.params.cone_deg,
                       (0.05, self.params.max_range), 60.0)

    def _sync_patches(self) -> None:
        for k, body in enumerate(self.parts):
            if self.defect[k]:
                pos, orn = self.sim.pose(body)
                self.sim.set_pose(self.patches[k], (pos + np.array([0, 0, self.hp / 2 + 0.0015])).tolist(), orn.tolist())
            else:
                self.sim.set_pose(self.patches[k], [0, 0, -8])

    def _tops(self) -> np.ndarray:
        return np.array([self.sim.pose(b)[0] + np.array([0, 0, self.hp / 2]) for b in self.parts])

    def _update_inspection(self) -> None:
        cp, cR = self.robot.camera_pose()
        tops = self._tops()
        normals = np.tile([0.0, 0.0, 1.0], (len(tops), 1))
        self.inspected |= view_check(cp, cR, tops, normals, self.robot.fov, self.params.cone_deg, (0.05, self.params.max_range),
                                     60.0, self.sim, self.parts)

    def _placement(self):
        """Per part: the bin it is in (None if none)."""
        out = []
        for body in self.parts:
            pos, _ = self.sim.pose(body)
            where = None
            for (side, kind), xy in self.bin_xy.items():
                if not xy.any():
                    continue
                if np.linalg.norm(pos[:2] - xy) <= self.rb and pos[2] - self.hp / 2 - self.ws.bench_top <= 0.01:
                    where = kind
            out.append(where)
        return out

    @classmethod
    def observation_fields(cls, params):
        per_part = tuple(f for k in range(params.n_parts) for f in (
            (f"part{k}.position", 3, "position"), (f"part{k}.inspected", 1, "flag"), (f"part{k}.defect", 1, "flag"),
            (f"part{k}.held", 1, "flag")))
        return per_part + tuple((f"bin.{side}.{kind}.position", 3, "position") for side in ("left", "right")
                                for kind in ("pass", "reject"))

    def observation(self):
        tp, tR = self.robot.torso_pose()
        feats = []
        for k, body in enumerate(self.parts):
            pos, _ = self.sim.pose(body)
            revealed = float(self.defect[k]) if self.inspected[k] else 0.0
            feats += [*(tR.T @ (pos - tp)), float(self.inspected[k]), revealed, float(body in self.held_bodies())]
        for key in self.bins:  # (left, right) x (pass, reject); zeros for a station not in use
            xy = self.bin_xy[key]
            feats += [*(tR.T @ (np.array([xy[0], xy[1], self.ws.bench_top]) - tp))] if xy.any() else [0.0, 0.0, 0.0]
        return np.asarray(feats)

    def update(self):
        self._sync_patches()
        self._update_inspection()

    def evaluate(self):
        where = self._placement()
        held = any(b in self.parts for b in self.held_bodies())
        correct = [w == ("reject" if self.defect[k] else "pass") for k, w in enumerate(where)]
        ok = bool(all(correct) and not held)
        return self.score(ok, {"inspected_fraction": float(self.inspected.mean()), "sorted_fraction": float(np.mean(correct))},
                          inspected=float(self.inspected.sum()), correct=float(sum(correct)),
                          wrong=float(sum(1 for w, c in zip(where, correct) if w and not c)), success=1.0 if ok else 0.0)

    def plan(self):
        r = self.robot
        once = Memo()
        # where the camera looks in the default pose: looking back there returns a waist-aimed camera
        # (H1, G1) and with it the arms to the posture the workspace was mapped in
        cp, cR = r.camera_pose()
        home = cp + cR[:, 0] * 0.8
        # a camera aimed by the torso (H1, G1) swings the arms with it: first the hands are tucked in,
        # near the bench's front edge and above the parts, so the sweep passes clear of parts and bins
        w, s = self.ws, max(self.ws.scale, 0.6)
        clear_z = w.bench_top + max(self.hp, self.depth) + 0.03 * s

        def tucked(side):
            def f():
                tcp = r.tcp_world(side)[0]
                return np.array([min(tcp[0], w.bench_x[0] - 0.02 * s), tcp[1], max(tcp[2], clear_z + r.hand_below_tcp(side))])
            return f

        steps = [Step({side: Goal(once(f"tuck{side}", tucked(side)), None, 0.0) for side in r.arms}, tol=0.01,
                      max_steps=40, name="tuck")] if r.camera_moves_arms else []

        def still(k: int | None = None) -> dict[str, Goal]:
            """While the camera turns the hands keep their place in the world (a torso-aimed camera's lean
            would otherwise lower them onto the bench), moving only out of the camera's line of sight."""
            look = (lambda: self._tops()[k]) if k is not None else (lambda: home)
            return {side: out_of_sight(self.env, side, look) for side in r.arms}

        # a torso-aimed camera turns slowly enough for the arms to keep their hands in place
        speed, budget = (0.3, 150) if r.camera_moves_arms else (1.0, 60)
        for k in range(len(self.parts)):
            steps.append(Step(still(k), tol=0.0, max_steps=budget, name=f"inspect{k}",
                              head=(lambda k=k: head_servo(self.env, self._tops()[k], gain=0.8, speed=speed)),
                              done=(lambda k=k: bool(self.inspected[k]))))
        steps.append(Step(still(), tol=0.0, max_steps=budget, name="look_back",
                          head=(lambda: head_servo(self.env, home, gain=0.8, speed=speed)),
                          done=(lambda: bool(np.linalg.norm(head_servo(self.env, home, gain=1.0)) < 0.05))))
        for k, body in enumerate(self.parts):
            side = self.part_side[k]
            def target(k=k, side=side):
                return self.bin_xy[(side, "reject" if self.defect[k] and self.inspected[k] else "pass")]
            steps += pick_and_place(self.env, side, body, target, self.ws.bench_top, self.hp / 2,
                                    lift=0.06 * max(self.ws.scale, 0.6), clear_z=self.ws.bench_top + self.depth,
                                    drop=True)
        return Servo(self.env, steps)
