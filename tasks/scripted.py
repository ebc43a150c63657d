"""Building blocks for scripted experts: TCP servoing through the canonical ee_delta action.

Experts read the env's true state (privileged) and act only through the canonical action, so the
same expert drives every robot.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from humanoid_ground.envs.layout import ACT_GRIP, ACT_POS, ACT_ROT, ACTION_DIM, HEAD_ACTION, action_field
from humanoid_ground.envs.robot import MAX_DHEAD, MAX_DPOS, MAX_DROT, SIDES
from humanoid_ground.envs.rotations import mat_to_rotvec


@dataclass
class Goal:
    """Where one arm's TCP should go (world frame); ``R=None`` keeps the orientation it had at the step start."""

    pos: np.ndarray | Callable[[], np.ndarray]  # a callable is re-evaluated every step (closed loop)
    R: np.ndarray | Callable[[], np.ndarray | None] | None = None  # a callable: re-evaluated every step too
    grip: float = 0.0
    #: False: no rotation command at all (the IK keeps the orientation it has). For hands that share a
    #: part: two hands servoing their own orientations fight each other through the part.
    turn: bool = True

    def position(self) -> np.ndarray:
        return np.asarray(self.pos() if callable(self.pos) else self.pos, dtype=float)

    def orientation(self) -> np.ndarray | None:
        return self.R() if callable(self.R) else self.R


#: the servo's rotation gain: a step's rotation command is ``ROT_GAIN`` × the orientation error (clipped per axis)
ROT_GAIN = 0.7


@dataclass
class Step:
    goals: dict[str, Goal]
    tol: float = 0.008  # m
    max_steps: int = 150
    settle: int = 2  # consecutive steps within tolerance before the step counts as done
    head: Callable[[], tuple[float, float]] | None = None  # head action override (dyaw, dpitch) in [-1, 1]
    done: Callable[[], bool] | None = None  # custom completion test
    name: str = ""
    speed: float = 1.0  # fraction of the largest canonical step (slow, careful moves < 1)
    skip: Callable[[], bool] | None = None  # tested when the step would start: True passes over it


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
        a = np.zeros(ACTION_DIM)
        while self.k == 0 and not self.finished and self.steps[self.i].skip is not None and self.steps[self.i].skip():
            self.i += 1
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
                a[action_field(ACT_GRIP, k)] = 1.0 if r.grip[side] >= 0.5 else -1.0
                continue
            p, R = r.tcp_world(side)
            e = tR.T @ (g.position() - p)
            worst = max(worst, float(np.linalg.norm(e)))
            a[action_field(ACT_POS, k)] = np.clip(self.gain * e / MAX_DPOS, -step.speed, step.speed)
            if g.turn:
                R_goal = g.orientation()
                if R_goal is None:
                    R_goal = self._held_R[side]
                rv = tR.T @ mat_to_rotvec(R_goal @ R.T)
                a[action_field(ACT_ROT, k)] = np.clip(ROT_GAIN * rv / MAX_DROT, -1, 1)
            a[action_field(ACT_GRIP, k)] = 1.0 if g.grip >= 0.5 else -1.0
        if step.head is not None:
            a[HEAD_ACTION] = step.head()
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


def head_servo(env, target_world: np.ndarray, gain: float = 1.0, speed: float = 1.0) -> tuple[float, float]:
    """Head action (dyaw, dpitch in [-speed, speed]) that turns the camera's optical axis toward a point."""
    r = env.robot
    cp, _ = r.camera_pose()
    d = r.body_R().T @ (target_world - cp)
    yaw_t, pitch_t = np.arctan2(d[1], d[0]), np.arctan2(-d[2], np.hypot(d[0], d[1]))
    yaw, pitch = r.camera_angles()
    dy = (yaw_t - yaw + np.pi) % (2 * np.pi) - np.pi
    return (float(np.clip(gain * dy / MAX_DHEAD, -speed, speed)),
            float(np.clip(gain * (pitch_t - pitch) / MAX_DHEAD, -speed, speed)))


