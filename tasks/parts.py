"""Parametric scene parts built from PyBullet primitives: rings (pockets, holes, bores) and cylinders.
Sizes in metres."""
from __future__ import annotations

import numpy as np

from humanoid_ground.robots._pybullet import p

N_SIDES = 16


def _quat_z(a: float) -> list[float]:
    return [0.0, 0.0, float(np.sin(a / 2)), float(np.cos(a / 2))]


def ring_shapes(inner_r: float, wall: float, height: float, z0: float = 0.0):
    """Boxes of an N-gon ring whose flats touch a circle of radius ``inner_r`` (a round hole, pocket
    or bore to within the polygon). Returns (half_extents, positions, orientations)."""
    half, pos, orn = [], [], []
    side = 2 * (inner_r + wall) * np.tan(np.pi / N_SIDES) * 1.02
    for k in range(N_SIDES):
        a = 2 * np.pi * k / N_SIDES
        c = inner_r + wall / 2
        half.append([wall / 2, side / 2, height / 2])
        pos.append([c * np.cos(a), c * np.sin(a), z0 + height / 2])
        orn.append(_quat_z(a))
    return half, pos, orn


def _shapes(cid: int, boxes, rgba) -> tuple[int, int]:
    half, pos, orn = boxes
    n = len(half)
    col = p.createCollisionShapeArray([p.GEOM_BOX] * n, halfExtents=half, collisionFramePositions=pos,
                                      collisionFrameOrientations=orn, physicsClientId=cid)
    vis = p.createVisualShapeArray([p.GEOM_BOX] * n, halfExtents=half, visualFramePositions=pos,
                                   visualFrameOrientations=orn, rgbaColors=[list(rgba)] * n, physicsClientId=cid)
    return col, vis


def make_static(cid: int, boxes, base_pos, rgba) -> int:
    """One static body from boxes (half_extents, positions, orientations)."""
    col, vis = _shapes(cid, boxes, rgba)
    return p.createMultiBody(0, col, vis, list(base_pos), physicsClientId=cid)


def make_dynamic(cid: int, boxes, base_pos, rgba, mass: float) -> int:
    """A dynamic rigid body from boxes (e.g. a gear with a bore): the COM is the body origin."""
    col, vis = _shapes(cid, boxes, rgba)
    b = p.createMultiBody(mass, col, vis, list(base_pos), physicsClientId=cid)
    p.changeDynamics(b, -1, lateralFriction=0.6, angularDamping=0.6, linearDamping=0.1, physicsClientId=cid)
    return b


def cylinder(cid: int, radius: float, height: float, pos, rgba, mass: float) -> int:
    col = p.createCollisionShape(p.GEOM_CYLINDER, radius=radius, height=height, physicsClientId=cid)
    vis = p.createVisualShape(p.GEOM_CYLINDER, radius=radius, length=height, rgbaColor=list(rgba), physicsClientId=cid)
    b = p.createMultiBody(mass, col, vis, list(pos), physicsClientId=cid)
    p.changeDynamics(b, -1, lateralFriction=0.6, angularDamping=0.6, linearDamping=0.1, physicsClientId=cid)
    return b


def marker(cid: int, rgba, pos=(0, 0, -5), radius: float = 0.01, length: float | None = None) -> int:
    """A visual-only body (no collision, no mass): a sphere, or a flat disc of ``length`` thickness."""
    if length is None:
        vis = p.createVisualShape(p.GEOM_SPHERE, radius=radius, rgbaColor=list(rgba), physicsClientId=cid)
    else:
        vis = p.createVisualShape(p.GEOM_CYLINDER, radius=radius, length=length, rgbaColor=list(rgba), physicsClientId=cid)
    return p.createMultiBody(0, -1, vis, list(pos), physicsClientId=cid)


def contact_force(cid: int, a: int, b: int) -> float:
    """Total normal force between two bodies (N)."""
    return float(sum(c[9] for c in p.getContactPoints(a, b, physicsClientId=cid) or []))


