"""Assisted grasping: a part is attached to a hand when the closing hand touches it.

Rigid holds weld the part to the ee link; pivot holds pin it at the contact point (it hangs and keeps
itself upright). A part held by two hands is pinned by both (two-handed carrying). While held, the
part does not collide with the hand holding it.
"""
from __future__ import annotations

import numpy as np

from humanoid_ground.robots._pybullet import p

from .robot import Robot
from .rotations import mat_to_quat, quat_to_mat

#: how close (m) a closing hand must be to a part to take it
GRASP_DISTANCE = 0.012
#: force limit of the attachment (N)
HOLD_FORCE = 400.0


class GraspManager:
    def __init__(self, robot: Robot, graspables: list[int]):
        self.robot = robot
        self.cid = robot.cid
        self.graspables = list(graspables)
        self.held: dict[str, int | None] = {s: None for s in robot.arms}
        self._constraints: dict[str, int] = {}

    def holder_count(self, body: int) -> int:
        return sum(1 for b in self.held.values() if b == body)

    def update(self) -> None:
        """Attach/release according to each hand's grip command."""
        r = self.robot
        for side, arm in r.arms.items():
            closed = r.grip[side] >= 0.5
            if not closed and self.held[side] is not None:
                self._release(side)
            elif closed and self.held[side] is None:
                body = self._touching(side)
                if body is not None:
                    self._attach(side, body)

    def _touching(self, side: str) -> int | None:
        arm = self.robot.arms[side]
        best, best_d = None, GRASP_DISTANCE
        for body in self.graspables:
            for link in arm.hand_links:
                for c in p.getClosestPoints(self.robot.id, body, GRASP_DISTANCE, linkIndexA=link, physicsClientId=self.cid) or []:
                    if c[8] < best_d:
                        best, best_d = body, c[8]
        return best

    def _attach(self, side: str, body: int) -> None:
        r = self.robot
        arm = r.arms[side]
        two_handed = any(b == body for s, b in self.held.items() if s != side)
        st = p.getLinkState(r.id, arm.ee_link, computeForwardKinematics=1, physicsClientId=self.cid)
        com_p, com_R = np.asarray(st[0]), quat_to_mat(st[1])
        obj_p, obj_q = p.getBasePositionAndOrientation(body, physicsClientId=self.cid)
        obj_p, obj_R = np.asarray(obj_p), quat_to_mat(obj_q)
        if arm.grasp.hold == "pivot" or two_handed:
            if two_handed:  # re-pin the first hand too: two rigid welds would fight
                other = next(s for s, b in self.held.items() if b == body and s != side)
                self._release(other, keep=True)
                self._pin(other, body)
            self._pin(side, body)
        else:
            rel_p = com_R.T @ (obj_p - com_p)
            rel_R = com_R.T @ obj_R
            cid = p.createConstraint(r.id, arm.ee_link, body, -1, p.JOINT_FIXED, [0, 0, 0], rel_p.tolist(), [0, 0, 0],
                                     parentFrameOrientation=mat_to_quat(rel_R).tolist(), physicsClientId=self.cid)
            p.changeConstraint(cid, maxForce=HOLD_FORCE, physicsClientId=self.cid)
            self._constraints[side] = cid
        self.held[side] = body
        for link in arm.hand_links:
            p.setCollisionFilterPair(r.id, body, link, -1, 0, physicsClientId=self.cid)

    def _pin(self, side: str, body: int) -> None:
        """A point-to-point constraint at the hand's TCP."""
        r = self.robot
        arm = r.arms[side]
        st = p.getLinkState(r.id, arm.ee_link, computeForwardKinematics=1, physicsClientId=self.cid)
        com_p, com_R = np.asarray(st[0]), quat_to_mat(st[1])
        tcp_w, _ = r.tcp_world(side)
        obj_p, obj_q = p.getBasePositionAndOrientation(body, physicsClientId=self.cid)
        obj_R = quat_to_mat(obj_q)
        cid = p.createConstraint(r.id, arm.ee_link, body, -1, p.JOINT_POINT2POINT, [0, 0, 0],
                                 (com_R.T @ (tcp_w - com_p)).tolist(), (obj_R.T @ (tcp_w - np.asarray(obj_p))).tolist(),
                                 physicsClientId=self.cid)
        p.changeConstraint(cid, maxForce=HOLD_FORCE, physicsClientId=self.cid)
        self._constraints[side] = cid

    def _release(self, side: str, keep: bool = False) -> None:
        cid = self._constraints.pop(side, None)
        if cid is not None:
            p.removeConstraint(cid, physicsClientId=self.cid)
        body = self.held[side]
        if not keep and body is not None:
            for link in self.robot.arms[side].hand_links:
                p.setCollisionFilterPair(self.robot.id, body, link, -1, 1, physicsClientId=self.cid)
            self.held[side] = None

    def release_all(self) -> None:
        for side in list(self.held):
            if self.held[side] is not None:
                self._release(side)
