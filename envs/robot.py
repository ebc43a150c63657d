"""The robot inside an env: the canonical embodiment interface on top of a PyBullet body.

Canonical frames: the *torso frame* is the torso link's frame rotated so that it is aligned with
the world when the robot stands in its default pose facing +x (x forward, y left, z up), whatever
the vendor's link conventions. Each arm's *TCP frame* is the ee link frame moved by the card's
``tcp_xyz``/``tcp_rpy`` and rotated so that it equals the torso frame in the default pose. So every
robot reports TCP poses and takes Δpose commands in the same frames.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter

import numpy as np

from humanoid_ground.errors import HGroundError
from humanoid_ground.robots import RobotAsset
from humanoid_ground.robots._pybullet import p
from humanoid_ground.robots.body import RobotBody
from humanoid_ground.robots.card import Grasp
from humanoid_ground.robots.geometry import rpy_to_matrix

from . import kernels
from .layout import SIDES
from .kinematics import Kinematics
from .rotations import quat_to_mat
from .sim import _frozen

_SIDE_ROW = {s: 1 + k for k, s in enumerate(SIDES)}  # rows of Robot._frames
_first, _second = itemgetter(0), itemgetter(1)
FIXED_BASE_CLEARANCE = 0.02


#: damping of the rotation (null-space) part of the IK, and the largest joint change per control step
ROT_DAMPING = 0.2
MAX_DQ = 0.1
#: strength of the joint-limit avoidance (rad per step at the limit)
LIMIT_GAIN = 0.02
#: damping of the least-squares IK (m)
IK_DAMPING = 0.05
#: targets never run further than this ahead of the measured joints (anti wind-up, rad)
MAX_LEAD = 0.35
IK_PARAMS = np.array([IK_DAMPING ** 2, ROT_DAMPING ** 2, IK_DAMPING ** 2, LIMIT_GAIN, MAX_DQ, MAX_LEAD])
#: canonical action scale: a full ±1 command moves a TCP this far (m), turns it this much (rad) and turns
#: the head this much (rad) per control step
MAX_DPOS, MAX_DROT, MAX_DHEAD = 0.015, 0.08, 0.06
#: physics health limits: a joint this far past a limit (rad), or anything this fast (m/s, rad/s; joints
#: 10×), means the simulation blew up
MAX_JOINT_OVERSHOOT = 0.5
MAX_SPEED = 50.0
DELTA_SCALE = np.array([MAX_DPOS] * 3 + [MAX_DROT] * 3)


@dataclass
class Arm:
    side: str
    cols: np.ndarray  # columns of this arm's joints in the movable-joint vector
    ee_link: int
    tcp_link: np.ndarray  # TCP offset in the URDF link frame
    tcp_com: np.ndarray  # TCP offset in the link's inertial (COM) frame, for calculateJacobian
    R_tcp: np.ndarray  # rotation applied to the link frame to get the canonical TCP frame
    grasp: Grasp
    finger_cols: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    finger_open: np.ndarray = field(default_factory=lambda: np.zeros(0))
    finger_closed: np.ndarray = field(default_factory=lambda: np.zeros(0))
    hand_links: list[int] = field(default_factory=list)
    hand_set: frozenset = frozenset()
    chain: list = field(default_factory=list)  # URDF joints from the root to the ee link
    joint_links: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # PyBullet link of each joint
    axes: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))  # joint axes in their link frames
    prismatic: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    lo: np.ndarray = field(default_factory=lambda: np.zeros(0))  # joint limits
    hi: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mid: np.ndarray = field(default_factory=lambda: np.zeros(0))  # joint range centres and half-widths
    half: np.ndarray = field(default_factory=lambda: np.zeros(0))


class Robot:
    """A robot in an env's client with canonical TCP/camera state and differential IK.

    :param asset: processed robot.
    :param cid: PyBullet client id.
    :param base: ``"fixed"`` (base held at standing height) or ``"floating"`` (stands on the floor).
    :param dt: physics time step.
    :param weld_idle: weld the joints nothing drives at their default pose (fixed base only;
        :mod:`humanoid_ground.robots.weld`).
    """

    def __init__(self, asset: RobotAsset, cid: int, base: str = "fixed", dt: float = 0.002, weld_idle: bool = False):
        self.asset, self.card, self.cid, self.base_mode = asset, asset.card, cid, base
        # a fixed base hovers 2 cm higher so the feet never press into the floor
        self.home_base = (0.0, 0.0, self.card.standing_height + (FIXED_BASE_CLEARANCE if base == "fixed" else 0.0))
        # a card's fixed base (bolted down) stays fixed in floating mode too
        fixed = base == "fixed" or self.card.base_type == "fixed"
        weld = ()
        if weld_idle:
            if not fixed:
                raise HGroundError(f"sim.weld_idle=true welds the idle joints of robot '{self.card.name}', which needs "
                                   "a fixed base: use env.base=fixed, or sim.weld_idle=false")
            from humanoid_ground.robots.weld import idle_joints

            weld = idle_joints(asset)
        self.body = RobotBody(asset, cid, base_pos=self.home_base, fixed_base=fixed, dt=dt, weld=weld, fold=bool(weld))
        b = self.body
        self.id = b.id
        self.n = b.dof
        # joints read from PyBullet at every step (welded ones stay at their default, with zero velocity)
        self._q_index = b.live_index.tolist()
        self._live = b.live_mask
        self._lower, self._upper = b.lower.tolist(), b.upper.tolist()
        self._base_known = False
        self.grips = np.zeros(2)  #: grip command per hand (left, right) in [0, 1]; see :attr:`grip`
        # physics health bounds (see :attr:`health`): joints this far past a limit, or this fast, are a blow-up
        self._health_lim = (b.lower - MAX_JOINT_OVERSHOOT, b.upper + MAX_JOINT_OVERSHOOT)
        self._obs_scratch = np.zeros((4, 3, 3))
        self.col_of = {n: i for i, n in enumerate(b.joint_names)}
        self.kin = Kinematics(asset.urdf_path, self.col_of)
        self.torso_link = b.link_index[self.card.torso_link]
        cam = self.card.head_camera
        self.cam_link = b.link_index[cam.link]
        self.cam_offset = np.asarray(cam.xyz, dtype=float)
        self.cam_R = rpy_to_matrix(cam.rpy)
        self.fov = float(cam.fov)
        # head aim joints (or the waist, if that is what the card maps)
        hj = self.card.head_joints
        self.head_cols = [self.col_of[j] if j else None for j in ((hj.yaw, hj.pitch) if hj else (None, None))]
        self.head_control = "joints" if any(c is not None for c in self.head_cols) else "none"
        # pose at rest: default joints, base at identity
        self.q_target = b.default_q.copy()
        self.R_torso_fix = np.eye(3)
        self.refresh()
        R_t = self.link_R(self.torso_link)
        self.R_torso_fix = np.ascontiguousarray(R_t.T)  # canonical torso frame = world-aligned in the default pose
        self.arms: dict[str, Arm] = {}
        children = self._children()
        for side, a in self.card.arms.items():
            ee = b.link_index[a.ee_link]
            st = p.getLinkState(self.id, ee, physicsClientId=cid)
            inert_pos, inert_orn = np.asarray(st[2]), quat_to_mat(st[3])
            tcp = np.asarray(a.tcp_xyz, dtype=float)
            R_link = quat_to_mat(p.getLinkState(self.id, ee, computeForwardKinematics=1, physicsClientId=cid)[5])
            R_user = rpy_to_matrix(a.tcp_rpy)
            # canonical TCP frame equals the torso frame in the default pose
            R_tcp = R_user @ (R_link @ R_user).T @ (R_t @ self.R_torso_fix)
            arm = Arm(side=side, cols=np.array([self.col_of[j] for j in a.joints]), ee_link=ee, tcp_link=tcp,
                      tcp_com=inert_orn.T @ (tcp - inert_pos), R_tcp=R_tcp, grasp=a.grasp,
                      hand_links=self._hand_links(ee, children))
            arm.chain = self.kin.chain(a.ee_link)
            by_name = {j.name: j for j in self.kin.by_child.values()}
            arm_joints = [by_name[b.joint_names[c]] for c in arm.cols]
            arm.joint_links = np.array([int(b.q_index[c]) for c in arm.cols])
            arm.axes = np.array([j.axis for j in arm_joints])
            arm.prismatic = np.array([j.type == "prismatic" for j in arm_joints])
            arm.lo, arm.hi = b.lower[arm.cols].copy(), b.upper[arm.cols].copy()
            arm.mid = (arm.lo + arm.hi) / 2
            arm.half = np.maximum((b.upper[arm.cols] - b.lower[arm.cols]) / 2, 1e-3)
            arm.hand_set = frozenset(arm.hand_links)
            if a.grasp.type == "fingers":
                arm.finger_cols = np.array([self.col_of[j] for j in a.grasp.joints])
                arm.finger_open = np.array([v[0] for v in a.grasp.joints.values()])
                arm.finger_closed = np.array([v[1] for v in a.grasp.joints.values()])
            self.arms[side] = arm
        # wrist cameras where the card defines them: side -> (link, offset, rotation, fov)
        self.wrist_cams = {side: (b.link_index[a.wrist_camera.link], np.asarray(a.wrist_camera.xyz, dtype=float),
                                  rpy_to_matrix(a.wrist_camera.rpy), float(a.wrist_camera.fov))
                           for side, a in self.card.arms.items() if a.wrist_camera is not None}
        self.head_signs = self._calibrate_head()
        self.refresh()  # with the arms known: the frame rows the IK tables index
        self._ik = self._ik_tables()
        self._hands = self._hand_tables()
        #: whether aiming the camera moves the arms (a camera on the torso aimed by a waist joint: H1, G1)
        head_joints = {j for j in ((hj.yaw, hj.pitch) if hj else ()) if j}
        self.camera_moves_arms = any(j.name in head_joints for arm in self.arms.values() for j in arm.chain)

    def body_R(self) -> np.ndarray:
        """The canonical body frame (x forward, z up): the base's orientation (the canonical torso
        frame is world-aligned when the base is at identity in the default pose). Head angles are
        measured here, not in the torso frame, so a waist or torso joint that aims the camera
        (cameras mounted on the torso, as on H1 and G1) is seen to move it."""
        return quat_to_mat(self.base_orn)

    def camera_angles(self) -> tuple[float, float]:
        """Yaw (left positive) and pitch (down positive) of the camera's optical axis in the body frame."""
        _, cR = self.camera_pose()
        f = self.body_R().T @ cR[:, 0]
        return float(np.arctan2(f[1], f[0])), float(np.arctan2(-f[2], np.hypot(f[0], f[1])))

    def _calibrate_head(self) -> list[float]:
        """Signs that make canonical Δyaw>0 turn the camera left and Δpitch>0 tilt it down, whatever
        the joints' axis conventions."""
        signs = []
        base = self.camera_angles()
        for k, c in enumerate(self.head_cols):
            if c is None:
                signs.append(0.0)
                continue
            q = self.q.copy()
            q[c] += 0.05
            self.body.reset_pose(q)
            self.refresh()
            d = self.camera_angles()[k] - base[k]
            signs.append(1.0 if d >= 0 else -1.0)
            q[c] -= 0.05
            self.body.reset_pose(q)
            self.refresh()
        return signs

    # --- structure ----------------------------------------------------------------------------------
    def _children(self) -> dict[int, list[int]]:
        ch: dict[int, list[int]] = {}
        for i in range(p.getNumJoints(self.id, physicsClientId=self.cid)):
            parent = p.getJointInfo(self.id, i, physicsClientId=self.cid)[16]
            ch.setdefault(parent, []).append(i)
        return ch

    def _hand_links(self, ee: int, ch: dict[int, list[int]]) -> list[int]:
        """The ee link, the links welded to it (a bare TCP frame's geometry usually lives on its
        parent), and everything below it."""
        fixed = lambda j: p.getJointInfo(self.id, j, physicsClientId=self.cid)[2] == p.JOINT_FIXED  # noqa: E731
        top = ee
        while top >= 0 and fixed(top):
            top = p.getJointInfo(self.id, top, physicsClientId=self.cid)[16]
        return [top] + self._descendants(top, ch)

    def _descendants(self, link: int, ch: dict[int, list[int]]) -> list[int]:
        out = []
        for c in ch.get(link, []):
            out += [c] + self._descendants(c, ch)
        return out

    # --- state (one batched query per control step) -----------------------------------------------------
    def refresh(self) -> None:
        """Read joints, base and the links the canonical interface needs, once, and derive (one compiled
        call) the link rotations, the float32 observations and the physics health :attr:`health`.

        ``proprio_obs``: joint positions, velocities, base position, xyzw orientation, linear and angular
        velocity. ``canonical_obs``: per arm (left, right) TCP position (3) + quaternion xyzw (4) in the
        torso frame + grip (1); then the head camera's position (3) + quaternion (4) in the torso frame,
        23 numbers for every robot (a missing arm is zeros)."""
        st = p.getJointStates(self.id, self._q_index, physicsClientId=self.cid)
        if self._live is None:
            self.q = np.fromiter(map(_first, st), float, self.n)
            self.qd = np.fromiter(map(_second, st), float, self.n)
        else:
            self.q, self.qd = self.body.default_q.copy(), np.zeros(self.n)
            self.q[self._live] = np.fromiter(map(_first, st), float, len(st))
            self.qd[self._live] = np.fromiter(map(_second, st), float, len(st))
        if not (self.base_mode == "fixed" and self._base_known):  # a fixed base does not move between resets
            self.base_pos, self.base_orn = self.body.base_pose()
            vel, ang = p.getBaseVelocity(self.id, physicsClientId=self.cid)
            self.base_vel, self.base_ang = np.array(vel), np.array(ang)
            self._base_known = True
        # every frame the canonical interface and the IK need, in one batched query: torso, camera, the
        # ee links and each arm joint's link (a URDF joint's axis is fixed in its child link's frame);
        # rows of _P / _R, the base (link -1) last when it is one of them
        arms = getattr(self, "arms", {})
        if getattr(self, "_wanted_arms", None) is not arms:  # once the arms exist
            links = [self.torso_link, self.cam_link] + [a.ee_link for a in arms.values()]
            links += [int(l) for a in arms.values() for l in a.joint_links]
            links = list(dict.fromkeys(links))
            self._wanted = [l for l in links if l >= 0]
            self._has_base = -1 in links
            self._row = {l: i for i, l in enumerate(self._wanted + ([-1] if self._has_base else []))}
            self._arm_rows = {side: np.array([self._row[int(l)] for l in a.joint_links], dtype=int) for side, a in arms.items()}
            # constant inputs of the compiled canonical observation (left, right; a missing arm has row -1)
            self._obs_ee_rows = np.array([self._row[arms[s].ee_link] if s in arms else -1 for s in SIDES], dtype=np.int64)
            self._obs_tcp = np.array([arms[s].tcp_link if s in arms else np.zeros(3) for s in SIDES], dtype=float)
            self._obs_R_tcp = np.array([arms[s].R_tcp if s in arms else np.eye(3) for s in SIDES], dtype=float)
            self._wanted_arms = arms
        states = p.getLinkStates(self.id, self._wanted, computeForwardKinematics=1, physicsClientId=self.cid) if self._wanted else ()
        rows = [s[4] + s[5] for s in states]  # URDF link frame: position + xyzw quaternion
        if self._has_base:
            rows.append(tuple(self.base_pos) + tuple(self.base_orn))
        PQ = np.array(rows).reshape(-1, 7)
        self._P = PQ[:, :3]
        self._torso = None  # the torso pose of this state, computed on first use
        self._R, self.proprio_obs, self.canonical_obs, frames, code, joint = kernels.robot_state(
            PQ, self.q, self.qd, self.base_pos, self.base_orn, self.base_vel, self.base_ang, self._row[self.torso_link],
            self.R_torso_fix, self._obs_ee_rows, self._obs_tcp, self._obs_R_tcp, self.grips, self._row[self.cam_link],
            self.cam_offset, self.cam_R, self._obs_scratch, *self._health_lim, 10 * MAX_SPEED, MAX_SPEED)
        #: physics health of this state: (0, -1) healthy; (1, -1) NaN/inf; (2, j) joint j past its limit;
        #: (3, j) joint j (or, j = -1, the base) faster than physically possible
        self.health = (code, joint)
        # the frames the observation kernels use (read-only): torso (world → torso rotation, position),
        # then each TCP's world rotation and position
        frames.flags.writeable = False
        self._frames = frames
        self.to_torso, self.torso_position = frames[0, :3], frames[0, 3]

    def arm_links(self, side: str) -> list[int]:
        """PyBullet links of one arm: its joints' links and its hand."""
        arm = self.arms[side]
        return sorted(set(int(self.body.q_index[c]) for c in arm.cols) | set(arm.hand_links))

    def link_R(self, link: int) -> np.ndarray:
        """World rotation of one of the links read in :meth:`refresh`."""
        return self._R[self._row[link]]

    def torso_pose(self) -> tuple[np.ndarray, np.ndarray]:
        """World position and canonical rotation of the torso (read-only; once per state)."""
        if self._torso is None:
            self._torso = (self.torso_position, _frozen(self._R[self._row[self.torso_link]] @ self.R_torso_fix))
        return self._torso

    def tcp_world(self, side: str) -> tuple[np.ndarray, np.ndarray]:
        """World position and rotation of one arm's TCP."""
        arm = self.arms[side]
        i = self._row[arm.ee_link]
        R = self._R[i]
        return self._P[i] + R @ arm.tcp_link, R @ arm.R_tcp

    def tcp_position(self, side: str) -> np.ndarray:
        """World position of one arm's TCP, computed with the state in :meth:`refresh` (read-only): what
        the observations and rewards use. Equal to :meth:`tcp_world`'s to rounding."""
        return self._frames[_SIDE_ROW[side], 3]

    def tcp_rotation(self, side: str) -> np.ndarray:
        """World rotation of one arm's TCP, computed with the state in :meth:`refresh` (read-only)."""
        return self._frames[_SIDE_ROW[side], :3]

    def tcp_in_torso(self, side: str) -> tuple[np.ndarray, np.ndarray]:
        tp, tR = self.torso_pose()
        p_w, R_w = self.tcp_world(side)
        return tR.T @ (p_w - tp), tR.T @ R_w

    def hand_below_tcp(self, side: str) -> float:
        """How far the hand's geometry reaches below its TCP right now (m, ≥ 0)."""
        tcp = self.tcp_world(side)[0]
        low = min(p.getAABB(self.id, l, physicsClientId=self.cid)[0][2] for l in self.arms[side].hand_links)
        return float(max(0.0, tcp[2] - low))

    def wrist_camera_pose(self, side: str) -> tuple[np.ndarray, np.ndarray]:
        link, off, R_off, _ = self.wrist_cams[side]
        st = p.getLinkState(self.id, link, computeForwardKinematics=1, physicsClientId=self.cid)
        R = quat_to_mat(st[5])
        return np.asarray(st[4]) + R @ off, R @ R_off

    def camera_pose(self) -> tuple[np.ndarray, np.ndarray]:
        """Head camera pose in the world: it looks along its +x axis, +z up."""
        i = self._row[self.cam_link]
        R = self._R[i]
        return self._P[i] + R @ self.cam_offset, R @ self.cam_R

    # --- control -------------------------------------------------------------------------------------------
    def jacobian(self, side: str) -> np.ndarray:
        """6×n world Jacobian of the TCP over this arm's joints, from the joint frames read in
        :meth:`refresh` (no forward kinematics in Python on the hot path)."""
        arm = self.arms[side]
        rows = self._arm_rows[side]
        return kernels.jacobian(self._R[rows], self._P[rows], arm.axes, arm.prismatic, self.tcp_world(side)[0])

    def ee_delta(self, side: str, dpos_torso: np.ndarray, drot_torso: np.ndarray) -> None:
        """Differential IK: move one arm's TCP by a Δposition and Δrotation (axis-angle) given in the
        torso frame (see :meth:`ee_delta_arms`)."""
        cmd = np.zeros((2, 6))
        k = SIDES.index(side)
        cmd[k, :3], cmd[k, 3:] = dpos_torso, drot_torso
        self.ee_delta_arms(cmd, np.array([k == 0, k == 1]))

    def ee_delta_arms(self, cmd: np.ndarray, active: np.ndarray) -> None:
        """Differential IK for both arms at once: arm ``k`` (0 left, 1 right) with ``active[k]`` moves its
        TCP by ``cmd[k, :3]`` (m) and rotates it by ``cmd[k, 3:]`` (axis-angle), in the torso frame.

        Task-priority IK (compiled, see :mod:`.kernels`): the position is solved first (damped least
        squares); the rotation uses only the null space of the position task, so arms with fewer than
        six joints (H1, T1, OP3) keep position accuracy and get as much of the rotation as their
        kinematics allow; a redundant arm re-solves without a joint stuck at its limit; limit avoidance
        comes last, in the null space of the whole task.
        """
        V = self._ik["scratch"][1]
        V[kernels.IK_CMD, :12] = np.asarray(cmd, dtype=float).ravel()
        V[kernels.IK_CMD, 12:14] = np.asarray(active, dtype=float)
        kernels.ee_delta_arms(self._P, self._R, self._row[self.torso_link], self.R_torso_fix, self.q, self.q_target,
                              *self._ik_args())

    def _ik_args(self) -> tuple:
        t = self._ik
        return (t["n"], t["cols"], t["rows"], t["axes"], t["prismatic"], t["lim"], self._obs_ee_rows, self._obs_tcp,
                IK_PARAMS, *t["scratch"])

    def canonical_action(self, a: np.ndarray) -> bool:
        """Apply one canonical ``ee_delta`` action (float64, 16 numbers; clipped to [-1, 1]) to the joint
        targets: per arm Δxyz, Δaxis-angle (torso frame, scaled by :data:`DELTA_SCALE`), grip; head Δyaw,
        Δpitch. One compiled call; False (nothing changed) when the action holds a NaN/inf."""
        h = self._hands
        return kernels.canonical_action(a, DELTA_SCALE, MAX_DHEAD, self._P, self._R, self._row[self.torso_link],
                                        self.R_torso_fix, self.q, self.q_target, *self._ik_args(), self.grips,
                                        h["n"], h["cols"], h["open"], h["closed"], h["head_cols"], h["head_signs"],
                                        h["head_lo"], h["head_hi"])

    def joint_action(self, a: np.ndarray) -> bool:
        """Apply one native ``joint_pos`` action (float64: joint targets in [-1, 1] over the limits, then
        one grip per arm in card order). False (nothing changed) when the action holds a NaN/inf."""
        h, b = self._hands, self.body
        return kernels.joint_action(a, b.lower, b.upper, self.q_target, h["slots"], self.grips, h["n"], h["cols"],
                                    h["open"], h["closed"])

    def _ik_tables(self) -> dict:
        """Per-arm constants of the compiled IK, padded to the longer arm (left, right)."""
        m = max([len(a.cols) for a in self.arms.values()] + [1])
        t = {"n": np.zeros(2, np.int64), "cols": np.zeros((2, m), np.int64), "rows": np.zeros((2, m), np.int64),
             "axes": np.zeros((2, m, 3)), "prismatic": np.zeros((2, m), np.bool_), "lim": np.ones((2, m, 4)),
             "scratch": kernels.ik_scratch(m)}
        for k, side in enumerate(SIDES):
            if side not in self.arms:
                continue
            a, n = self.arms[side], len(self.arms[side].cols)
            t["n"][k] = n
            t["cols"][k, :n], t["rows"][k, :n] = a.cols, self._arm_rows[side]
            t["axes"][k, :n], t["prismatic"][k, :n] = a.axes, a.prismatic
            t["lim"][k, :n] = np.stack([a.lo, a.hi, a.mid, a.half], axis=1)
        return t

    @property
    def grip(self) -> dict[str, float]:
        """Grip command per arm (0 open, 1 closed)."""
        return {s: float(self.grips[k]) for k, s in enumerate(SIDES) if s in self.arms}

    def set_grip(self, side: str, g: float) -> None:
        """Grip command in [0, 1] (0 open, 1 closed); finger joints follow it."""
        h = self._hands
        kernels.set_grip(SIDES.index(side), min(max(float(g), 0.0), 1.0), self.grips, self.q_target, h["n"], h["cols"],
                         h["open"], h["closed"])

    def _hand_tables(self) -> dict:
        """Constants of the compiled action kernels: finger joints per hand (padded, left/right), the
        hands' slots in card order (``joint_pos`` grips), the head joints (column −1: none)."""
        m = max([len(a.finger_cols) for a in self.arms.values()] + [1])
        t = {"n": np.zeros(2, np.int64), "cols": np.zeros((2, m), np.int64), "open": np.zeros((2, m)),
             "closed": np.zeros((2, m)), "slots": np.array([SIDES.index(s) for s in self.arms], dtype=np.int64)}
        for k, side in enumerate(SIDES):
            a = self.arms.get(side)
            if a is not None and len(a.finger_cols):
                n = len(a.finger_cols)
                t["n"][k], t["cols"][k, :n], t["open"][k, :n], t["closed"][k, :n] = n, a.finger_cols, a.finger_open, a.finger_closed
        t["head_cols"] = np.array([-1 if c is None else c for c in self.head_cols], dtype=np.int64)
        t["head_signs"] = np.asarray(self.head_signs, dtype=float)
        t["head_lo"] = np.array([0.0 if c is None else self._lower[c] for c in self.head_cols])
        t["head_hi"] = np.array([0.0 if c is None else self._upper[c] for c in self.head_cols])
        return t

    def apply_targets(self) -> None:
        self.body.set_targets(self.q_target)

    def reset(self, q: np.ndarray | None = None) -> None:
        q = self.body.default_q if q is None else q
        self.body.reset_pose(q, base_pos=self.home_base, base_orn=(0, 0, 0, 1))
        self._base_known = False
        self.q_target = np.array(q, dtype=float)
        for s in self.arms:
            self.set_grip(s, 0.0)
        self.apply_targets()
        self.refresh()
