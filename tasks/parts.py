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
