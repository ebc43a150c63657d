"""A robot asset spawned in a PyBullet client: name -> index maps, self-collision filter, PD drive.

Joint drive: PyBullet's implicit position motor (stable at any time step, even for 20 g finger
links) with the torque capped at the joint's effort limit. The card's physical PD gains set the
motor's behaviour in the inertia-free limit of PD control: the motor tracks the joint velocity
``(kp / kd) * error``, i.e. PyBullet ``positionGain = dt * kp / kd`` and ``velocityGain = 1``.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from humanoid_ground.errors import HGroundError

from ._pybullet import p, quiet_stdout

if TYPE_CHECKING:
    from .asset import JointInfo, RobotAsset
    from .card import RobotCard

LOAD_FLAGS = p.URDF_USE_INERTIA_FROM_FILE | p.URDF_USE_SELF_COLLISION | p.URDF_MAINTAIN_LINK_ORDER


def _load(urdf: Path, cid: int, pos, orn, fixed: bool, log: list[str] | None = None) -> int:
    with quiet_stdout(log):
        body = p.loadURDF(str(urdf), basePosition=list(pos), baseOrientation=list(orn), useFixedBase=fixed,
                          flags=LOAD_FLAGS, physicsClientId=cid)
    if body < 0:
        raise HGroundError(f"{urdf}: PyBullet could not load the processed URDF; run 'hground robots check' for details")
    return body


def _index_maps(body: int, cid: int, root_link: str) -> tuple[dict[str, int], dict[str, int]]:
    joints, links = {}, {root_link: -1}
    for i in range(p.getNumJoints(body, physicsClientId=cid)):
        info = p.getJointInfo(body, i, physicsClientId=cid)
        joints[info[1].decode()] = i
        links[info[12].decode()] = i
    return joints, links


def _rigid_groups(joints: Iterable["JointInfo"], root_link: str) -> dict[str, str]:
    """Map each link to the link that heads its rigid group (links welded by fixed joints share one)."""
    parent = {j.child: (j.parent, j.type) for j in joints}
    group: dict[str, str] = {}

    def head(link: str) -> str:
        if link in group:
            return group[link]
        cur = link
        while cur in parent and parent[cur][1] == "fixed":
            cur = parent[cur][0]
        group[link] = cur
        return cur

    for lk in list(parent) + [root_link]:
        head(lk)
    return group


def adjacent_pairs(joints: Sequence["JointInfo"], root_link: str, hops: int = 2) -> set[frozenset[str]]:
    """Pairs of links at most ``hops`` movable joints apart (links welded by fixed joints count as one).

    Two hops, not one: wrists are often built from nearly massless links between two joints, and the
    hand then overlaps the forearm two joints up as soon as the wrist turns.
    """
    group = _rigid_groups(joints, root_link)
    members: dict[str, list[str]] = {}
    for lk, g in group.items():
        members.setdefault(g, []).append(lk)
    nbrs: dict[str, set[str]] = {g: set() for g in members}
    for j in joints:
        if j.type == "fixed":
            continue
        ga, gb = group[j.parent], group[j.child]
        nbrs[ga].add(gb)
        nbrs[gb].add(ga)
    pairs: set[frozenset[str]] = set()
    for g in members:
        near, frontier = {g}, {g}
        for _ in range(hops):
            frontier = {n for f in frontier for n in nbrs[f]} - near
            near |= frontier
        for h in near:
            for a in members[g]:
                for b in members[h]:
                    if a != b:
                        pairs.add(frozenset((a, b)))
    return pairs


def compute_collision_filter(urdf: Path, card: "RobotCard", joints: Sequence["JointInfo"], root_link: str,
                             margin: float = 0.002) -> list[list[str]]:
    """Link pairs to exclude from self-collision: adjacent links, plus pairs touching in the default pose."""
    from ._pybullet import new_client

    cid = new_client()
    try:
        body = _load(urdf, cid, (0, 0, 2.0), (0, 0, 0, 1), True)
        jmap, lmap = _index_maps(body, cid, root_link)
        for name, q in card.default_pose.items():
            if name in jmap:
                p.resetJointState(body, jmap[name], q, physicsClientId=cid)
        pairs = adjacent_pairs(joints, root_link)
        names = {v: k for k, v in lmap.items()}
        p.performCollisionDetection(physicsClientId=cid)
        for c in p.getClosestPoints(body, body, margin, physicsClientId=cid) or []:
            a, b = names.get(c[3]), names.get(c[4])
            if a and b and a != b:
                pairs.add(frozenset((a, b)))
        return sorted(sorted(pr) for pr in pairs)
    finally:
        p.disconnect(physicsClientId=cid)


@functools.lru_cache(maxsize=16)
def _link_order(urdf: Path) -> dict[str, int]:
    """Each link's place in the URDF (PyBullet's link order under ``URDF_MAINTAIN_LINK_ORDER``)."""
    import xml.etree.ElementTree as ET

    return {lk.get("name"): k for k, lk in enumerate(ET.parse(urdf).getroot().findall("link"))}


def _survivor(up: dict[str, str], link: str, present: dict[str, int]) -> str:
    """The link that holds ``link``'s geometry in a folded model: itself, or the nearest ancestor left
    (``up``: each link's parent link)."""
    while link not in present and link in up:
        link = up[link]
    return link


def _default_position(card: "RobotCard", j: "JointInfo") -> float:
    """A joint's default position: the card's default pose within the joint's limits."""
    lo = j.lower if j.lower is not None else -np.pi
    hi = j.upper if j.upper is not None else np.pi
    return float(np.clip(card.default_pose.get(j.name, 0.0), lo, hi))


@dataclass
class JointDrive:
    index: np.ndarray  # pybullet joint indices of the movable joints, in asset order
    position_gain: np.ndarray
    velocity_gain: np.ndarray
    force: np.ndarray


class RobotBody:
    """One robot in one PyBullet client.

    :param asset: the processed robot.
    :param cid: PyBullet client id.
    :param base_pos: base position (m); the default stands the robot at its ``standing_height``.
    :param fixed_base: hold the base in place (bench work) instead of a floating base.
    :param dt: physics time step, used to map the card's PD gains to PyBullet's motor.
    :param weld: movable joints to weld at their default positions (:mod:`.weld`; fixed base only). They
        stay in :attr:`joint_names` and read as their default position with zero velocity.
    :param fold: also fold every welded branch with nothing else movable in it (a leg) into the link it
        hangs from (:func:`.weld.welded_urdf`'s ``merge``): fewer links for PyBullet. The links a card names
        survive; a folded link's collision-filter pairs move to the link that now holds its geometry.
    """

    def __init__(self, asset: "RobotAsset", cid: int, base_pos=None, base_orn=(0, 0, 0, 1),
                 fixed_base: bool = True, dt: float = 0.002, weld: Sequence[str] = (), fold: bool = False):
        self.asset, self.card, self.cid = asset, asset.card, cid
        if base_pos is None:
            base_pos = (0.0, 0.0, self.card.standing_height)
        self.load_log: list[str] = []
        urdf = asset.urdf_path
        if weld:
            if not fixed_base:
                raise HGroundError(f"robot '{self.card.name}': joints can only be welded on a fixed base (base=fixed)")
            from .weld import welded_urdf

            by_name = {j.name: j for j in asset.movable_joints}
            unknown = sorted(set(weld) - set(by_name))
            if unknown:
                raise HGroundError(f"robot '{self.card.name}': cannot weld {unknown}: not movable joints of the model")
            urdf = welded_urdf(asset, {n: _default_position(self.card, by_name[n]) for n in weld}, merge=fold)
        self.urdf_path = urdf  #: the model loaded (the asset's, or its welded variant)
        self.id = _load(urdf, cid, base_pos, base_orn, fixed_base, self.load_log)
        self.fixed_base = fixed_base
        # PyBullet's "base pose" is the root link's inertial (COM) frame, not its URDF frame: keep the offset
        dyn = p.getDynamicsInfo(self.id, -1, physicsClientId=cid)
        self._inertial = (list(dyn[3]), list(dyn[4]))
        self._inertial_inv = p.invertTransform(*self._inertial)
        self.joint_index, self.link_index = _index_maps(self.id, cid, asset.root_link)
        # movable joints in PyBullet's index order (the order of calculateJacobian's columns); welded joints
        # are fixed joints of the welded model, in the same places; folded ones are gone from it and keep
        # the place their child link has in the URDF (PyBullet's order under URDF_MAINTAIN_LINK_ORDER), so
        # the joint order is always the unwelded body's
        self.folded = not all(j.name in self.joint_index for j in asset.movable_joints)  #: some links folded away
        if self.folded:
            order = _link_order(Path(asset.urdf_path))
            mov = sorted(asset.movable_joints, key=lambda j: order[j.child])
        else:
            mov = sorted(asset.movable_joints, key=lambda j: self.joint_index[j.name])
        self.joint_names = [j.name for j in mov]
        self.q_index = np.array([self.joint_index.get(n, -1) for n in self.joint_names], dtype=int)  # -1: folded away
        self.lower = np.array([j.lower if j.lower is not None else -np.pi for j in mov])
        self.upper = np.array([j.upper if j.upper is not None else np.pi for j in mov])
        self.default_q = np.array([_default_position(self.card, j) for j in mov])
        #: which of :attr:`joint_names` are welded (:mod:`.weld`), and the PyBullet indices of the others
        self.welded = np.array([n in set(weld) for n in self.joint_names], dtype=bool)
        self.live_index = self.q_index[~self.welded]
        self.live_mask = ~self.welded if self.welded.any() else None  #: None: every joint is live (no mask per step)
        up = {j.child: j.parent for j in asset.joints}
        for a, b in asset.filter_pairs:
            if self.folded:  # a folded link's geometry now lives on the link it was folded into
                a, b = _survivor(up, a, self.link_index), _survivor(up, b, self.link_index)
            if a != b and a in self.link_index and b in self.link_index:
                p.setCollisionFilterPair(self.id, self.id, self.link_index[a], self.link_index[b], 0, physicsClientId=cid)
        kp_kd = np.array([self.card.pd.gains(n) for n in self.joint_names]).reshape(-1, 2)
        effort = np.array([max(j.effort, 1e-3) for j in mov])
        live = ~self.welded
        self.drive = JointDrive(
            index=self.live_index,
            position_gain=np.clip(dt * kp_kd[live, 0] / kp_kd[live, 1], 1e-4, 1.0),
            velocity_gain=np.ones(int(live.sum())),
            force=effort[live],
        )
        # PyBullet's default velocity motors would fight torque control: switch them off first
        p.setJointMotorControlArray(self.id, self.live_index.tolist(), p.VELOCITY_CONTROL, forces=[0.0] * int(live.sum()),
                                    physicsClientId=cid)
        self.reset_pose(self.default_q)

    @property
    def dof(self) -> int:
        return len(self.joint_names)

    def reset_pose(self, q: np.ndarray, base_pos=None, base_orn=None) -> None:
        """Teleport joints (zero velocity) and optionally the base; targets follow. Welded joints stay at
        their default position."""
        for i, qi, w in zip(self.q_index.tolist(), np.asarray(q, dtype=float).tolist(), self.welded.tolist()):
            if not w:
                p.resetJointState(self.id, i, qi, 0.0, physicsClientId=self.cid)
        if base_pos is not None:
            self.set_base_pose(base_pos, base_orn or (0, 0, 0, 1))
        self.set_targets(q)

    def set_targets(self, q: np.ndarray) -> None:
        """Command joint position targets for every movable joint (asset order; welded joints' are ignored)."""
        q = np.asarray(q, dtype=float)
        p.setJointMotorControlArray(self.id, targetPositions=(q if self.live_mask is None else q[self.live_mask]).tolist(),
                                    **self.motor_args())

    def motor_args(self) -> dict:
        """The constant arguments of the per-step motor command (built once: the hot path only adds
        the targets)."""
        if getattr(self, "_motor_args", None) is None:
            d = self.drive
            self._motor_args = dict(jointIndices=d.index.tolist(), controlMode=p.POSITION_CONTROL,
                                    targetVelocities=[0.0] * len(d.index), forces=d.force.tolist(),
                                    positionGains=d.position_gain.tolist(), velocityGains=d.velocity_gain.tolist(),
                                    physicsClientId=self.cid)
        return self._motor_args

    def joint_state(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions and velocities of every movable joint (asset order; welded ones: default, 0)."""
        st = p.getJointStates(self.id, self.live_index.tolist(), physicsClientId=self.cid)
        q, qd = self.default_q.copy(), np.zeros(self.dof)
        q[~self.welded] = [s[0] for s in st]
        qd[~self.welded] = [s[1] for s in st]
        return q, qd

    def set_base_pose(self, pos, orn=(0, 0, 0, 1)) -> None:
        """Place the root link's URDF frame (not its COM frame) and zero the base velocity."""
        cpos, corn = p.multiplyTransforms(list(pos), list(orn), *self._inertial)
        p.resetBasePositionAndOrientation(self.id, cpos, corn, physicsClientId=self.cid)
        p.resetBaseVelocity(self.id, [0, 0, 0], [0, 0, 0], physicsClientId=self.cid)

    def base_pose(self) -> tuple[np.ndarray, np.ndarray]:
        """The root link's URDF frame pose (position, xyzw quaternion)."""
        cpos, corn = p.getBasePositionAndOrientation(self.id, physicsClientId=self.cid)
        pos, orn = p.multiplyTransforms(cpos, corn, *self._inertial_inv)
        return np.array(pos), np.array(orn)

    def self_contacts(self) -> list[tuple[str, str]]:
        names = {v: k for k, v in self.link_index.items()}
        p.performCollisionDetection(physicsClientId=self.cid)
        cs = p.getContactPoints(self.id, self.id, physicsClientId=self.cid) or []
        return sorted({tuple(sorted((names.get(c[3], "?"), names.get(c[4], "?")))) for c in cs if c[8] < -1e-4})