def out_of_sight(env, side: str, target: Callable[[], np.ndarray]) -> Goal:
    """A goal that keeps one hand where it is in the world, except that it moves the arm off the
    camera's line of sight to ``target()`` while any of its links blocks it (a ray test): the hand
    steps away from the line in the direction of the blocking link (a forearm as often as a hand)."""
    r, sim = env.robot, env.sim
    s = max(env.workspace.scale, 0.6)
    links = set(r.arm_links(side))
    place: list[np.ndarray] = []  # where the hand stays: where it was, or where it last stepped aside to

    def f() -> np.ndarray:
        tcp = r.tcp_world(side)[0]
        if not place:
            place.append(tcp.copy())
        cp, t = r.camera_pose()[0], target()
        d = t - cp
        n = float(np.linalg.norm(d))
        if n < 1e-6:
            return place[0]
        hit = sim.ray_test(cp + 0.05 * d / n, t)
        if hit[0] == r.id and hit[1] in links:
            lo, hi = sim.aabb(r.id, hit[1])
            c = (lo + hi) / 2
            u = float(np.clip(np.dot(c - cp, d) / (n * n), 0.0, 1.0))
            off = c - (cp + u * d)
            k = float(np.linalg.norm(off))
            away = off / k if k > 1e-6 else np.array([0.0, 1.0 if side == "left" else -1.0, 0.0])
            away[2] = max(away[2], 0.0)  # never down, toward the bench and the parts
            away /= max(float(np.linalg.norm(away)), 1e-6)
            place[0] = tcp + away * 0.03 * s
        return place[0]

    return Goal(f, None, 0.0, turn=False)


class Memo:
    """Goals computed when their step starts, then kept: ``memo("lift", f)`` is a goal callable."""

    def __init__(self):
        self._values: dict[str, np.ndarray] = {}

    def __call__(self, key: str, f: Callable[[], np.ndarray]) -> Callable[[], np.ndarray]:
        def g() -> np.ndarray:
            if key not in self._values:
                self._values[key] = f()
            return self._values[key]
        return g


def rise_step(robot, side: str, min_z: Callable[[], float], memo: Memo, R=None, tol: float = 0.015) -> Step:
    """Straight up to at least ``min_z()`` (both fixed when the step starts), so the arm does not sweep
    through a part on its way; done when the TCP has reached that height (the height is what the rise is
    for: a 4-joint arm cannot also hold x, y and R, and would wait on the step's timeout)."""
    def rise() -> np.ndarray:
        tcp = robot.tcp_world(side)[0]
        return np.array([tcp[0], tcp[1], max(tcp[2], min_z())])

    goal = memo("rise", rise)

    def risen() -> bool:
        return bool(robot.tcp_world(side)[0][2] >= goal()[2] - tol)

    return Step({side: Goal(goal, R, 0.0)}, tol=tol, max_steps=40, done=risen, name="rise")


def hold_orientation(robot, side: str) -> np.ndarray | None:
    """The TCP orientation to keep while carrying: the current one for rigid holds; none for gimbal
    holds (the part keeps its own orientation, whatever the hand does)."""
    return None if robot.arms[side].grasp.hold == "gimbal" else robot.tcp_world(side)[1].copy()


class Policy:
    """The scripted expert as a callable obs -> action. At each episode start it asks the env's
    current task for a new plan (the task object changes if the env rebuilt its client)."""

    def __init__(self, env):
        self.env = env.unwrapped if hasattr(env, "unwrapped") else env
        self._servo: Servo | None = None
        self._last_step = -1

    def __call__(self, obs=None) -> np.ndarray:
        steps = self.env.steps
        if self._servo is None or steps < self._last_step or (steps == 0 and self._last_step != 0):
            self._servo = self.env.task.plan()
        self._last_step = steps
        return self._servo.action().astype(np.float32)