class Thread:
    """A screw on a threaded hole: the helical joint PyBullet does not have.

    Two point constraints pin two points of the screw's axis to the hole's (vertical) axis, so the screw
    can only turn about it; every control step (:meth:`update`) the screw's rotation since the last step
    is added up and the pins are re-set to the height that rotation gives (``pitch`` metres down per turn
    clockwise, seen from above: a right-hand thread). When the screw has turned ``turns`` times its head
    is seated: a fixed constraint then locks it (a seated screw does not turn further or back). Thread
    friction: while nothing drives the screw (``update(driven=False)``: no hand holds it) a fixed
    constraint holds it where it was turned to (a screw under load does not turn by itself); while
    driven it turns with what drives it, against the screw's angular damping."""

    PIN_FORCE = 2000.0  # N: far above the 400 N a hand's hold may pull with, so the screw stays on axis
    LOCK_FORCE = 2000.0

    def __init__(self, cid: int, screw: int, pitch: float, turns: float, pin_spacing: float):
        self.cid, self.screw, self.pitch, self.turns = cid, screw, float(pitch), float(turns)
        self.h = float(pin_spacing) / 2
        self._pins: list[int] = []
        self._lock: int | None = None
        self._hold: int | None = None
        self.axis = np.zeros(3)  # the screw's centre when seated
        self.turned = 0.0  # rad, clockwise from above
        self._yaw = 0.0
        p.changeDynamics(screw, -1, angularDamping=0.95, linearDamping=0.5, physicsClientId=cid)

    @staticmethod
    def _yaw_of(q) -> float:
        x, y, z, w = q
        return float(np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)))

    def place(self, seated_center, yaw: float = 0.0) -> None:
        """Start an episode: the screw upright on the axis through ``seated_center`` (its centre when
        seated), ``turns`` turns out."""
        for c in self._pins + [c for c in (self._lock, self._hold) if c is not None]:
            p.removeConstraint(c, physicsClientId=self.cid)
        self._pins, self._lock, self._hold = [], None, None
        self.axis = np.asarray(seated_center, dtype=float)
        self.turned, self._yaw = 0.0, float(yaw)
        c = self.center()
        p.resetBasePositionAndOrientation(self.screw, c.tolist(), _quat_z(yaw), physicsClientId=self.cid)
        p.resetBaseVelocity(self.screw, [0, 0, 0], [0, 0, 0], physicsClientId=self.cid)
        for dz in (-self.h, self.h):
            pin = p.createConstraint(self.screw, -1, -1, -1, p.JOINT_POINT2POINT, [0, 0, 0], [0, 0, dz],
                                     (c + [0, 0, dz]).tolist(), physicsClientId=self.cid)
            p.changeConstraint(pin, maxForce=self.PIN_FORCE, physicsClientId=self.cid)
            self._pins.append(pin)

    def remaining(self) -> float:
        """Turns left until seated (0 when seated)."""
        return max(self.turns - self.turned / (2 * np.pi), 0.0)

    def progress(self) -> float:
        """Fraction of the turns done (0 at the start, 1 when seated)."""
        return 1.0 - self.remaining() / self.turns if self.turns > 0 else 1.0

    def center(self) -> np.ndarray:
        """Where the thread puts the screw's centre now."""
        return self.axis + np.array([0.0, 0.0, self.pitch * self.remaining()])

    @property
    def seated(self) -> bool:
        return self._lock is not None

    def _fix(self, c, yaw: float) -> int:
        k = p.createConstraint(self.screw, -1, -1, -1, p.JOINT_FIXED, [0, 0, 0], [0, 0, 0], np.asarray(c).tolist(),
                               childFrameOrientation=_quat_z(yaw), physicsClientId=self.cid)
        p.changeConstraint(k, maxForce=self.LOCK_FORCE, physicsClientId=self.cid)
        return k

    def update(self, driven: bool = True) -> None:
        """After a control step: follow the screw's rotation down the thread; ``driven``: whether
        something (a hand) turns it now."""
        if self.seated:
            return
        if self._hold is not None and driven:
            p.removeConstraint(self._hold, physicsClientId=self.cid)
            self._hold = None
        yaw = self._yaw_of(p.getBasePositionAndOrientation(self.screw, physicsClientId=self.cid)[1])
        d = (yaw - self._yaw + np.pi) % (2 * np.pi) - np.pi
        self._yaw = yaw
        self.turned = max(self.turned - d, 0.0)  # clockwise (−yaw) screws in; it cannot back out past the start
        c = self.center()
        for pin, dz in zip(self._pins, (-self.h, self.h)):
            p.changeConstraint(pin, (c + [0, 0, dz]).tolist(), maxForce=self.PIN_FORCE, physicsClientId=self.cid)
        if self.remaining() <= 0.0:
            self._lock = self._fix(c, yaw)
        elif not driven and self._hold is None:
            self._hold = self._fix(c, yaw)


def ignore_collisions(cid: int, a: int, b: int) -> None:
    """No contacts between two bodies (e.g. a screw's shank and the hole it is threaded into)."""
    p.setCollisionFilterPair(a, b, -1, -1, 0, physicsClientId=cid)
