"""inspect: look at every inspection point of a part with the head (or torso-aimed) camera.

A point counts as inspected when it is inside the camera's field of view and within the inspection
cone around the optical axis (the image centre), within range, facing the camera (angle ≤ 45°) and
not occluded (a ray from the camera reaches it). All geometric: state-only training never renders.
Success: every point inspected. Metric: coverage fraction.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import parts
from ..base import Task, TaskParams
from ..registry import register_task
from ..scripted import Servo, Step, head_servo


@dataclass
class InspectParams(TaskParams):
    n_points: int = 5
    cone_deg: float = 20.0  # inspection cone half-angle around the optical axis (the image's centre)
    min_range: float = 0.1  # m (× robot scale)
    max_range: float = 1.5
    max_facing_deg: float = 45.0
    spread: float = 0.03  # m, random offset of the part
    look_away_deg: tuple = (55.0, 70.0)  # the camera starts turned this far left or right of the part (head yaw joint)
    #: new_points: points first inspected at this step; success: 1 once every point is; time: 1 per step
    reward: dict = field(default_factory=lambda: {"new_points": 1.0, "success": 1.0, "time": -0.01})


#: inspection point marks: red until the camera has inspected them, then green
UNSEEN, SEEN = (0.9, 0.1, 0.1, 1), (0.1, 0.8, 0.2, 1)


def _sight(cam_pos: np.ndarray, pts: np.ndarray, normals: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance and unit direction from the camera to each point, and each point's facing angle (degrees
    between its normal and the direction back to the camera)."""
    d = pts - cam_pos
    dist = np.linalg.norm(d, axis=1)
    dirs = d / dist[:, None]
    return dist, dirs, np.degrees(np.arccos(np.clip(np.sum(-dirs * normals, axis=1), -1, 1)))


def view_check(cam_pos: np.ndarray, cam_R: np.ndarray, pts: np.ndarray, normals: np.ndarray, fov_deg: float,
               cone_deg: float, rng: tuple[float, float], max_facing_deg: float, sim, body) -> np.ndarray:
    """Which points the camera inspects now (boolean array). ``body`` is the body the points lie on
    (one id, or one per point): a ray that first hits it right at the point is not occluded."""
    bodies = np.broadcast_to(np.asarray(body), (len(pts),))
    dist, dirs, facing = _sight(cam_pos, pts, normals)
    fwd = cam_R[:, 0]
    ang = np.degrees(np.arccos(np.clip(dirs @ fwd, -1, 1)))
    ok = (ang <= min(cone_deg, fov_deg / 2)) & (dist >= rng[0]) & (dist <= rng[1])
    ok &= facing <= max_facing_deg
    if ok.any():
        idx = np.flatnonzero(ok)
        # rays start 5 cm out along the line of sight: the camera sits inside its own head/torso housing
        hits = sim.ray_test_batch([(cam_pos + 0.05 * dirs[i]).tolist() for i in idx], [(pts[i] + normals[i] * 0.002).tolist() for i in idx])
        for i, h in zip(idx, hits):
            # unoccluded: the ray reaches (almost) the point, or first hits the part right at the point
            if h[0] != -1 and not (h[0] == bodies[i] and np.linalg.norm(np.asarray(h[3]) - pts[i]) < 0.01):
                ok[i] = False
    return ok


def aimable(robot, pts: np.ndarray, normals: np.ndarray, cone_deg: float, rng: tuple[float, float],
            max_facing_deg: float) -> np.ndarray:
    """Which points the camera could inspect from where it stands by turning the head joints it has
    (occlusion aside): in range and facing it, and within the inspection cone once aimed — a camera
    without a pitch joint keeps its elevation, one without a yaw joint (nor a torso that turns it) its
    azimuth, and one with neither sees only its cone from the default pose."""
    cp, cR = robot.camera_pose()
    dist, dirs, facing = _sight(cp, pts, normals)
    ok = (dist >= rng[0]) & (dist <= rng[1]) & (facing <= max_facing_deg)
    can_yaw, can_pitch = (c is not None for c in robot.head_cols)
    axis = cR[:, 0]
    if not can_yaw and not can_pitch:
        return ok & (np.degrees(np.arccos(np.clip(dirs @ axis, -1, 1))) <= cone_deg)
    elev = lambda v: np.degrees(np.arctan2(v[..., 2], np.hypot(v[..., 0], v[..., 1])))  # noqa: E731
    azim = lambda v: np.degrees(np.arctan2(v[..., 1], v[..., 0]))  # noqa: E731
    if not can_pitch:
        ok &= np.abs(elev(dirs) - elev(axis)) <= cone_deg
    if not can_yaw:
        ok &= np.abs((azim(dirs) - azim(axis) + 180.0) % 360.0 - 180.0) <= cone_deg
    return ok


