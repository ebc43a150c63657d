"""Whether an arm can work at a bench position without pressing into its own body or the bench.

Reachability (:mod:`.workspace`) is position-only kinematic IK: it finds *some* arm pose that puts the TCP
there. The ``ee_delta`` controller does not pick any pose: it walks there from the default pose with its
own differential IK, holding the TCP's orientation. On short or low-mounted arms that walk can end with
the upper arm pressed into the chest or an elbow resting on the bench: the TCP then stops centimetres
short of the target and the scene cell is unusable, whatever a policy does.

:class:`ClearanceProbe` replays the controller's own compiled step (:func:`.kernels.ik_step`) on the
kinematic chain, from the default pose, toward a target at the default TCP orientation (what the scripted
experts hold while carrying), and checks the pose it settles in in a PyBullet client of its own (the env's
simulation is never touched):

- every link of the arm stays clear of the rest of the body (pairs the model filters, parent/child links
  and pairs already touching in the default pose are not counted);
- the arm's links above the hand stay clear of the bench.

How close the replay's TCP comes to the target is not a criterion: on arms that hold the orientation with
few spare joints the replay can stop a few centimetres short where the experts still succeed (the arm's
dynamics and the experts' re-planned goals get them there); what makes a cell unusable is an arm pressed
into something.
"""
from __future__ import annotations

import numpy as np

from humanoid_ground.robots._pybullet import new_client, p
from humanoid_ground.robots.body import RobotBody

from . import kernels
from .robot import IK_PARAMS, MAX_DPOS, MAX_DROT, Robot
from .rotations import mat_to_rotvec

#: penetration (m) below which two links count as touching (PyBullet's contact margin is ~1 mm)
CONTACT = -0.002
#: controller steps the replay may take (the experts' reach steps allow ~60)
MAX_STEPS = 120


