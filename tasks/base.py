"""The task interface every assembly and inspection task implements."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from humanoid_ground.envs.kernels import part_features
from humanoid_ground.errors import HGroundError

if TYPE_CHECKING:
    from humanoid_ground.envs.env import HumanoidEnv


@dataclass
class Evaluation:
    reward: float
    success: bool
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass
class TaskParams:
    """Base for task parameters (dataclasses; values come from configs/task/<name>.yaml and overrides)."""

    @classmethod
    def from_dict(cls, d: dict | None, task: str) -> "TaskParams":
        d = dict(d or {})
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise HGroundError(f"task '{task}': unknown parameter(s) {unknown}; valid: {sorted(names)}")
        return cls(**d)


class Task:
    """One task in one env. Subclasses build the scene in ``__init__`` (static parts once), place
    objects in :meth:`reset`, and report reward, success and metrics in :meth:`evaluate`.

    :param env: the env (robot, sim client, workspace).
    :param params: the task's parameter dataclass.
    """

    name = "task"
    arms_required = 1
    obs_dim = 0
    Params = TaskParams

    def __init__(self, env: "HumanoidEnv", params: TaskParams):
        self.env, self.params = env, params
        self.sim, self.robot, self.ws = env.sim, env.robot, env.workspace
        self.graspables: list[int] = []
        self.dynamic_bodies: list[int] = []
        #: bodies that must not start inside the robot (reset re-draws placements until they do not)
        self.keep_clear: list[int] = []

    # scene placement helpers ---------------------------------------------------------------------------
    def bench(self, rgba=(0.45, 0.36, 0.27, 1), x_max: float | None = None) -> int:
        """The workbench (static); ``x_max`` extends it away from the robot."""
        w = self.ws
        x1 = max(w.bench_x[1], x_max or w.bench_x[1])
        half = [(x1 - w.bench_x[0]) / 2, (w.bench_y[1] - w.bench_y[0]) / 2, 0.02]
        pos = [(w.bench_x[0] + x1) / 2, (w.bench_y[0] + w.bench_y[1]) / 2, w.bench_top - 0.02]
        return self.sim.add_box(half, pos, rgba)

    def spacing(self, *radii: float, at_least: float = 0.09) -> float:
        """``min_dist`` for :meth:`Workspace.sample_cells` (× scale) that keeps parts of these footprint
        radii (m) apart with 5 mm to spare: parts do not shrink below 0.6 scale, so on a small robot the
        scaled default ``at_least`` would let them overlap."""
        return max(at_least, (sum(radii) + 0.005) / self.ws.scale)

    def touches_robot(self, bodies) -> bool:
        """Whether any of these bodies overlaps (or nearly touches) the robot: used to re-draw a reset."""
        from humanoid_ground.robots._pybullet import p

        return any(p.getClosestPoints(self.robot.id, b, 0.003, physicsClientId=self.sim.cid) for b in bodies)

    def arm_side(self, rng: np.random.Generator, choice: str) -> str:
        sides = sorted(self.robot.arms)
        if choice in ("left", "right"):
            return choice if choice in sides else sides[0]
        return sides[int(rng.integers(len(sides)))]

    def approach_reward(self, side: str, body: int) -> float:
        """Shaping shared by the pick-and-place family: get the hand to the part, then hold it."""
        if self.env.grasp.held.get(side) == body:
            return 0.3
        x, y, z = self.robot.tcp_position(side).tolist()
        px, py, pz = self.sim.pose(body)[0].tolist()
        return -0.5 * min(math.sqrt((x - px) ** 2 + (y - py) ** 2 + (z - pz) ** 2), 0.5)

    def part_observation(self, body: int, target, side: str, *extra: float) -> np.ndarray:
        """The observation of the part-handling tasks (float32, one compiled call): :func:`part_features`
        of ``body`` against ``target`` (16 numbers, torso frame), whether ``side``'s hand holds it, the
        task's ``extra`` numbers, and the arm's sign (left +1, right −1)."""
        r = self.robot
        pos, orn = self.sim.pose(body)
        tail = (self.holding(side, body),) + extra + (1.0 if side == "left" else -1.0,)
        return part_features(pos, orn, np.asarray(target, dtype=float), r.torso_position, r.to_torso, r.tcp_position(side),
                             np.array(tail))

    def holding(self, side: str, body: int) -> float:
        return 1.0 if self.env.grasp.held.get(side) == body else 0.0

    # interface -----------------------------------------------------------------------------------------
    def reset(self, rng: np.random.Generator) -> None:
        """Place the scene for a new episode; placements that would start inside the robot are re-drawn."""
        for _ in range(20):
            self.place(rng)
            if not self.keep_clear or not self.touches_robot(self.keep_clear):
                break

    def place(self, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def observation(self) -> np.ndarray:
        raise NotImplementedError

    def evaluate(self) -> Evaluation:
        raise NotImplementedError

    def plan(self):
        """The scripted expert's plan for the current episode (a :class:`~humanoid_ground.tasks.scripted.Servo`)."""
        raise NotImplementedError(f"task '{self.name}' has no scripted expert")

    def expert(self) -> Callable[[Any], np.ndarray]:
        """A scripted policy (obs -> action) that solves the task through the canonical ee_delta interface."""
        from .scripted import Policy

        return Policy(self.env)
