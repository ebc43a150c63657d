"""Forward kinematics and Jacobians from the processed URDF (numpy, exact, no PyBullet state touched).

PyBullet's own ``calculateJacobian`` and joint-axis queries use its internal centre-of-mass link
frames, which makes them easy to misuse; the URDF chain is the ground truth and is cheap to evaluate.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from humanoid_ground.robots.geometry import rpy_to_matrix


@dataclass
class _J:
    name: str
    parent: str
    child: str
    type: str
    origin: np.ndarray  # 4x4
    axis: np.ndarray


def _axis_rot(axis: np.ndarray, q: float) -> np.ndarray:
    x, y, z = axis
    c, s = np.cos(q), np.sin(q)
    C = 1 - c
    return np.array([[c + x * x * C, x * y * C - z * s, x * z * C + y * s],
                     [y * x * C + z * s, c + y * y * C, y * z * C - x * s],
                     [z * x * C - y * s, z * y * C + x * s, c + z * z * C]])


class Kinematics:
    """The URDF tree of one robot.

    :param urdf: processed URDF path.
    :param joint_cols: movable joint name -> column in the env's joint vector.
    """

    def __init__(self, urdf: Path, joint_cols: dict[str, int]):
        root = ET.parse(urdf).getroot()
        self.by_child: dict[str, _J] = {}
        for j in root.findall("joint"):
            o = j.find("origin")
            xyz = np.array([float(v) for v in (o.get("xyz", "0 0 0") if o is not None else "0 0 0").split()])
            rpy = np.array([float(v) for v in (o.get("rpy", "0 0 0") if o is not None else "0 0 0").split()])
            T = np.eye(4)
            T[:3, :3] = rpy_to_matrix(rpy)
            T[:3, 3] = xyz
            ax = j.find("axis")
            axis = np.array([float(v) for v in ax.get("xyz").split()]) if ax is not None else np.array([1.0, 0, 0])
            n = np.linalg.norm(axis)
            self.by_child[j.find("child").get("link")] = _J(j.get("name"), j.find("parent").get("link"),
                                                           j.find("child").get("link"), j.get("type"), T, axis / (n or 1.0))
        self.cols = joint_cols
        self._plans: dict = {}

    def chain(self, link: str) -> list[_J]:
        out = []
        while link in self.by_child:
            j = self.by_child[link]
            out.append(j)
            link = j.parent
        return out[::-1]

    def fk_chain(self, chain: list[_J], q: np.ndarray, T_base: np.ndarray) -> list[np.ndarray]:
        """World transform of each joint frame (= child link frame) along the chain."""
        T = T_base
        out = []
        for j in chain:
            T = T @ j.origin
            if j.type in ("revolute", "continuous"):
                T = T.copy()
                T[:3, :3] = T[:3, :3] @ _axis_rot(j.axis, q[self.cols[j.name]])
            elif j.type == "prismatic":
                T = T.copy()
                T[:3, 3] = T[:3, 3] + T[:3, :3] @ (j.axis * q[self.cols[j.name]])
            out.append(T)
        return out

    def jacobian(self, chain: list[_J], q: np.ndarray, T_base: np.ndarray, point_local: np.ndarray,
                 cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """6×len(cols) world Jacobian of a point fixed in the chain's last link, plus that link's
        world position of the point and rotation. (Hot path: one call per arm per control step.)"""
        Ts = self.fk_chain(chain, q, T_base)
        T_end = Ts[-1]
        pt = T_end[:3, :3] @ point_local + T_end[:3, 3]
        key = (id(chain), tuple(cols.tolist()))
        plan = self._plans.get(key)
        if plan is None:  # which chain entries drive which Jacobian column
            where = {c: k for k, c in enumerate(cols.tolist())}
            plan = [(i, where[self.cols[j.name]], j.type == "prismatic") for i, j in enumerate(chain)
                    if self.cols.get(j.name) in where]
            self._plans[key] = plan
        J = np.zeros((6, len(cols)))
        if not plan:
            return J, pt, T_end[:3, :3]
        idx = [i for i, _, _ in plan]
        A = np.array([Ts[i][:3, :3] @ chain[i].axis for i in idx])  # joint axes (world)
        D = pt - np.array([Ts[i][:3, 3] for i in idx])  # lever arms
        lin = np.empty_like(A)
        lin[:, 0] = A[:, 1] * D[:, 2] - A[:, 2] * D[:, 1]
        lin[:, 1] = A[:, 2] * D[:, 0] - A[:, 0] * D[:, 2]
        lin[:, 2] = A[:, 0] * D[:, 1] - A[:, 1] * D[:, 0]
        for r, (_, k, prismatic) in enumerate(plan):
            if prismatic:
                J[:3, k] = A[r]
            else:
                J[:3, k] = lin[r]
                J[3:, k] = A[r]
        return J, pt, T_end[:3, :3]