class ClearanceProbe:
    """A kinematic replay of the ``ee_delta`` controller plus a collision check, for one robot."""

    def __init__(self, robot: Robot):
        self.robot = robot
        self.cid = new_client()
        b = robot.body
        self.body = RobotBody(robot.asset, self.cid, base_pos=tuple(robot.base_pos), base_orn=tuple(robot.base_orn),
                              fixed_base=True)
        self.id = self.body.id
        self.q_default = b.default_q.copy()
        from .workspace import _base_T

        self.T_base = _base_T(robot)
        n = p.getNumJoints(self.id, physicsClientId=self.cid)
        parent = {j: p.getJointInfo(self.id, j, physicsClientId=self.cid)[16] for j in range(n)}
        idx = self.body.link_index
        skip = {frozenset((idx[a], idx[c])) for a, c in robot.asset.filter_pairs if a in idx and c in idx}
        skip |= {frozenset((j, parent[j])) for j in range(n)}
        self.links = list(range(-1, n))
        self.arm_links = {s: set(robot.arm_links(s)) for s in robot.arms}
        self.hand_links = {s: set(a.hand_links) for s, a in robot.arms.items()}
        # pairs touching in the default pose are how the model is built (a shoulder inside the torso's hull)
        self.body.reset_pose(self.q_default)
        for s, arm_set in self.arm_links.items():
            for a in arm_set:
                for o in self.links:
                    if o not in arm_set and frozenset((a, o)) not in skip and self._depth(a, o) < 0.001:
                        skip.add(frozenset((a, o)))
        self.skip = skip
        self.bench = None
        # per arm: where each arm joint sits in its kinematic chain (the rows of fk_chain's frames)
        self._rows = {s: [[j.name for j in a.chain].index(b.joint_names[c]) for c in a.cols] for s, a in robot.arms.items()}

    def close(self) -> None:
        try:
            p.disconnect(physicsClientId=self.cid)
        except p.error:  # pragma: no cover
            pass

    def _depth(self, a: int, b: int, distance: float = 0.01) -> float:
        pts = p.getClosestPoints(self.id, self.id, distance, linkIndexA=a, linkIndexB=b, physicsClientId=self.cid)
        return min((c[8] for c in pts), default=distance)

    # --- the controller, replayed ----------------------------------------------------------------------------
    def _frames(self, arm, q: np.ndarray):
        """Link frames (R, P) of the arm's joints and the TCP's world position and rotation at ``q``."""
        Ts = self.robot.kin.fk_chain(arm.chain, q, self.T_base)
        rows = self._rows[arm.side]
        R = np.ascontiguousarray(np.stack([Ts[i][:3, :3] for i in rows]))
        P = np.ascontiguousarray(np.stack([Ts[i][:3, 3] for i in rows]))
        T = Ts[-1]
        return R, P, T[:3, :3] @ arm.tcp_link + T[:3, 3], T[:3, :3] @ arm.R_tcp

    def settle(self, side: str, target: np.ndarray) -> tuple[np.ndarray, float]:
        """The joint pose the ``ee_delta`` controller reaches, from the default pose, servoing the TCP to
        ``target`` (world) at its default orientation (the scripted experts' gains and step limits), and
        the TCP's remaining distance to the target."""
        arm = self.robot.arms[side]
        q = self.q_default.copy()
        c = arm.cols
        lim = np.ascontiguousarray(np.stack([arm.lo, arm.hi, arm.mid, arm.half], axis=1))
        R_goal = self._frames(arm, q)[3]
        err = np.inf
        for _ in range(MAX_STEPS):
            R, P, tcp, R_tcp = self._frames(arm, q)
            e = np.asarray(target, dtype=float) - tcp
            err = float(np.linalg.norm(e))
            if err < 0.002:
                break
            e_p = np.clip(e, -MAX_DPOS, MAX_DPOS)
            e_r = np.clip(0.7 * mat_to_rotvec(R_goal @ R_tcp.T), -MAX_DROT, MAX_DROT)
            q_new = q.copy()
            # perfect tracking: the joints reach their targets each step (the real arm lags, then catches up)
            q_new[c] = kernels.ik_step(R, P, arm.axes, arm.prismatic, tcp, e_p, e_r, q[c], q[c], lim, IK_PARAMS)
            if np.allclose(q_new[c], q[c], atol=1e-7):
                break
            q = q_new
        return q, err

    # --- the collision check ---------------------------------------------------------------------------------
    def set_bench(self, top: float, x: tuple[float, float], y: tuple[float, float]) -> None:
        half = [(x[1] - x[0]) / 2, (y[1] - y[0]) / 2, 0.05]
        pos = [(x[0] + x[1]) / 2, (y[0] + y[1]) / 2, top - 0.05]
        if self.bench is None:
            shape = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=self.cid)
            self.bench = (p.createMultiBody(0, shape, basePosition=pos, physicsClientId=self.cid), half)
        elif self.bench[1] != half:
            p.removeBody(self.bench[0], physicsClientId=self.cid)
            self.bench = None
            self.set_bench(top, x, y)
        else:
            p.resetBasePositionAndOrientation(self.bench[0], pos, (0, 0, 0, 1), physicsClientId=self.cid)

    def bench_free(self) -> bool:
        """Whether, in the default pose, no arm link above a hand is inside the bench (an elbow hanging
        over the bench's area lower than its top)."""
        self.body.reset_pose(self.q_default)
        return not any(c[8] < CONTACT for s in self.arm_links for a in self.arm_links[s] - self.hand_links[s]
                       for c in p.getClosestPoints(self.id, self.bench[0], 0.0, linkIndexA=a, physicsClientId=self.cid))

    def clear(self, side: str, q: np.ndarray) -> bool:
        """Whether, at joint pose ``q``, the arm stays clear of the rest of the body and its links above the
        hand stay clear of the bench (:meth:`set_bench`)."""
        self.body.reset_pose(q)
        arm_set = self.arm_links[side]
        for a in arm_set:
            for o in self.links:
                if o not in arm_set and frozenset((a, o)) not in self.skip and self._depth(a, o, 0.0) < CONTACT:
                    return False
        if self.bench is not None:
            for a in arm_set - self.hand_links[side]:
                pts = p.getClosestPoints(self.id, self.bench[0], 0.0, linkIndexA=a, physicsClientId=self.cid)
                if any(c[8] < CONTACT for c in pts):
                    return False
        return True

    def works_at(self, side: str, target: np.ndarray) -> bool:
        """The controller, walking to ``target`` from the default pose, stays clear of body and bench."""
        return self.clear(side, self.settle(side, target)[0])
