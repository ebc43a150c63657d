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


#: the fields of :meth:`Task.part_observation` before the task's extra numbers (name, size, kind; kinds in
#: :data:`humanoid_ground.envs.layout.FIELD_KINDS`)
PART_FIELDS: tuple[tuple[str, int, str], ...] = (
    ("part.position", 3, "position"), ("part.orientation", 4, "orientation"), ("target.position", 3, "position"),
    ("target-part", 3, "vector"), ("part-tcp", 3, "vector"), ("held", 1, "flag"))
#: the last field of :meth:`Task.part_observation`: the arm in use (left +1, right −1)
ARM_FIELD = ("arm", 1, "flag")

#: reward terms every task offers besides its own (weight 0 by default: not part of the reward)
COMMON_TERMS = {"action_l2": 0.0}  # squared norm of the canonical action just applied (ee_delta)


@dataclass
class Evaluation:
    """What :meth:`Task.evaluate` reports for the current state: the reward (Σ weight · term over the
    task's named terms, see :meth:`Task.score`), success, metrics and the unweighted terms."""

    reward: float
    success: bool
    metrics: dict[str, float] = field(default_factory=dict)
    terms: dict[str, float] = field(default_factory=dict)


@dataclass
class TaskParams:
    """Base for task parameters: a dataclass whose defaults are the task's defaults (a
    ``configs/task/<name>.yaml`` and command-line overrides may change them). A task's ``reward`` field
    holds the weight of each named reward term; an override of some weights keeps the others."""

    @classmethod
    def from_dict(cls, d: dict | None, task: str) -> "TaskParams":
        d = dict(d or {})
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise HGroundError(f"task '{task}': unknown parameter(s) {unknown}; valid: {sorted(names)}")
        if "reward" in names and d.get("reward") is not None:
            default = {**cls().reward, **{k: v for k, v in COMMON_TERMS.items() if k not in cls().reward}}
            bad = sorted(set(d["reward"]) - set(default))
            if bad:
                raise HGroundError(f"task '{task}': unknown reward term(s) {bad}; its terms: {sorted(default)}")
            d["reward"] = {**cls().reward, **{k: float(v) for k, v in dict(d["reward"]).items()}}
        return cls(**d)


class Task:
    """One task in one env: one module with the class under ``@register_task`` (see
    :mod:`.registry` and the README's "Add a task").

    Life cycle, as the env calls it:

    - ``__init__(env, params)``: build the static scene once (bench, fixtures, parts parked away);
      :meth:`observation` must already work (the env sizes its ``task`` observation from it).
    - :meth:`reset` → :meth:`place`: place the scene for a new episode (``rng`` is the env's).
    - after every physics step (and after a reset): :meth:`update` once — the only place a task changes
      its own episode state (points seen so far, peak forces) — then :meth:`observation` and
      :meth:`evaluate`, which have no side effects and may be called any number of times.
    - :meth:`plan`: the scripted expert.

    What a task may use (the scene/robot interface): ``self.sim`` (:class:`~humanoid_ground.envs.sim.Sim`:
    cached ``pose``/``velocity``, ``set_pose``, ``add_box``), ``self.robot`` (TCP, torso and camera poses,
    arms, head), ``self.ws`` (the workspace the arms reach), :meth:`held_by`, :meth:`holding`,
    :meth:`held_bodies`, :attr:`step_count`, :attr:`last_action`, and the part helpers of :mod:`.parts`.

    :param env: the env (robot, sim client, workspace).
    :param params: the task's parameter dataclass.
    """

    name = "task"
    arms_required = 1
    Params = TaskParams
    #: the task is left-right symmetric: a demo mirrored across the torso's xz-plane (the other arm making the
    #: mirrored motion, :mod:`humanoid_ground.training.mirror`) is a valid demo of it. Its observation fields then
    #: mirror by their kinds (points and vectors flip y, quaternions mirror, the ``arm`` flag changes sign).
    #: False where a mirrored demo is not one (a clockwise screw turns the other way).
    mirror_symmetric = False
    #: set by @register_task
    env_id = ""
    max_episode_steps = 200

    @classmethod
    def observation_fields(cls, params: TaskParams) -> tuple[tuple[str, int, str], ...]:
        """``(name, size, kind)`` of every field of :meth:`observation`, in order (kinds:
        :data:`humanoid_ground.envs.layout.FIELD_KINDS`; a test checks the sizes add up to the observation's
        length). Learners use the kinds, e.g. a body-relative input leaves out ``position`` fields. Empty: not
        declared (the whole observation counts as one field of unknown kind)."""
        return ()

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
        return any(self.sim.closest_points(self.robot.id, b, 0.003) for b in bodies)

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

    def held_by(self, side: str) -> int | None:
        """The body ``side``'s hand holds (None: nothing)."""
        return self.env.grasp.held.get(side)

    def held_bodies(self) -> list[int]:
        """Every body a hand holds now."""
        return [b for b in self.env.grasp.held.values() if b is not None]

    @property
    def step_count(self) -> int:
        """Control steps since the episode's reset."""
        return self.env.steps

    @property
    def last_action(self) -> np.ndarray | None:
        """The action of the last step as the env applied it (clipped to [-1, 1]; None after a reset)."""
        return self.env.last_action

    def score(self, ok: bool, metrics: dict, /, **terms: float) -> Evaluation:
        """The :class:`Evaluation` of named reward terms: reward = Σ ``params.reward[name]`` · term, in
        the order given (terms of weight 0 are left out), plus the :data:`COMMON_TERMS` whose weight the
        params set."""
        weights = self.params.reward
        for k, w in COMMON_TERMS.items():
            if weights.get(k, w) != 0.0:
                terms[k] = self._common_term(k)
        total = None
        for k, v in terms.items():
            w = weights[k]
            if w == 0.0:
                continue
            x = w * v
            total = x if total is None else total + x
        return Evaluation(0.0 if total is None else total, bool(ok), metrics, terms)

    def _common_term(self, name: str) -> float:
        a = self.last_action
        if name == "action_l2":
            return 0.0 if a is None else float(np.dot(a, a))
        raise KeyError(name)  # pragma: no cover - COMMON_TERMS and this list go together

    # interface -----------------------------------------------------------------------------------------
    @classmethod
    def unable(cls, card) -> str | None:
        """Why a robot (its :class:`~humanoid_ground.robots.card.RobotCard`) cannot do this task, or None:
        a capability check from the card alone. Suites skip such cells and report the reason; ``hground
        train`` and env construction refuse them with it. The default: the number of arms."""
        if len(card.arms) < cls.arms_required:
            return f"needs {cls.arms_required} arm(s)"
        return None

    def reset(self, rng: np.random.Generator) -> None:
        """Place the scene for a new episode; placements that would start inside the robot are re-drawn."""
        for _ in range(20):
            self.place(rng)
            if not self.keep_clear or not self.touches_robot(self.keep_clear):
                break

    def place(self, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def update(self) -> None:
        """Advance the task's own episode state after a physics step (default: nothing)."""

    def observation(self) -> np.ndarray:
        raise NotImplementedError

    def evaluate(self) -> Evaluation:
        """Reward, success and metrics of the current state, without side effects (see :meth:`score`)."""
        raise NotImplementedError

    def plan(self):
        """The scripted expert's plan for the current episode (a :class:`~humanoid_ground.tasks.scripted.Servo`)."""
        raise NotImplementedError(f"task '{self.name}' has no scripted expert")

    def expert(self) -> Callable[[Any], np.ndarray]:
        """A scripted policy (obs -> action) that solves the task through the canonical ee_delta interface."""
        from .scripted import Policy

        return Policy(self.env)
