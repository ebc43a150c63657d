"""Assisted grasping: a part is attached to a hand when the closing hand touches it.

Rigid holds weld the part to the ee link. Gimbal holds weld it at the grasp point but re-aim the weld
every control step so the part keeps the world orientation it had when taken (an ideal passive
wrist). When a second hand takes a part that is already held, it pins its grasp point (a point
contact): the first hand's hold keeps the orientation, two welds would fight. While held, the part
does not collide with the arm holding it.
"""
from __future__ import annotations

import numpy as np

from humanoid_ground.robots._pybullet import p

from .robot import SIDES, Robot
from .rotations import mat_to_quat, quat_to_mat

#: how close (m) a closing hand must be to a part to take it
GRASP_DISTANCE = 0.012
#: how close (m) the TCP must be to a part's bounding box to take it
TCP_DISTANCE = 0.01
#: force limit of the attachment (N)
HOLD_FORCE = 400.0


class GraspManager:
    def __init__(self, robot: Robot, graspables: list[int]):
        self.robot = robot
        self.cid = robot.cid
        self.graspables = list(graspables)
        self.held: dict[str, int | None] = {s: None for s in robot.arms}
        self._constraints: dict[str, int] = {}
        self._gimbal: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        # (link, body) pairs whose collision comes back once they no longer overlap (after a release)
        self._pending: set[tuple[int, int]] = set()

    def holder_count(self, body: int) -> int:
        return sum(1 for b in self.held.values() if b == body)

    def update(self) -> None:
        """Attach/release according to each hand's grip command."""
        r = self.robot
        if self._pending:
            self._restore_collisions()
        grips = r.grips.tolist()
        for side, arm in r.arms.items():
            closed = grips[SIDES.index(side)] >= 0.5
            if not closed and self.held[side] is not None:
                self._release(side)
            elif closed and self.held[side] is None:
                body = self._touching(side)
                if body is not None:
                    self._attach(side, body)
            elif side in self._gimbal and side in self._constraints:
                R_world, pivot = self._gimbal[side]
                com_R = quat_to_mat(p.getLinkState(r.id, arm.ee_link, physicsClientId=self.cid)[1])
                p.changeConstraint(self._constraints[side], jointChildPivot=pivot.tolist(),
                                   jointChildFrameOrientation=mat_to_quat(R_world.T @ com_R).tolist(), maxForce=HOLD_FORCE,
                                   physicsClientId=self.cid)

    def _arm_links(self, side: str) -> list[int]:
        """The holding arm's links and its hand: a held part does not collide with them."""
        return self.robot.arm_links(side)

    def _touching(self, side: str) -> int | None:
        """The graspable part nearest to the hand: a hand link within GRASP_DISTANCE of it, or the TCP
        within TCP_DISTANCE of its bounding box."""
        arm = self.robot.arms[side]
        best, best_d = None, GRASP_DISTANCE
        tcp = self.robot.tcp_world(side)[0]
        for body in self.graspables:
            lo, hi = p.getAABB(body, physicsClientId=self.cid)
            d = float(np.linalg.norm(np.maximum(0.0, np.maximum(np.asarray(lo) - tcp, tcp - np.asarray(hi)))))
            if d < min(best_d, TCP_DISTANCE):
                best, best_d = body, d
            hand = arm.hand_set
            for c in p.getClosestPoints(self.robot.id, body, GRASP_DISTANCE, physicsClientId=self.cid) or []:
                if c[3] in hand and c[8] < best_d:
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
        if two_handed:
            # the first hand's hold becomes a gimbal (the part keeps its world orientation, so the two
            # hands cannot twist it between them); the second hand pins its grasp point
            other = next(s for s, b in self.held.items() if b == body and s != side)
            self._release(other, keep=True)
            self._gimbal_weld(other, body)
            self._pin(side, body)
        elif arm.grasp.hold == "gimbal":
            self._gimbal_weld(side, body)
        else:
            rel_p = com_R.T @ (obj_p - com_p)
            rel_R = com_R.T @ obj_R
            cid = p.createConstraint(r.id, arm.ee_link, body, -1, p.JOINT_FIXED, [0, 0, 0], rel_p.tolist(), [0, 0, 0],
                                     parentFrameOrientation=mat_to_quat(rel_R).tolist(), physicsClientId=self.cid)
            p.changeConstraint(cid, maxForce=HOLD_FORCE, physicsClientId=self.cid)
            self._constraints[side] = cid
        self.held[side] = body
        for link in self._arm_links(side):
            p.setCollisionFilterPair(r.id, body, link, -1, 0, physicsClientId=self.cid)

    def _gimbal_weld(self, side: str, body: int) -> None:
        """Weld at the TCP, re-aimed every step (update) so the part keeps its current world orientation."""
        r = self.robot
        arm = r.arms[side]
        st = p.getLinkState(r.id, arm.ee_link, computeForwardKinematics=1, physicsClientId=self.cid)
        com_p, com_R = np.asarray(st[0]), quat_to_mat(st[1])
        obj_p, obj_q = p.getBasePositionAndOrientation(body, physicsClientId=self.cid)
        obj_p, obj_R = np.asarray(obj_p), quat_to_mat(obj_q)
        tcp_w, _ = r.tcp_world(side)
        child_pivot = obj_R.T @ (tcp_w - obj_p)
        cid = p.createConstraint(r.id, arm.ee_link, body, -1, p.JOINT_FIXED, [0, 0, 0], (com_R.T @ (tcp_w - com_p)).tolist(),
                                 child_pivot.tolist(), childFrameOrientation=mat_to_quat(obj_R.T @ com_R).tolist(),
                                 physicsClientId=self.cid)
        p.changeConstraint(cid, maxForce=HOLD_FORCE, physicsClientId=self.cid)
        self._constraints[side] = cid
        self._gimbal[side] = (obj_R.copy(), child_pivot)

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
        self._gimbal.pop(side, None)
        cid = self._constraints.pop(side, None)
        if cid is not None:
            p.removeConstraint(cid, physicsClientId=self.cid)
        body = self.held[side]
        if not keep and body is not None:
            # fingers closed inside the part while it was held: collisions come back link by link, once
            # each link is clear of it (re-enabling them while overlapping would fling the part away)
            self._pending |= {(link, body) for link in self._arm_links(side)}
            self.held[side] = None
            self._restore_collisions()

    def _restore_collisions(self) -> None:
        held = set(b for b in self.held.values() if b is not None)
        for link, body in list(self._pending):
            if body in held:
                continue
            if not p.getClosestPoints(self.robot.id, body, 0.002, linkIndexA=link, physicsClientId=self.cid):
                p.setCollisionFilterPair(self.robot.id, body, link, -1, 1, physicsClientId=self.cid)
                self._pending.discard((link, body))

    def release_all(self) -> None:
        """Drop everything and restore every collision pair (used at reset, when parts are re-placed)."""
        for side in list(self.held):
            if self.held[side] is not None:
                self._release(side)
        for link, body in self._pending:
            p.setCollisionFilterPair(self.robot.id, body, link, -1, 1, physicsClientId=self.cid)
        self._pending.clear()
