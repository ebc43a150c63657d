"""The simulation client: one PyBullet client per env, fixed time step and solver settings, and
helpers to build static and dynamic scene parts from primitives."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from humanoid_ground.robots._pybullet import new_client, p, quiet_stdout


@dataclass
class SimConfig:
    """Physics settings.

    :param dt: physics time step (s).
    :param substeps: physics steps per control step (dt * substeps = control period).
    :param solver_iterations: PyBullet constraint solver iterations.
    :param gravity: gravity along world z (m/s²).
    :param weld_idle: weld the robot's idle joints (those no controller drives on a fixed base: legs,
        usually) at their default pose, so PyBullet neither solves their motors nor integrates them, and
        fold the welded branches into the link they hang from (:mod:`humanoid_ground.robots.weld`; needs
        ``base=fixed`` and ``control=ee_delta``).
    """

    dt: float = 0.002
    substeps: int = 10
    solver_iterations: int = 50
    gravity: float = -9.81
    weld_idle: bool = False

    @property
    def control_dt(self) -> float:
        return self.dt * self.substeps

    @classmethod
    def from_dict(cls, d: dict | None) -> "SimConfig":
        d = dict(d or {})
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            from humanoid_ground.errors import HGroundError

            raise HGroundError(f"unknown sim setting(s) {sorted(unknown)}; valid: {sorted(cls.__dataclass_fields__)}")
        return cls(**d)


def _frozen(values) -> np.ndarray:
    a = np.array(values)
    a.flags.writeable = False
    return a


class Sim:
    """A PyBullet client with the project's settings. ``close()`` frees it."""

    def __init__(self, cfg: SimConfig, gui: bool = False):
        self.cfg = cfg
        self.cid = new_client(gui=gui)
        self.gui = gui
        p.setTimeStep(cfg.dt, physicsClientId=self.cid)
        p.setPhysicsEngineParameter(numSolverIterations=cfg.solver_iterations, deterministicOverlappingPairs=1,
                                    physicsClientId=self.cid)
        p.setGravity(0, 0, cfg.gravity, physicsClientId=self.cid)
        if gui:
            p.configureDebugVisualizer(p.COV_ENABLE_GUI, 0, physicsClientId=self.cid)
        self.floor = self.add_plane()
        #: per-step caches of body states: the task, the health check and the observation read them once
        self._poses: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._vels: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    # --- scene building ---------------------------------------------------------------------------
    def add_plane(self) -> int:
        col = p.createCollisionShape(p.GEOM_PLANE, physicsClientId=self.cid)
        vis = p.createVisualShape(p.GEOM_BOX, halfExtents=[5, 5, 0.001], rgbaColor=[0.55, 0.57, 0.6, 1], physicsClientId=self.cid)
        return p.createMultiBody(0, col, vis, [0, 0, 0], physicsClientId=self.cid)

    def add_box(self, half, pos, rgba=(0.6, 0.6, 0.6, 1), mass: float = 0.0, orn=(0, 0, 0, 1), friction: float = 0.8) -> int:
        col = p.createCollisionShape(p.GEOM_BOX, halfExtents=list(half), physicsClientId=self.cid)
        vis = p.createVisualShape(p.GEOM_BOX, halfExtents=list(half), rgbaColor=list(rgba), physicsClientId=self.cid)
        b = p.createMultiBody(mass, col, vis, list(pos), list(orn), physicsClientId=self.cid)
        p.changeDynamics(b, -1, lateralFriction=friction, physicsClientId=self.cid)
        return b

    def step(self, n: int | None = None) -> None:
        for _ in range(n or self.cfg.substeps):
            p.stepSimulation(physicsClientId=self.cid)
        self.invalidate()

    def invalidate(self) -> None:
        """Forget the body states read since the last step (call after teleporting anything)."""
        self._poses.clear()
        self._vels.clear()

    def pose(self, body: int) -> tuple[np.ndarray, np.ndarray]:
        """A body's base position and xyzw orientation (read once per step: read-only arrays)."""
        c = self._poses.get(body)
        if c is None:
            pos, orn = p.getBasePositionAndOrientation(body, physicsClientId=self.cid)
            a = _frozen(pos + orn)
            c = self._poses[body] = (a[:3], a[3:])
        return c

    def velocity(self, body: int) -> tuple[np.ndarray, np.ndarray]:
        """A body's base linear and angular velocity (read once per step: read-only arrays)."""
        c = self._vels.get(body)
        if c is None:
            lin, ang = p.getBaseVelocity(body, physicsClientId=self.cid)
            a = _frozen(lin + ang)
            c = self._vels[body] = (a[:3], a[3:])
        return c

    def ray_test_batch(self, starts, ends) -> list[tuple]:
        """PyBullet's ``rayTestBatch``: per ray (hit body or -1, link, hit fraction, hit position, normal)."""
        return p.rayTestBatch(starts, ends, physicsClientId=self.cid)

    def ray_test(self, start, end) -> tuple:
        """One ray: (hit body or -1, link, hit fraction, hit position, normal)."""
        return p.rayTest(list(start), list(end), physicsClientId=self.cid)[0]

    def closest_points(self, a: int, b: int, distance: float, link_a: int | None = None) -> list:
        """Points of ``a`` and ``b`` closer than ``distance`` (m): PyBullet's ``getClosestPoints``."""
        kw = {} if link_a is None else {"linkIndexA": link_a}
        return p.getClosestPoints(a, b, distance, physicsClientId=self.cid, **kw) or []

    def aabb(self, body: int, link: int = -1) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = p.getAABB(body, link, physicsClientId=self.cid)
        return np.asarray(lo), np.asarray(hi)

    def set_color(self, body: int, rgba) -> None:
        """Recolour a body's base visual (e.g. an inspection mark once seen)."""
        p.changeVisualShape(body, -1, rgbaColor=list(rgba), physicsClientId=self.cid)

    def set_pose(self, body: int, pos, orn=(0, 0, 0, 1)) -> None:
        p.resetBasePositionAndOrientation(body, list(pos), list(orn), physicsClientId=self.cid)
        p.resetBaseVelocity(body, [0, 0, 0], [0, 0, 0], physicsClientId=self.cid)
        self.invalidate()

    def close(self) -> None:
        if self.cid is not None and self.cid >= 0:
            try:
                with quiet_stdout():
                    p.disconnect(physicsClientId=self.cid)
            except p.error:  # already disconnected
                pass
            from .camera import forget_client

            forget_client(self.cid)
            self.cid = -1
