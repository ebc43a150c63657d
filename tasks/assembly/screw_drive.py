"""screw_drive: turn a screw down its threaded hole until the head is seated.

The screw starts threaded in, ``turns`` turns out (its head ``turns × pitch`` above the seat). A hand
takes the head from above, turns it clockwise in strokes of ``stroke_deg``, lets go, turns back and
takes it again (a wrench-less ratchet), until the head is seated. The thread is
:class:`~humanoid_ground.tasks.parts.Thread`: the screw can only turn about the hole's axis, and each
clockwise turn takes it ``pitch`` down.

Success: the head is seated (depth: every turn done, so the head is on the seat), the hand has let go,
and the screw is at rest. Metrics: turns done, turns left, the head's height above its seat, the
screw's lateral error to the hole axis.

Capability: a hand must turn the part with it. Arms whose hold is ``gimbal`` (a passive wrist: the
part keeps its world orientation) cannot; a robot with no other arm is declared unable
(:meth:`ScrewDrive.unable`), and suites skip its cells with that reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from humanoid_ground.envs.robot import MAX_DROT
from humanoid_ground.envs.rotations import quat_to_mat

from .. import parts
from ..base import ARM_FIELD, PART_FIELDS, Task, TaskParams
from ..registry import register_task
from ..scripted import ROT_GAIN, Goal, Memo, Servo, Step, rise_step


@dataclass
class ScrewDriveParams(TaskParams):
    arm: str = "random"  # among the arms whose hold can turn a part
    turns: float = 1.0  # turns from the start to seated
    pitch: float = 0.01  # m per turn (× robot scale, at least 0.6): a coarse thread, so depth is visible
    head_radius: float = 0.016  # m (× scale)
    head_height: float = 0.02  # m (× scale)
    boss_half: float = 0.011  # half side of the threaded block (× scale): narrower than the head, so a hand can close around the head
    boss_height: float = 0.03
    stroke_deg: float = 90.0  # the expert's turn per grip
    spread: float = 0.01
    #: approach: Task.approach_reward (hand to head); progress: turns done / turns (0..1);
    #: success: 1 when seated and let go
    reward: dict = field(default_factory=lambda: {"approach": 1.0, "progress": 1.0, "success": 2.0})


@register_task("screw_drive", max_episode_steps=800, order=45)
class ScrewDrive(Task):
    arms_required = 1
    Params = ScrewDriveParams

    @classmethod
    def turning_sides(cls, arms) -> list[str]:
        """The arms (side -> card or runtime arm) whose hold turns a held part with the hand."""
        return sorted(s for s, a in arms.items() if a.grasp.hold != "gimbal")

    @classmethod
    def unable(cls, card) -> str | None:
        why = super().unable(card)
        if why is None and not cls.turning_sides(card.arms):
            return "its hold cannot turn a part (gimbal hold on every arm)"
        return why

    def __init__(self, env, params: ScrewDriveParams):
        super().__init__(env, params)
        s = max(self.ws.scale, 0.6)
        self.rh, self.hh = params.head_radius * s, params.head_height * s
        self.pitch = params.pitch * s
        self.bh, self.bz = params.boss_half * s, params.boss_height * s
        cid = self.sim.cid
        self.bench_id = self.bench()
        self.boss = self.sim.add_box([self.bh, self.bh, self.bz / 2], [0, 0, -5], (0.3, 0.32, 0.36, 1))
        self.hole = parts.marker(cid, (0.08, 0.08, 0.08, 1), radius=0.6 * self.rh, length=0.001)
        self.screw = parts.cylinder(cid, self.rh, self.hh, [0, 0, -6], (0.75, 0.72, 0.3, 1), mass=0.05)
        self.slot = parts.marker(cid, (0.15, 0.1, 0.05, 1), length=0.0015, radius=0.25 * self.rh)  # shows the turn
        parts.ignore_collisions(cid, self.screw, self.boss)
        self.thread = parts.Thread(cid, self.screw, self.pitch, params.turns, pin_spacing=self.hh)
        self.graspables = [self.screw]
        self.dynamic_bodies = [self.screw]
        self.keep_clear = [self.screw, self.boss]
        self.side = self.turning_sides(self.robot.arms)[0]
        self.seat = np.zeros(3)

    def place(self, rng):
        p_, s = self.params, max(self.ws.scale, 0.6)
        sides = self.turning_sides(self.robot.arms)
        self.side = p_.arm if p_.arm in sides else sides[int(rng.integers(len(sides)))]
        top = self.ws.bench_top
        head_top = top + self.bz + self.pitch * p_.turns + self.hh
        off = max(0.004, self.robot.hand_below_tcp(self.side))
        (xy,) = self.ws.sample_cells(self.side, rng, 1, min_dist=0.1, robot=self.robot,
                                    heights=[(head_top + off + 0.02 * s, head_top + off - self.pitch * p_.turns)])
        xy = xy + rng.uniform(-p_.spread, p_.spread, 2) * s
        self.sim.set_pose(self.boss, [xy[0], xy[1], top + self.bz / 2])
        self.sim.set_pose(self.hole, [xy[0], xy[1], top + self.bz + 0.0006])
        self.seat = np.array([xy[0], xy[1], top + self.bz + 0.001 + self.hh / 2])  # the head's centre when seated
        self.thread.place(self.seat, yaw=float(rng.uniform(-np.pi, np.pi)))
        self.sim.invalidate()
        self._mark()

    def update(self):
        driven = self.screw in self.held_bodies()
        self.thread.update(driven=driven)
        if driven:  # only a hand moves the screw: the slot marker follows it then
            self._mark()

    def _mark(self):
        pos, orn = self.sim.pose(self.screw)
        R = quat_to_mat(orn)
        self.sim.set_pose(self.slot, (pos + R @ [0.6 * self.rh, 0, self.hh / 2 + 0.0008]).tolist(), orn)

    def head_top(self) -> np.ndarray:
        return self.sim.pose(self.screw)[0] + np.array([0.0, 0.0, self.hh / 2])

    @classmethod
    def observation_fields(cls, params):
        return PART_FIELDS + (("progress", 1, "scalar"), ("seated", 1, "flag"), ARM_FIELD,)

    def observation(self):
        t = self.thread
        seat_top = self.seat + np.array([0.0, 0.0, self.hh / 2])
        return self.part_observation(self.screw, seat_top, self.side, t.progress(), 1.0 if t.seated else 0.0)

    def evaluate(self):
        t = self.thread
        pos = self.sim.pose(self.screw)[0]
        lateral = float(np.linalg.norm(pos[:2] - self.seat[:2]))
        height = float(pos[2] - self.seat[2])
        speed = float(np.linalg.norm(self.sim.velocity(self.screw)[1]))
        held = self.screw in self.held_bodies()
        ok = bool(t.seated and height <= 0.003 and not held and speed < 0.5)
        return self.score(ok, {"turns_done": t.turns - t.remaining(), "turns_left": t.remaining(), "height_above_seat": height,
                               "lateral_error": lateral},
                          approach=self.approach_reward(self.side, self.screw), progress=t.progress(), success=1.0 if ok else 0.0)

    # the scripted expert -------------------------------------------------------------------------------
    def plan(self):
        """Ratchet strokes centred on the hand's starting orientation (so a wrist turns at most half a
        stroke either way): wind the open hand back by half a stroke above the head, take the head, turn
        it clockwise through the stroke, let go, lift; until the head is seated, then retreat. The turn
        is a pure turn about the vertical of the hand as it is: the hold fixes the hand to the head, which
        the thread keeps upright, so a tilt left by the take cannot be undone while turning (servoing it
        away, as a goal orientation would, spends the wrist's effort against the thread and stalls or even
        reverses the stroke). A wrist
        that stops short of the stroke's end (a joint limit) after turning the screw a quarter of a stroke or more
        sets where later strokes end: they start a stroke before it (a stroke that stalls sooner, the arm
        against the thread, changes nothing). A take that runs out of time without the head (the arm
        cannot reach it wound that far back) is not turned: later takes wind back a quarter stroke less. A
        wind that stalls short of its angle (the wrist's other limit) sets how far later winds go, and a
        stroke that turns back after turning 10° (the joint-limit avoidance overriding the command) ends."""
        r, side, t = self.robot, self.side, self.thread
        half = np.radians(self.params.stroke_deg) / 2
        n = int(np.ceil(self.params.turns * np.pi / half - 1e-6)) + 5  # spare strokes for wrists that turn less
        below = self.robot.hand_below_tcp(side)
        grip_z = 0.004  # the TCP just above the head, as pick_place takes its part
        clear = max(0.02 * max(self.ws.scale, 0.6), below + 0.03)  # the hand clear of the head
        memo = Memo()
        R_n = memo("R_n", lambda: r.tcp_world(side)[1].copy())  # the neutral orientation: at the plan's start
        # hi: where a stroke ends (clockwise from neutral); floor: how far back a take may start (a take that
        # could not reach the head wound back that far, or a wind that stalled, raises it)
        # start / peak: the hand's turn at the take and furthest clockwise in the stroke; wind: its turns in the wind
        state = {"turned0": 0.0, "off": np.zeros(3), "hi": half, "floor": -np.inf, "start": 0.0, "peak": 0.0, "wind": []}

        def rz(a: float) -> np.ndarray:
            c, s_ = np.cos(a), np.sin(a)
            return np.array([[c, -s_, 0.0], [s_, c, 0.0], [0.0, 0.0, 1.0]])

        def at(angle):  # clockwise ``angle`` (a number or a callable) from neutral, about the vertical
            return lambda: rz(-(angle() if callable(angle) else angle)) @ R_n()

        def hi() -> float:
            return state["hi"]

        def lo() -> float:
            return max(state["hi"] - 2 * half, state["floor"])

        def clockwise() -> float:  # the TCP's turn from neutral about the vertical, clockwise positive
            Rr = r.tcp_world(side)[1] @ R_n().T
            return -float(np.arctan2(Rr[1, 0], Rr[0, 0]))

        def on_head(dz: float):
            return lambda: self.head_top() + np.array([0.0, 0.0, dz])

        def oriented(angle: float, tol_deg: float = 4.0) -> bool:
            R = r.tcp_world(side)[1]
            c = (np.trace(at(angle)().T @ R) - 1) / 2
            return float(np.degrees(np.arccos(np.clip(c, -1, 1)))) < tol_deg

        def wound() -> bool:  # a wind that stalls short of its angle (the wrist's limit) sets how far later ones go
            near = bool(np.linalg.norm(r.tcp_world(side)[0] - on_head(clear)()) < 0.01)
            y, ys = clockwise(), state["wind"]
            ys.append(y)
            if oriented(lo()) and near:
                return True
            if near and len(ys) > 3 and ys[-4] - y < np.radians(0.5) and y > lo() + np.radians(4):
                state["floor"] = min(y, hi() - np.radians(20))
                return True
            return False

        def taken() -> bool:  # remember the screw's turn and the grasp offset at the take
            tcp = r.tcp_world(side)[0]
            state["turned0"], state["off"] = t.turned, tcp - self.head_top()
            state["start"] = state["peak"] = clockwise()
            state["wind"] = []
            return self.held_by(side) == self.screw

        def with_screw() -> np.ndarray:  # while turning: the TCP where the weld holds it, orbiting the axis
            return self.head_top() + rz(-(t.turned - state["turned0"])) @ state["off"]

        def turning() -> np.ndarray:  # the hand as it is, turned clockwise about the vertical toward the stroke's end
            # by at most what one action turns unclipped (a pure turn: the hold fixes the hand to the head, which
            # the thread keeps upright, so servoing a tilt away would only spend the wrist's effort against it)
            d = float(np.clip(hi() - clockwise(), 0.0, MAX_DROT / ROT_GAIN))
            return rz(-d) @ r.tcp_world(side)[1]

        def missed() -> bool:  # the take ran out of time without the head: the next takes wind back less
            if self.held_by(side) == self.screw:
                return False
            state["floor"] = min(lo() + half / 2, hi() - np.radians(20))
            return True

        def turned() -> bool:  # through the stroke, or turning back after 10° or more: the wrist at its limit (its
            # joint-limit avoidance then turns the hand back, and the screw with it, against the command; a hand
            # still swinging back from the take turns back at first, before it turns the screw)
            y = clockwise()
            state["peak"] = max(state["peak"], y)
            back = state["peak"] > state["start"] + np.radians(10) and y < state["peak"] - np.radians(3)
            return t.seated or t.turned - state["turned0"] >= 2 * half - np.radians(4) or y >= hi() - np.radians(2) or back

        def seated() -> bool:  # the strokes left once the head is seated are passed over
            return t.seated and self.held_by(side) is None

        def lifted() -> bool:  # the hand clear of the head (the height is what the lift is for)
            return bool(r.tcp_world(side)[0][2] >= on_head(clear)()[2] - 0.01)

        def let_go() -> bool:  # the first call (the turn just ended): a stroke stopped short sets the next ones' end
            if self.held_by(side) is not None:
                y = clockwise()
                # only a stroke that turned the screw a quarter of its length or more ended at the wrist's limit;
                # one that stalled early (the arm against the thread) says nothing about where the wrist stops
                if y < hi() - np.radians(6) and t.turned - state["turned0"] >= 2 * half / 4:
                    state["hi"] = y + np.radians(2)
            return self.held_by(side) is None

        steps = [rise_step(r, side, lambda: on_head(clear)()[2], memo, R_n, tol=0.01)]  # the hand may start below the head
        for k in range(n):
            steps += [
                # a wrist that cannot turn the whole way makes a shorter stroke (the step's max_steps)
                Step({side: Goal(on_head(clear), at(lo), 0.0)}, max_steps=35, done=wound, name=f"wind{k}", skip=seated),
                Step({side: Goal(on_head(grip_z), at(lo), 1.0)}, max_steps=40, done=taken, name=f"take{k}", skip=seated),
                Step({side: Goal(with_screw, turning, 1.0)}, max_steps=45, done=turned, name=f"turn{k}",
                     skip=lambda: seated() or missed()),
                Step({side: Goal(with_screw, turning, 0.0)}, max_steps=10, settle=1, done=let_go, name=f"let_go{k}",
                     skip=lambda: seated() or self.held_by(side) is None),
                Step({side: Goal(on_head(clear), at(hi), 0.0)}, max_steps=40, done=lifted, name=f"lift{k}", skip=seated),
            ]
        steps.append(Step({side: Goal(on_head(clear), None, 0.0)}, tol=0.01, max_steps=40, name="retreat"))
        return Servo(self.env, steps)