@register_task("inspect", max_episode_steps=250, order=60)
class Inspect(Task):
    arms_required = 0
    Params = InspectParams

    def __init__(self, env, params: InspectParams):
        super().__init__(env, params)
        s = max(self.ws.scale, 0.5)
        self.s = s
        cid = self.sim.cid
        self.aim = self._axis_hit()
        self.bench_id = self.bench(x_max=float(self.aim[0] + 0.2 * s))
        # a part with a flat top, a front slope and two side slopes, all facing up toward the robot
        w, h = 0.10 * s, 0.05 * s
        self.faces = {  # name: (centre offset, normal)
            "top": (np.array([0.0, 0.0, h]), np.array([0.0, 0.0, 1.0])),
            "front": (np.array([-w * 0.75, 0.0, h * 0.5]), _unit([-1.0, 0.0, 1.0])),
            "left": (np.array([0.0, w * 0.75, h * 0.5]), _unit([-0.6, 0.7, 1.0])),
            "right": (np.array([0.0, -w * 0.75, h * 0.5]), _unit([-0.6, -0.7, 1.0])),
        }
        half, pos, orn = [[w / 2, w / 2, h / 2]], [[0, 0, h / 2]], [[0, 0, 0, 1]]
        for name, (c, n) in self.faces.items():
            if name == "top":
                continue
            half.append([w / 2, w / 2, 0.004])
            pos.append((c - n * 0.004).tolist())
            orn.append(_quat_from_normal(n))
        self.part = parts.make_static(cid, (half, pos, orn), [0, 0, -5], (0.55, 0.6, 0.65, 1))
        self.marks = [parts.marker(cid, UNSEEN, radius=0.006 * s) for _ in range(params.n_points)]
        self.pts = np.zeros((params.n_points, 3))
        self.normals = np.zeros((params.n_points, 3))
        self.seen = np.zeros(params.n_points, dtype=bool)
        self.new = np.zeros(params.n_points, dtype=bool)  # points first seen at the last update

    #: the part is seen this far below the horizon (steep enough for its top face to face the camera)
    VIEW_DEG = 56.0
    #: a fixture on the optical axis stands at most this fraction of the inspection range from the camera
    REACH_FRAC = 0.7

    def _axis_hit(self) -> np.ndarray:
        """Where the part goes, derived from the camera's geometry; the bench extends to it.

        A camera that can pitch (a head pitch joint) sees it straight ahead on the bench plane,
        :data:`VIEW_DEG` below the horizon. A camera that cannot pitch (no neck, a yaw-only neck, a
        torso-mounted camera) sees it where its optical axis meets the bench, if the 56° line is
        outside its inspection cone; the part then sits on an inspection fixture tilted toward the
        camera by the difference, so its faces meet the camera as they would from 56° (``self.tilt``).
        Where that axis meets the bench beyond :data:`REACH_FRAC` of the inspection range (a camera that
        looks far ahead), the fixture stands on the axis at that distance instead, raised above the
        bench by ``self.raise_z``."""
        cp, cR = self.robot.camera_pose()
        _, tR = self.robot.torso_pose()
        f = tR[:, 0]
        top = self.ws.bench_top
        self.tilt = np.eye(3)
        self.raise_z = 0.0
        view = self.VIEW_DEG
        axis = cR[:, 0]
        below = float(np.degrees(np.arctan2(-axis[2], np.hypot(axis[0], axis[1]))))
        fixed_pitch = self.robot.head_cols[1] is None
        if fixed_pitch and abs(below - view) > self.params.cone_deg - 5.0 and 5.0 < below < 85.0 and cp[2] > top:
            view = below
            f = np.array([axis[0], axis[1], 0.0])
            tilt = np.radians(self.VIEW_DEG - below)  # > 0: the faces turn toward the robot
            k = _unit(np.cross([0.0, 0.0, 1.0], -f))  # rotating +z about k turns it toward the camera
            K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
            self.tilt = np.eye(3) + np.sin(tilt) * K + (1 - np.cos(tilt)) * K @ K
            d_max = self.REACH_FRAC * self.params.max_range * self.s
            if (cp[2] - top) / np.sin(np.radians(below)) > d_max:
                hit = cp + d_max * axis
                self.raise_z = float(hit[2] - top)
                xy = hit[:2].copy()
                xy[0] = max(xy[0], self.ws.bench_x[0] + 0.08 * self.s)
                return np.array([xy[0], xy[1], top])
        hdist = max((cp[2] - top) / np.tan(np.radians(view)), 0.1 * self.s)
        xy = cp[:2] + hdist * f[:2] / max(np.linalg.norm(f[:2]), 1e-6)
        xy[0] = max(xy[0], self.ws.bench_x[0] + 0.08 * self.s)
        return np.array([xy[0], xy[1], top])

    def _part_position(self, rng) -> np.ndarray:
        pos = self.aim.copy()
        pos[:2] += rng.uniform(-self.params.spread, self.params.spread, 2) * self.s
        pos[2] += self.raise_z
        if not np.array_equal(self.tilt, np.eye(3)):  # a tilted fixture holds the part's lowest edge above the bench
            w = 0.10 * self.s
            corners = np.array([[x, y, 0.0] for x in (-0.9 * w, 0.9 * w) for y in (-0.9 * w, 0.9 * w)])
            pos[2] += max(0.0, -float((corners @ self.tilt.T)[:, 2].min())) + 0.003 * self.s
        return pos

    def _look_away(self, rng) -> None:
        """Start with the camera turned away from the part (so it has to be aimed), by the card's
        head yaw joint (a neck, or the waist/torso that carries the camera)."""
        r = self.robot
        c = r.head_cols[0]
        lo, hi = self.params.look_away_deg
        if c is None or hi <= 0:
            return
        yaw = np.radians(rng.uniform(lo, hi)) * (1.0 if rng.random() < 0.5 else -1.0)
        q = r.q.copy()
        q[c] = float(np.clip(q[c] + r.head_signs[0] * yaw, r.body.lower[c], r.body.upper[c]))
        r.reset(q)

    def place(self, rng):
        base = self._part_position(rng)
        tilted = not np.array_equal(self.tilt, np.eye(3))
        self.sim.set_pose(self.part, base, _quat_of_matrix(self.tilt) if tilted else (0, 0, 0, 1))
        names = list(self.faces)
        w = 0.10 * self.s
        for k in range(self.params.n_points):
            c, n = self.faces[names[k % len(names)]]
            # a random spot on the face plane, away from its edges; on a slope (t2 points down it) not
            # close under the top face's edge, which hides that strip from a camera above and behind
            slope = abs(n[2]) < 0.99
            t1 = np.cross(n, [0, 0, 1.0]) if slope else np.array([1.0, 0, 0])
            t1 /= np.linalg.norm(t1)
            t2 = np.cross(n, t1)
            off = np.array([rng.uniform(-0.3, 0.3), rng.uniform(-0.1 if slope else -0.3, 0.3)]) * w
            if tilted:  # on the tilted fixture: the part's own frame turned by self.tilt about its base
                self.pts[k] = base + self.tilt @ (c + off[0] * t1 + off[1] * t2)
                self.normals[k] = self.tilt @ n
            else:
                self.pts[k] = base + c + off[0] * t1 + off[1] * t2
                self.normals[k] = n
            self.sim.set_pose(self.marks[k], self.pts[k])
            self.sim.set_color(self.marks[k], UNSEEN)
        self.seen[:] = False
        self._look_away(rng)

    def update_seen(self) -> np.ndarray:
        cp, cR = self.robot.camera_pose()
        now = view_check(cp, cR, self.pts, self.normals, self.robot.fov, self.params.cone_deg,
                         (self.params.min_range * self.s, self.params.max_range * self.s), self.params.max_facing_deg,
                         self.sim, self.part)
        new = now & ~self.seen
        for k in np.flatnonzero(new):
            self.sim.set_color(self.marks[k], SEEN)
        self.seen |= now
        return new

    @classmethod
    def observation_fields(cls, params):
        per_point = tuple(f for k in range(params.n_points) for f in (
            (f"point{k}.position", 3, "position"), (f"point{k}.normal", 3, "orientation"), (f"point{k}.seen", 1, "flag")))
        return per_point + (("coverage", 1, "scalar"), ("done", 1, "flag"))

    def observation(self):
        tp, tR = self.robot.torso_pose()
        rel = (self.pts - tp) @ tR
        nrm = self.normals @ tR
        cov = self.seen.mean()
        return np.concatenate([np.hstack([rel, nrm, self.seen[:, None].astype(float)]).ravel(), [cov, float(self.seen.all())]])

    def update(self):
        self.new = self.update_seen()

    def evaluate(self):
        cov = float(self.seen.mean())
        ok = bool(self.seen.all())
        return self.score(ok, {"coverage": cov, "points_seen": float(self.seen.sum())},
                          new_points=float(self.new.sum()), success=1.0 if ok else 0.0, time=1.0)

    def plan(self):
        steps = []
        for k in range(self.params.n_points):
            steps.append(Step({}, tol=0.0, max_steps=60, name=f"look{k}",
                              head=(lambda k=k: head_servo(self.env, self.pts[k], gain=0.8)), done=(lambda k=k: bool(self.seen[k]))))
        return Servo(self.env, steps)


def _quat_of_matrix(R: np.ndarray) -> list[float]:
    from humanoid_ground.envs.rotations import mat_to_quat

    return [float(x) for x in mat_to_quat(R)]


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


def _quat_from_normal(n: np.ndarray) -> list[float]:
    """A rotation taking +z to n."""
    z = np.array([0.0, 0.0, 1.0])
    axis = np.cross(z, n)
    s = np.linalg.norm(axis)
    if s < 1e-9:
        return [0.0, 0.0, 0.0, 1.0]
    ang = np.arctan2(s, float(z @ n))
    axis /= s
    return [*(axis * np.sin(ang / 2)).tolist(), float(np.cos(ang / 2))]
