"""bimanual_mount: two hands carry a panel and seat it on two posts.

The panel has a hole near each end; the posts stand on the bench under where the hands work. Success:
both posts pass through the holes (each hole centred on its post within the clearance + 2 mm), the
panel rests on the bench (seated, bottom within 1 cm), and neither hand holds it any more.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from humanoid_ground.envs.rotations import mat_to_quat, quat_to_mat

from .. import parts
from ..base import Task, TaskParams
from ..registry import register_task
from ..scripted import Goal, Memo, Servo, Step, hold_orientation


@dataclass
class BimanualMountParams(TaskParams):
    post_radius: float = 0.01  # m (× robot scale, at least 0.6)
    post_height: float = 0.05
    hole_clearance_mm: float = 4.0
    panel_width: float = 0.08  # along x
    panel_thickness: float = 0.015
    spread: float = 0.01
    #: hole_error: the two holes' distances to their posts (m, each at most 0.3), summed; height: panel
    #: bottom above the bench (m, ≥ 0); held: 1 while a hand holds the panel; success: 1 when seated
    reward: dict = field(default_factory=lambda: {"hole_error": -1.0, "height": -0.5, "held": 0.3, "success": 2.0})


@register_task("bimanual_mount", max_episode_steps=450, order=50)
class BimanualMount(Task):
    """Observation (21): panel pose (7), post tops (6), hole-to-post vectors (6), held flags (2)."""

    arms_required = 2
    Params = BimanualMountParams

    def __init__(self, env, params: BimanualMountParams):
        super().__init__(env, params)
        s = max(self.ws.scale, 0.6)
        self.s = s
        w = self.ws
        # the hands' default spacing sets the panel: holes a little inside the grasp points
        self.half_span = float(abs(w.tcp["left"][1] - w.tcp["right"][1]) / 2)
        self.hole_y = max(self.half_span - 0.045 * s, 0.05 * s)
        self.hole_h = params.post_radius * s + params.hole_clearance_mm / 1000.0
        self.Wp, self.tp = params.panel_width * s, params.panel_thickness * s
        self.Lp = 2 * (self.half_span + 0.03 * s)
        self.post_r, self.post_H = params.post_radius * s, params.post_height * s
        #: where each hand takes the panel: halfway between its hole and its end
        self.grasp_y = self.hole_y + (self.Lp / 2 - self.hole_y) / 2
        cid = self.sim.cid
        self.bench_id = self.bench()
        self.panel = parts.make_dynamic(cid, self._panel_boxes(), [0, 0, -5], (0.3, 0.55, 0.8, 1), mass=0.4)
        self.posts = [parts.cylinder(cid, self.post_r, self.post_H, [0, 0, -5 - k], (0.35, 0.35, 0.35, 1), mass=0.0)
                      for k in range(2)]
        self.graspables = [self.panel]
        self.dynamic_bodies = [self.panel]
        self.post_xy = np.zeros((2, 2))
        self.keep_clear = [self.panel, *self.posts]
        self.panel_x, self.posts_x = self._layout()

    def _layout(self) -> tuple[float, float]:
        """x of the panel and of the posts: the panel nearer the robot, the posts beyond it, both where
        the two hands reach with a margin (the panel at bench level, the posts at the height where the
        holes are aligned over them). Starts from the hands' default positions and moves toward the
        robot until both hands reach, so any robot's arms get a layout they can work."""
        w, s, r = self.ws, self.s, self.robot
        cx, cy, sp = float(np.mean([w.tcp[k][0] for k in ("left", "right")])), float(w.center[1]), self.params.spread * s
        sep = self.Wp / 2 + self.post_r + 0.015 * s + 2 * sp  # panel edge to posts, whatever the jitter
        x_min = w.bench_x[0] + self.Wp / 2 + 0.01 * s + sp
        # a hand whose geometry hangs below its TCP takes the panel with the TCP that far above it
        top = w.bench_top + max(0.004, max(r.hand_below_tcp(k) for k in ("left", "right")))

        def hands_reach(x: float, h: float) -> bool:
            return all(w.reaches(r, side, np.array([x, cy + sg * self.grasp_y, top + h]))
                       for side, sg in (("left", 1.0), ("right", -1.0)))

        carry, align = self.post_H + self.tp + 0.03 * s, self.post_H + self.tp + 0.01 * s
        best = None
        px = max(cx - 0.03 * s, x_min)
        while px >= x_min - 1e-9:
            qx = px + sep
            score = sum((hands_reach(px, self.tp + 0.01 * s), hands_reach(px, carry), hands_reach(qx, carry),
                         hands_reach(qx, align)))
            if score == 4:
                return px, qx
            if best is None or score > best[0]:
                best = (score, px, qx)
            px -= 0.01 * s
        return best[1], best[2]  # no layout reached with a margin everywhere: the one that reaches most

    def _panel_boxes(self):
        """A plate along y with a square hole at y = ±hole_y."""
        L, W, t, hy, hh = self.Lp, self.Wp, self.tp, self.hole_y, self.hole_h
        half, pos, orn = [], [], []

        def box(x0, x1, y0, y1):
            half.append([(x1 - x0) / 2, (y1 - y0) / 2, t / 2])
            pos.append([(x0 + x1) / 2, (y0 + y1) / 2, 0.0])
            orn.append([0, 0, 0, 1])

        box(-W / 2, W / 2, -L / 2, -hy - hh)
        box(-W / 2, W / 2, -hy + hh, hy - hh)
        box(-W / 2, W / 2, hy + hh, L / 2)
        for sgn in (-1, 1):
            box(-W / 2, -hh, sgn * hy - hh, sgn * hy + hh)
            box(hh, W / 2, sgn * hy - hh, sgn * hy + hh)
        return half, pos, orn

    def place(self, rng):
        w, s = self.ws, self.s
        cy = float(w.center[1])
        sp = self.params.spread * s
        panel = np.array([self.panel_x, cy]) + rng.uniform(-sp, sp, 2)
        posts_c = np.array([self.posts_x, cy]) + rng.uniform(-sp, sp, 2)
        top = w.bench_top
        self.sim.set_pose(self.panel, [panel[0], panel[1], top + self.tp / 2])
        for k, sgn in enumerate((1, -1)):
            self.post_xy[k] = posts_c + np.array([0.0, sgn * self.hole_y])
            self.sim.set_pose(self.posts[k], [self.post_xy[k][0], self.post_xy[k][1], top + self.post_H / 2])

    def _holes(self):
        pos, orn = self.sim.pose(self.panel)
        R = quat_to_mat(orn)
        holes = np.array([pos + R @ np.array([0.0, sgn * self.hole_y, 0.0]) for sgn in (1, -1)])
        return pos, orn, holes

    @classmethod
    def observation_fields(cls, params):
        return (("panel.position", 3, "position"), ("panel.orientation", 4, "orientation"), ("posts.position", 6, "position"),
                ("posts-holes", 6, "vector"), ("held", 2, "flag"))

    def observation(self):
        tp, tR = self.robot.torso_pose()
        pos, orn, holes = self._holes()
        held = [float(self.held_by(s) == self.panel) for s in ("left", "right")]
        posts = np.array([[x, y, self.ws.bench_top + self.post_H] for x, y in self.post_xy])
        return np.concatenate([tR.T @ (pos - tp), mat_to_quat(tR.T @ quat_to_mat(orn)),
                               ((posts - tp) @ tR).ravel(), ((posts - holes) @ tR).ravel(), held])

    def evaluate(self):
        pos, _, holes = self._holes()
        lat = [float(np.linalg.norm(holes[k][:2] - self.post_xy[k])) for k in range(2)]
        seated = float(pos[2] - self.tp / 2 - self.ws.bench_top)
        held = self.panel in self.held_bodies()
        tol = self.params.hole_clearance_mm / 1000.0 + 0.002
        ok = bool(max(lat) <= tol and seated <= 0.01 and not held)
        return self.score(ok, {"hole_error_left": lat[0], "hole_error_right": lat[1], "height_above_bench": seated},
                          hole_error=sum(min(l, 0.3) for l in lat), height=max(seated, 0), held=1.0 if held else 0.0,
                          success=1.0 if ok else 0.0)

    def plan(self):
        env, r, sim = self.env, self.robot, self.sim
        s = self.s
        grasp_y = {"left": self.grasp_y, "right": -self.grasp_y}
        approach = max(0.06 * s, max(r.hand_below_tcp(k) for k in ("left", "right")) - self.tp + 0.02)
        R0 = {k: hold_orientation(r, k) for k in ("left", "right")}
        once = Memo()

        def grasp_point(side, dz):
            def f():
                pos, orn = sim.pose(self.panel)
                return pos + quat_to_mat(orn) @ np.array([0.0, grasp_y[side], 0.0]) + np.array([0, 0, self.tp / 2 + dz])
            return f

        def shift(side, panel_target_fn):
            """Move each TCP by the panel's error (holes over posts)."""
            def f():
                pos, _, holes = self._holes()
                target = panel_target_fn()
                return r.tcp_world(side)[0] + (target - pos)
            return f

        def up_to(side, z):
            def f():
                x, y, _ = r.tcp_world(side)[0]
                return np.array([x, y, z()])
            return f

        posts_mid = lambda: np.mean(self.post_xy, axis=0)  # noqa: E731
        seated = lambda: sim.pose(self.panel)[0][2] - self.tp / 2 - self.ws.bench_top < 0.004  # noqa: E731

        def panel_at(height):
            def f():
                _, _, holes = self._holes()
                pos, _ = sim.pose(self.panel)
                # centre the holes' midpoint over the posts' midpoint
                mid = np.mean(holes, axis=0)
                xy = posts_mid() + (pos[:2] - mid[:2])
                return np.array([xy[0], xy[1], self.ws.bench_top + self.tp / 2 + height])
            return f

        both = lambda fn, grip: {k: Goal(fn(k), R0[k], grip) for k in ("left", "right")}  # noqa: E731
        # while both hands hold the panel their orientations are tied through it: move, do not turn
        carrying = lambda fn: {k: Goal(fn(k), None, 1.0, turn=False) for k in ("left", "right")}  # noqa: E731
        both_held = lambda: all(env.grasp.held.get(k) == self.panel for k in ("left", "right"))  # noqa: E731
        carry = self.post_H + 0.03 * s
        return Servo(env, [
            Step(both(lambda k: grasp_point(k, approach), 0.0), tol=0.02, max_steps=120, name="above"),
            Step(both(lambda k: grasp_point(k, 0.004), 1.0), tol=0.004, max_steps=80, done=both_held, name="grasp"),
            # straight up to the carrying height; where the arm drifts sideways on the way (a short arm near
            # its elbow limit) it is not pulled back: only the height counts
            Step(carrying(lambda k: up_to(k, once("lift" + k, lambda k=k: r.tcp_world(k)[0][2] + carry))), tol=0.01,
                 max_steps=80, name="lift"),
            Step(carrying(lambda k: shift(k, panel_at(carry))), tol=0.01, max_steps=150, name="transport"),
            Step(carrying(lambda k: shift(k, panel_at(self.post_H + 0.008 * s))), tol=0.002, settle=4, max_steps=150, name="align"),
            Step(carrying(lambda k: shift(k, panel_at(0.002))), tol=0.004, max_steps=150, name="lower", speed=0.12,
                 done=seated),
            Step(both(lambda k: once("rel" + k, lambda k=k: r.tcp_world(k)[0].copy()), 0.0), tol=1.0, settle=12, max_steps=14,
                 name="release"),
            Step(both(lambda k: once("up" + k, lambda k=k: r.tcp_world(k)[0] + np.array([0, 0, approach])), 0.0), tol=0.01,
                 max_steps=80, name="retreat"),
        ])