def pick_and_place(env, side: str, obj: int, place_xy: Callable[[], np.ndarray], place_bottom_z: float,
                   obj_half_height: float, lift: float, R_hold: np.ndarray | None = None,
                   precise: bool = False, release_steps: int = 12, clear_z: float | None = None,
                   align_offset: Callable[[], np.ndarray] | None = None,
                   grasp_offset: np.ndarray | None = None, drop: bool = False) -> list[Step]:
    """Steps that take ``obj`` with one hand and set it down with its bottom at ``place_bottom_z`` over
    ``place_xy()`` (``R_hold``: the TCP orientation to keep, by default :func:`hold_orientation`); ``clear_z`` is the top of whatever surrounds the place (fixture walls). The object's
    own measured position (not the TCP's) is servoed onto the target, so the grasp offset does not
    matter; ``drop`` lets go just above the place (a bin) instead of setting the part down; ``precise`` tightens the alignment for insertions, and ``align_offset()`` (the vector from the
    object's centre to the point that must meet the target axis, e.g. a tilted peg's tip) refines it."""
    env = env.unwrapped if hasattr(env, "unwrapped") else env
    r, sim, grasp = env.robot, env.sim, env.grasp
    if R_hold is None:
        R_hold = hold_orientation(r, side)
    if r.arms[side].grasp.type == "fingers":
        release_steps = max(release_steps, 30)  # fingers need time to open before the hand leaves
    # the empty hand travels high enough for whatever hangs below its TCP (fingers) to clear the part
    approach = max(lift, r.hand_below_tcp(side) + 0.015)
    clear = (place_bottom_z if clear_z is None else clear_z) - place_bottom_z + 0.015
    carry = clear + 0.015 if clear_z is not None else lift  # only as high as the fixture needs

    def obj_pos() -> np.ndarray:
        return sim.pose(obj)[0]

    goff = np.zeros(3) if grasp_offset is None else np.asarray(grasp_offset, dtype=float)  # where to take it

    def above_obj() -> np.ndarray:
        return obj_pos() + goff + np.array([0, 0, obj_half_height + approach])

    def touch_obj() -> np.ndarray:  # just above the top: the grasp takes it within 10 mm, without pushing
        return obj_pos() + goff + np.array([0, 0, obj_half_height + 0.004])

    def held() -> bool:
        return grasp.held.get(side) == obj

    once = Memo()

    def shift_xy() -> np.ndarray:  # with ``align_offset`` the object's tip goes onto the target's axis
        return np.zeros(2) if align_offset is None else np.asarray(align_offset()[:2], dtype=float)

    def tcp_for(obj_target: np.ndarray) -> np.ndarray:
        """TCP position that puts the held object's centre at obj_target (measured offset); with
        ``align_offset`` its tip goes onto the target's vertical axis instead."""
        shift = np.zeros(3)
        shift[:2] = -shift_xy()
        return r.tcp_world(side)[0] + (obj_target + shift - obj_pos())

    def over_place(height: float) -> Callable[[], np.ndarray]:
        def f() -> np.ndarray:
            xy = place_xy()
            return tcp_for(np.array([xy[0], xy[1], place_bottom_z + obj_half_height + height]))
        return f

    def down() -> np.ndarray:
        xy = place_xy()
        return tcp_for(np.array([xy[0], xy[1], place_bottom_z + obj_half_height + 0.002]))

    g = lambda pos, grip: {side: Goal(pos, R_hold, grip)}  # noqa: E731
    def place_steps(over: Callable[[], np.ndarray], bottom: Callable[[], np.ndarray]) -> list[Step]:
        """Align and lower as one state-feedback step (a funnel): the height goal falls from the
        clearance height to the floor as the part's lateral error to the place shrinks from 6 to 2 mm.
        The command is a function of the state alone (no settle counter), so a learner that imitates
        it sees one action per state."""
        def f() -> np.ndarray:
            hi, lo = over(), bottom()
            lateral = float(np.linalg.norm(obj_pos()[:2] + shift_xy() - place_xy()))
            w = min(max((lateral - 0.002) / 0.004, 0.0), 1.0)
            return np.array([lo[0], lo[1], lo[2] + w * (hi[2] - lo[2])])
        return [Step(g(f, 1.0), tol=0.003, settle=0, max_steps=240, name="place")]

    return [
        rise_step(r, side, lambda: above_obj()[2], once, R_hold),
        Step(g(above_obj, 0.0), tol=0.02, max_steps=100, name="above"),
        Step(g(touch_obj, 1.0), tol=0.004, max_steps=80, done=held, name="grasp"),
        Step(g(once("lift", lambda: r.tcp_world(side)[0] + np.array([0, 0, carry])), 1.0), tol=0.015, max_steps=80, name="lift"),
        Step(g(over_place(carry), 1.0), tol=0.012, max_steps=150, name="transport"),
        *(place_steps(over_place(clear), down) if not (precise or drop) else
          [Step(g(over_place(clear), 1.0), tol=0.0015 if precise else 0.004, settle=4, max_steps=150, name="align"),
           *([] if drop else [Step(g(down, 1.0), tol=0.003, max_steps=120, name="lower", speed=0.35 if precise else 1.0)])]),
        Step(g(once("release", lambda: r.tcp_world(side)[0].copy()), 0.0), tol=1.0, settle=release_steps,
             max_steps=release_steps + 2, name="release"),
        Step(g(once("retreat", lambda: r.tcp_world(side)[0] + np.array([0, 0, min(approach, lift)])), 0.0), tol=0.01,
             max_steps=40, name="retreat"),
    ]
