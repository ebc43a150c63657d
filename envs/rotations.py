"""Rotation helpers (quaternions are xyzw, as PyBullet uses)."""
from __future__ import annotations

import numpy as np
from numba import njit


def quat_to_mat(q) -> np.ndarray:
    x, y, z, w = q
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


@njit(cache=True)
def quats_to_mats(Q):
    """Rotation matrices (n, 3, 3) of n quaternions xyzw (n, 4), compiled (hot path: every link frame
    the env reads per step)."""
    n = Q.shape[0]
    R = np.empty((n, 3, 3))
    for i in range(n):
        x, y, z, w = Q[i, 0], Q[i, 1], Q[i, 2], Q[i, 3]
        R[i, 0, 0] = 1 - 2 * (y * y + z * z)
        R[i, 0, 1] = 2 * (x * y - z * w)
        R[i, 0, 2] = 2 * (x * z + y * w)
        R[i, 1, 0] = 2 * (x * y + z * w)
        R[i, 1, 1] = 1 - 2 * (x * x + z * z)
        R[i, 1, 2] = 2 * (y * z - x * w)
        R[i, 2, 0] = 2 * (x * z - y * w)
        R[i, 2, 1] = 2 * (y * z + x * w)
        R[i, 2, 2] = 1 - 2 * (x * x + y * y)
    return R


@njit(cache=True)
def _quat_of(R):
    """xyzw quaternion (w ≥ 0) of a rotation matrix, as four numbers (no allocation)."""
    t = R[0, 0] + R[1, 1] + R[2, 2]
    if t > 0:
        s = np.sqrt(t + 1.0) * 2
        x, y, z, w = (R[2, 1] - R[1, 2]) / s, (R[0, 2] - R[2, 0]) / s, (R[1, 0] - R[0, 1]) / s, 0.25 * s
    elif R[0, 0] > R[1, 1] and R[0, 0] > R[2, 2]:
        s = np.sqrt(1.0 + R[0, 0] - R[1, 1] - R[2, 2]) * 2
        x, y, z, w = 0.25 * s, (R[0, 1] + R[1, 0]) / s, (R[0, 2] + R[2, 0]) / s, (R[2, 1] - R[1, 2]) / s
    elif R[1, 1] > R[2, 2]:
        s = np.sqrt(1.0 + R[1, 1] - R[0, 0] - R[2, 2]) * 2
        x, y, z, w = (R[0, 1] + R[1, 0]) / s, 0.25 * s, (R[1, 2] + R[2, 1]) / s, (R[0, 2] - R[2, 0]) / s
    else:
        s = np.sqrt(1.0 + R[2, 2] - R[0, 0] - R[1, 1]) * 2
        x, y, z, w = (R[0, 2] + R[2, 0]) / s, (R[1, 2] + R[2, 1]) / s, 0.25 * s, (R[1, 0] - R[0, 1]) / s
    if w < 0:
        return -x, -y, -z, -w
    return x, y, z, w


@njit(cache=True)
def _mat_to_quat(R):
    q = np.empty(4)
    q[0], q[1], q[2], q[3] = _quat_of(R)
    return q


def mat_to_quat(R) -> np.ndarray:
    """Quaternion xyzw (w ≥ 0) of a rotation matrix (compiled)."""
    return _mat_to_quat(np.asarray(R, dtype=np.float64))


@njit(cache=True)
def _mat_to_rotvec(R):
    c = min(max((R[0, 0] + R[1, 1] + R[2, 2] - 1) / 2, -1.0), 1.0)
    th = np.arccos(c)
    if th < 1e-9:
        return np.zeros(3)
    if np.pi - th < 1e-6:  # 180°: R = 2aaᵀ - I, the axis is the largest column of (R + I) / 2
        i = 0
        for j in range(1, 3):
            if R[j, j] > R[i, i]:
                i = j
        a = np.empty(3)
        for j in range(3):
            a[j] = ((R[j, i] + (1.0 if j == i else 0.0)) / 2) / np.sqrt((R[i, i] + 1) / 2)
        return a * th
    k = th / (2 * np.sin(th))
    return np.array([k * (R[2, 1] - R[1, 2]), k * (R[0, 2] - R[2, 0]), k * (R[1, 0] - R[0, 1])])


def mat_to_rotvec(R) -> np.ndarray:
    """Rotation vector (axis × angle, angle in [0, π]) of a rotation matrix (compiled)."""
    return _mat_to_rotvec(np.asarray(R, dtype=np.float64))
