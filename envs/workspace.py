"""Where a robot can work, derived from its card and kinematics alone, so scenes adapt to any robot.

All positions are in the world frame with the robot standing at the origin facing +x in its default
pose (its torso frame is then world-aligned).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from humanoid_ground.robots._pybullet import p

from .robot import Robot


@dataclass
class Workspace:
    torso: np.ndarray  # torso origin
    tcp: dict[str, np.ndarray]  # default TCP positions
    shoulder: dict[str, np.ndarray]
    reach: dict[str, float]
    center: np.ndarray  # between the hands in the default pose
    scale: float  # object size / distance scale (1.0 = a 1.7 m adult-size humanoid)
    bench_top: float  # z of the bench surface
    bench_x: tuple[float, float]  # bench extent along x
    bench_y: tuple[float, float]
    camera: np.ndarray  # default camera position

    @classmethod
    def from_robot(cls, robot: Robot) -> "Workspace":
        tp, _ = robot.torso_pose()
        tcp, sh, reach = {}, {}, {}
        for side, arm in robot.arms.items():
            tcp[side] = robot.tcp_world(side)[0].copy()
            first = int(robot.body.q_index[arm.cols[0]])
            pts = [np.asarray(s[4]) for s in p.getLinkStates(robot.id, [int(robot.body.q_index[c]) for c in arm.cols],
                                                             computeForwardKinematics=1, physicsClientId=robot.cid)] + [tcp[side]]
            sh[side] = np.asarray(p.getLinkState(robot.id, first, computeForwardKinematics=1, physicsClientId=robot.cid)[4])
            reach[side] = float(sum(np.linalg.norm(pts[i + 1] - pts[i]) for i in range(len(pts) - 1)))
        if tcp:
            center = np.mean(list(tcp.values()), axis=0)
            r = float(np.mean(list(reach.values())))
        else:  # no arms: a nominal point in front of the torso
            center = tp + np.array([0.3, 0.0, -0.2])
            r = 0.6
        scale = float(np.clip(r / 0.7, 0.3, 1.3))
        bench_top = float(center[2] - 0.10 * scale)
        x0 = float(max(tp[0] + 0.12 * scale, center[0] - 0.22 * scale))
        return cls(torso=tp.copy(), tcp=tcp, shoulder=sh, reach=reach, center=center.copy(), scale=scale,
                   bench_top=bench_top, bench_x=(x0, float(center[0] + 0.35 * scale)),
                   bench_y=(float(center[1] - 0.6 * scale), float(center[1] + 0.6 * scale)),
                   camera=robot.camera_pose()[0].copy())

    def side_center(self, side: str) -> np.ndarray:
        """A point on the bench surface in front of one hand."""
        c = self.tcp.get(side, self.center).copy()
        c[2] = self.bench_top
        return c
