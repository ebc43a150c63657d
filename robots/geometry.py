"""Small rigid-transform helpers (URDF rpy convention: R = Rz(yaw) @ Ry(pitch) @ Rx(roll))."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np


def rpy_to_matrix(rpy) -> np.ndarray:
    r, p_, y = (float(x) for x in rpy)
    cr, sr, cp, sp, cy, sy = np.cos(r), np.sin(r), np.cos(p_), np.sin(p_), np.cos(y), np.sin(y)
    return np.array(
        [
            [cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr],
            [sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr],
            [-sp, cp * sr, cp * cr],
        ]
    )


def matrix_to_rpy(R: np.ndarray) -> np.ndarray:
    sp = -R[2, 0]
    if abs(sp) < 1 - 1e-9:
        pitch = np.arcsin(sp)
        roll = np.arctan2(R[2, 1], R[2, 2])
        yaw = np.arctan2(R[1, 0], R[0, 0])
    else:  # gimbal lock
        pitch = np.pi / 2 * np.sign(sp)
        roll = 0.0
        yaw = np.arctan2(-R[0, 1], R[1, 1])
    return np.array([roll, pitch, yaw])


def quat_wxyz_to_matrix(q) -> np.ndarray:
    w, x, y, z = (float(v) for v in q)
    n = w * w + x * x + y * y + z * z
    if n < 1e-12:
        return np.eye(3)
    s = 2.0 / n
    return np.array(
        [
            [1 - s * (y * y + z * z), s * (x * y - z * w), s * (x * z + y * w)],
            [s * (x * y + z * w), 1 - s * (x * x + z * z), s * (y * z - x * w)],
            [s * (x * z - y * w), s * (y * z + x * w), 1 - s * (x * x + y * y)],
        ]
    )


def make_T(xyz=(0, 0, 0), R=None) -> np.ndarray:
    T = np.eye(4)
    T[:3, 3] = np.asarray(xyz, dtype=float)
    if R is not None:
        T[:3, :3] = R
    return T


def fmt(v) -> str:
    return " ".join(f"{float(x):.9g}" for x in v)


# --- URDF <origin> elements ----------------------------------------------------------------------------
def _floats(text: str | None, n: int, default: float = 0.0) -> np.ndarray:
    if text is None:
        return np.full(n, default)
    vals = [float(x) for x in text.split()]
    if len(vals) != n:
        raise ValueError(f"expected {n} numbers, got '{text}'")
    return np.array(vals)


def origin_T(el: ET.Element | None) -> np.ndarray:
    o = el.find("origin") if el is not None else None
    if o is None:
        return np.eye(4)
    return make_T(_floats(o.get("xyz"), 3), rpy_to_matrix(_floats(o.get("rpy"), 3)))


def set_origin(el: ET.Element, T: np.ndarray) -> None:
    o = el.find("origin")
    if o is None:
        o = ET.Element("origin")
        el.insert(0, o)
    o.set("xyz", fmt(T[:3, 3]))
    o.set("rpy", fmt(matrix_to_rpy(T[:3, :3])))
