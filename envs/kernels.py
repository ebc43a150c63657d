"""Compiled hot-path kernels: the action (validation, clipping, both arms' differential IK from the
joint frames PyBullet reports, grips, head), the state (link rotations, float32 observations,
physics health) and the tasks' shared observation features.

The env makes one call of each per step (:func:`canonical_action` or :func:`joint_action`, then
:func:`robot_state`), so they are the hot path of the canonical interface. They are compiled with
numba (``cache=True``: compiled once per machine, loaded in milliseconds afterwards) and written with
explicit loops over the tiny matrices involved (6×n Jacobians, 3×3 and 6×6 damped normal matrices
solved by Cholesky), which needs no BLAS/LAPACK and avoids numpy's per-call overhead.

Algorithm (unchanged from the numpy version it replaces):

1. Jacobian of the TCP over the arm's joints from the joints' link frames (axis in world, lever arm).
2. Task-priority IK: TCP position by damped least squares; rotation in the position task's null
   space (arms with fewer than six joints keep position accuracy and get what rotation they can).
3. A redundant arm (6+ joints) with a joint pushed against its limit solves again without it, so the
   other joints do its share.
4. Lowest priority: a push away from joint limits, inside the null space of the full 6-D task.
5. Joint speed bounded (direction kept), targets kept within ``max_lead`` of the measured joints and
   inside the limits.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .layout import ACT_GRIP, ARM_ACTION, ARM_STATE, CAMERA_STATE_START, HEAD_ACTION_START, ST_GRIP

from .rotations import _mat_to_rotvec, _quat_of, quats_to_mats


@njit(cache=True)
def _mm(A, B):
    m, k = A.shape
    n = B.shape[1]
    C = np.zeros((m, n))
    for i in range(m):
        for j in range(n):
            s = 0.0
            for t in range(k):
                s += A[i, t] * B[t, j]
            C[i, j] = s
    return C


# --- the IK, allocation- and view-free -----------------------------------------------------------------
# Every matrix lives in a slot of one scratch array per robot, ``S[slot, i, j]`` (D×D, D ≥ 6 and ≥ the
# longest arm), every vector in a row of ``V``; nothing is sliced or allocated on the hot path, which
# keeps the compiled code small (a control step runs it once, right after the physics has evicted it
# from the CPU caches, so its size is what it costs). The sums run in the same order as the textbook
# formulas of the module docstring.
_J, _JW, _PINV, _X, _M, _L, _JRN, _T, _T33, _TR = range(10)  # matrix slots
_DQ, _Z, _CORR, _PUSH, _OUT, _STUCK, _U, _TCP, _EP, _ER, _CMD, _RES = range(12)  # vector rows
IK_CMD = _CMD  #: row of V holding the IK command of :func:`ee_delta_arms`


def ik_scratch(n_max: int) -> tuple[np.ndarray, np.ndarray]:
    """The IK's scratch arrays (S, V) for arms of up to ``n_max`` joints (allocated once per robot)."""
    d = max(n_max, 6)
    return np.zeros((10, d, d)), np.zeros((12, max(d, 14)))  # V[_CMD]: both arms' 6-D commands + 2 flags


@njit(cache=True)
def _chol_solve(S, k, ncols):
    """S[_X, :k, :ncols] ← M⁻¹ X for the symmetric positive definite M = S[_M, :k, :k], by Cholesky (into S[_L])."""
    for i in range(k):
        for j in range(i + 1):
            s = S[_M, i, j]
            for t in range(j):
                s -= S[_L, i, t] * S[_L, j, t]
            if i == j:
                S[_L, i, i] = np.sqrt(s)
            else:
                S[_L, i, j] = s / S[_L, j, j]
    for c in range(ncols):
        for i in range(k):
            s = S[_X, i, c]
            for t in range(i):
                s -= S[_L, i, t] * S[_X, t, c]
            S[_X, i, c] = s / S[_L, i, i]
        for i in range(k - 1, -1, -1):
            s = S[_X, i, c]
            for t in range(i + 1, k):
                s -= S[_L, t, i] * S[_X, t, c]
            S[_X, i, c] = s / S[_L, i, i]


@njit(cache=True)
def _pinv(S, src, r0, k, n, damp2):
    """S[_PINV, :n, :k] = Jᵀ (J Jᵀ + λ² I)⁻¹, the damped pseudo-inverse of the k×n J = rows r0… of S[src]."""
    for i in range(k):
        for j in range(k):
            s = 0.0
            for t in range(n):
                s += S[src, r0 + i, t] * S[src, r0 + j, t]
            S[_M, i, j] = s
    for i in range(k):
        S[_M, i, i] += damp2
    for i in range(k):
        for j in range(n):
            S[_X, i, j] = S[src, r0 + i, j]
    _chol_solve(S, k, n)  # (JJᵀ+λ²I)⁻¹ J, transposed below (M is symmetric)
    for i in range(k):
        for j in range(n):
            S[_PINV, j, i] = S[_X, i, j]


@njit(cache=True)
def _jacobian_into(R, P, rows, k, axes, prismatic, tcp, n, J, slot):
    """J[slot, :6, :n]: world Jacobian of the point ``tcp`` over the n joints of arm ``k``, whose links
    are rows ``rows[k]`` of the frame tables (rotations ``R``, origins ``P``); ``axes[k]`` are the joint
    axes in their link frames."""
    for i in range(n):
        row = rows[k, i]
        u, v, s = axes[k, i, 0], axes[k, i, 1], axes[k, i, 2]
        a0 = R[row, 0, 0] * u + R[row, 0, 1] * v + R[row, 0, 2] * s
        a1 = R[row, 1, 0] * u + R[row, 1, 1] * v + R[row, 1, 2] * s
        a2 = R[row, 2, 0] * u + R[row, 2, 1] * v + R[row, 2, 2] * s
        if prismatic[k, i]:
            J[slot, 0, i], J[slot, 1, i], J[slot, 2, i] = a0, a1, a2
            J[slot, 3, i] = J[slot, 4, i] = J[slot, 5, i] = 0.0
        else:
            d0, d1, d2 = tcp[0] - P[row, 0], tcp[1] - P[row, 1], tcp[2] - P[row, 2]
            J[slot, 0, i] = a1 * d2 - a2 * d1
            J[slot, 1, i] = a2 * d0 - a0 * d2
            J[slot, 2, i] = a0 * d1 - a1 * d0
            J[slot, 3, i], J[slot, 4, i], J[slot, 5, i] = a0, a1, a2


@njit(cache=True)
def _task_priority(S, V, js, n, pos_damp2, rot_damp2):
    """V[_OUT, :n]: joint step for the TCP position change V[_EP] (damped least squares) and, in the
    position task's null space, the rotation V[_ER] (both world frame), with the Jacobian in S[js]."""
    _pinv(S, js, 0, 3, n, pos_damp2)  # Jp⁺ (n×3), Jp = rows 0-2 of J, Jr = rows 3-5
    for j in range(n):
        s = 0.0
        for i in range(3):
            s += S[_PINV, j, i] * V[_EP, i]
        V[_DQ, j] = s
    # Jr N with N = I - Jp⁺Jp, without forming N
    for i in range(3):
        for j in range(3):
            s = 0.0
            for t in range(n):
                s += S[js, 3 + i, t] * S[_PINV, t, j]
            S[_T33, i, j] = s
    for i in range(3):
        for j in range(n):
            s = 0.0
            for t in range(3):
                s += S[_T33, i, t] * S[js, t, j]
            S[_T, i, j] = s
    for i in range(3):
        for j in range(n):
            S[_JRN, i, j] = S[js, 3 + i, j] - S[_T, i, j]
    for i in range(3):  # right-hand side e_r - Jr dq, solved in place
        s = 0.0
        for j in range(n):
            s += S[js, 3 + i, j] * V[_DQ, j]
        S[_X, i, 0] = V[_ER, i] - s
    for i in range(3):
        for j in range(3):
            s = 0.0
            for t in range(n):
                s += S[_JRN, i, t] * S[_JRN, j, t]
            S[_M, i, j] = s
    for i in range(3):
        S[_M, i, i] += rot_damp2
    _chol_solve(S, 3, 1)
    for j in range(n):  # z = (Jr N)ᵀ y
        s = 0.0
        for i in range(3):
            s += S[_JRN, i, j] * S[_X, i, 0]
        V[_Z, j] = s
    for i in range(3):
        s = 0.0
        for j in range(n):
            s += S[js, i, j] * V[_Z, j]
        V[_U, i] = s
    for j in range(n):
        s = 0.0
        for i in range(3):
            s += S[_PINV, j, i] * V[_U, i]
        V[_CORR, j] = s
    for j in range(n):
        V[_OUT, j] = V[_DQ, j] + V[_Z, j] - V[_CORR, j]


@njit(cache=True)
def _ik_arm(R, P, k, n, cols, rows, axes, prismatic, lim, q, q_target, params, S, V):
    """V[_RES, :n]: new joint targets for arm ``k`` (its n joints are ``cols[k]`` of ``q`` / ``q_target``,
    its links rows ``rows[k]`` of the frame tables) moving its TCP V[_TCP] by V[_EP] / V[_ER] (world).

    ``lim[k]`` rows are (lower, upper, range centre, range half-width) per joint; ``params`` are (position
    damping², rotation damping², full-task damping², limit gain, largest joint step, largest lead)."""
    pos_damp2, rot_damp2, full_damp2, limit_gain, max_dq, max_lead = (params[0], params[1], params[2], params[3],
                                                                      params[4], params[5])
    _jacobian_into(R, P, rows, k, axes, prismatic, V[_TCP], n, S, _J)
    _task_priority(S, V, _J, n, pos_damp2, rot_damp2)
    if n >= 6:  # a redundant arm solves again without the joints its step pushes into a limit
        any_stuck = False
        for j in range(n):
            nxt = q[cols[k, j]] + V[_OUT, j]
            st = (nxt >= lim[k, j, 1] - 1e-3 and V[_OUT, j] > 0) or (nxt <= lim[k, j, 0] + 1e-3 and V[_OUT, j] < 0)
            V[_STUCK, j] = 1.0 if st else 0.0
            any_stuck = any_stuck or st
        if any_stuck:
            for i in range(6):
                for j in range(n):
                    S[_JW, i, j] = 0.0 if V[_STUCK, j] != 0.0 else S[_J, i, j]
            _task_priority(S, V, _JW, n, pos_damp2, rot_damp2)
            for j in range(n):
                if V[_STUCK, j] != 0.0:
                    V[_OUT, j] = 0.0
    # lowest priority: away from the joint limits, in the null space of the full 6-D task
    far = False
    for j in range(n):
        u = (q[cols[k, j]] - lim[k, j, 2]) / lim[k, j, 3]
        V[_PUSH, j] = 0.0
        if abs(u) > 0.7:
            V[_PUSH, j] = -limit_gain * u
            far = True
    if far:
        _pinv(S, _J, 0, 6, n, full_damp2)
        for i in range(6):
            s = 0.0
            for j in range(n):
                s += S[_J, i, j] * V[_PUSH, j]
            V[_U, i] = s
        for j in range(n):
            s = 0.0
            for i in range(6):
                s += S[_PINV, j, i] * V[_U, i]
            V[_OUT, j] += V[_PUSH, j] - s
    m = 0.0
    for j in range(n):
        m = max(m, abs(V[_OUT, j]))
    scale = max_dq / m if m > max_dq else 1.0
    for j in range(n):
        c = cols[k, j]
        t = min(max(q_target[c] + V[_OUT, j] * scale, q[c] - max_lead), q[c] + max_lead)
        V[_RES, j] = min(max(t, lim[k, j, 0]), lim[k, j, 1])


def jacobian(R, P, axes, prismatic, tcp) -> np.ndarray:
    """6×n world Jacobian of the point ``tcp`` over n joints whose links have world rotations ``R``
    (n×3×3) and origins ``P`` (n×3); ``axes`` are the joint axes in their link frames."""
    n = len(R)
    S = np.zeros((1, 6, n))
    _jacobian_into(R, P, np.arange(n)[None], 0, np.asarray(axes, dtype=float)[None], np.asarray(prismatic)[None],
                   np.asarray(tcp, dtype=float), n, S, 0)
    return S[0]


def ik_step(R, P, axes, prismatic, tcp, e_p, e_r, q, q_target, lim, params) -> np.ndarray:
    """New joint targets for one arm of n joints (link frames ``R``, ``P`` and joints ``q`` /
    ``q_target`` given per joint) moving its TCP by ``e_p`` / ``e_r`` (world frame): the compiled step
    of :func:`ee_delta_arms`, for one arm."""
    n = len(q)
    S, V = ik_scratch(n)
    V[_TCP, :3], V[_EP, :3], V[_ER, :3] = tcp, e_p, e_r
    _ik_arm(R, P, 0, n, np.arange(n)[None], np.arange(n)[None], np.asarray(axes, dtype=float)[None],
            np.asarray(prismatic)[None], np.asarray(lim, dtype=float)[None], np.asarray(q, dtype=float),
            np.asarray(q_target, dtype=float), params, S, V)
    return V[_RES, :n].copy()


@njit(cache=True)
def ee_delta_arms(P, R, torso_row, R_fix, q, q_target, n_joints, cols, rows, axes, prismatic, lim, ee_rows, tcp,
                  params, S, V):
    """Differential IK for both arms in one call: arm ``k`` (0 left, 1 right) with ``V[_CMD, 6]`` = 1 moves
    its TCP by ``V[_CMD, 6k:6k+3]`` and rotates it by ``V[_CMD, 6k+3:6k+6]`` (axis-angle), both in the
    canonical torso frame; its joints' targets in ``q_target`` are updated in place. Per-arm tables are
    padded to the longer arm (``n_joints[k]`` valid entries); ``S``, ``V`` are the scratch arrays
    (:func:`ik_scratch`)."""
    for i in range(3):
        for j in range(3):
            s = 0.0
            for t in range(3):
                s += R[torso_row, i, t] * R_fix[t, j]
            S[_TR, i, j] = s
    for k in range(2):
        n = n_joints[k]
        if n == 0 or V[_CMD, 12 + k] == 0.0:
            continue
        e = ee_rows[k]
        for i in range(3):
            s = 0.0
            for j in range(3):
                s += R[e, i, j] * tcp[k, j]
            V[_TCP, i] = P[e, i] + s
        for i in range(3):
            s = 0.0
            for j in range(3):
                s += S[_TR, i, j] * V[_CMD, 6 * k + j]
            V[_EP, i] = s
        for i in range(3):
            s = 0.0
            for j in range(3):
                s += S[_TR, i, j] * V[_CMD, 6 * k + 3 + j]
            V[_ER, i] = s
        _ik_arm(R, P, k, n, cols, rows, axes, prismatic, lim, q, q_target, params, S, V)
        for j in range(n):
            q_target[cols[k, j]] = V[_RES, j]


@njit(cache=True)
def set_grip(k, g, grips, q_target, f_n, f_cols, f_open, f_closed):
    """Hand ``k`` (0 left, 1 right) to grip ``g`` in [0, 1]: its finger joints' targets follow it."""
    grips[k] = g
    for j in range(f_n[k]):
        q_target[f_cols[k, j]] = f_open[k, j] + g * (f_closed[k, j] - f_open[k, j])


@njit(cache=True)
def canonical_action(a, delta_scale, max_dhead, P, R, torso_row, R_fix, q, q_target, n_joints, cols, rows, axes,
                     prismatic, lim, ee_rows, tcp, params, S, V, grips, f_n, f_cols, f_open, f_closed, head_cols,
                     head_signs, head_lo, head_hi):
    """One canonical ``ee_delta`` action (16 numbers: per arm Δxyz, Δaxis-angle, grip; head Δyaw, Δpitch)
    turned into joint targets, in place: clipped to [-1, 1], scaled, IK for both arms, grips, head.
    Returns False, touching nothing, when the action holds a NaN/inf."""
    for i in range(a.shape[0]):
        if not np.isfinite(a[i]):
            return False
    for k in range(2):
        V[_CMD, 12 + k] = 0.0  # arm k moves
        for j in range(6):
            x = min(max(a[ARM_ACTION * k + j], -1.0), 1.0)
            V[_CMD, 6 * k + j] = x * delta_scale[j]
            if x != 0:
                V[_CMD, 12 + k] = 1.0
    ee_delta_arms(P, R, torso_row, R_fix, q, q_target, n_joints, cols, rows, axes, prismatic, lim, ee_rows, tcp, params,
                  S, V)
    for k in range(2):
        if ee_rows[k] >= 0:
            set_grip(k, 1.0 if a[ARM_ACTION * k + ACT_GRIP] > 0 else 0.0, grips, q_target, f_n, f_cols, f_open, f_closed)
    for k in range(2):
        c = head_cols[k]
        d = min(max(a[HEAD_ACTION_START + k], -1.0), 1.0) * max_dhead
        if c >= 0 and d != 0.0:
            q_target[c] = min(max(q_target[c] + head_signs[k] * d, head_lo[k]), head_hi[k])
    return True


@njit(cache=True)
def joint_action(a, lower, upper, q_target, grip_slots, grips, f_n, f_cols, f_open, f_closed):
    """One native ``joint_pos`` action (joint targets normalised to [-1, 1] over the limits, then one
    grip per arm) turned into joint targets, in place. Returns False, touching nothing, when the action
    holds a NaN/inf."""
    for i in range(a.shape[0]):
        if not np.isfinite(a[i]):
            return False
    n = lower.shape[0]
    for j in range(n):
        x = min(max(a[j], -1.0), 1.0)
        q_target[j] = lower[j] + (x + 1.0) * 0.5 * (upper[j] - lower[j])
    for i in range(grip_slots.shape[0]):
        g = 1.0 if min(max(a[n + i], -1.0), 1.0) > 0 else 0.0
        set_grip(grip_slots[i], g, grips, q_target, f_n, f_cols, f_open, f_closed)
    return True


@njit(cache=True)
def _frame_into(P, R, row, off, R_off, C, out, o):
    """Torso-frame pose of a frame fixed to link ``row`` (offset ``off``, rotation ``R_off`` in the link
    frame): position into ``out[o:o+3]``, xyzw quaternion (w ≥ 0) into ``out[o+3:o+7]``. The torso's
    position and transposed canonical rotation are C[0, 0] and C[1]; C[2], C[3] are scratch."""
    for i in range(3):
        s = 0.0
        for j in range(3):
            s += R[row, i, j] * off[j]
        C[0, 1, i] = P[row, i] + s - C[0, 0, i]  # frame origin − torso origin (world)
    for i in range(3):
        s = 0.0
        for j in range(3):
            s += C[1, i, j] * C[0, 1, j]
        out[o + i] = s
    for i in range(3):
        for j in range(3):
            s = 0.0
            for t in range(3):
                s += R[row, i, t] * R_off[t, j]
            C[2, i, j] = s
    for i in range(3):
        for j in range(3):
            s = 0.0
            for t in range(3):
                s += C[1, i, t] * C[2, t, j]
            C[3, i, j] = s
    x, y, z, w = _quat_of(C[3])
    out[o + 3], out[o + 4], out[o + 5], out[o + 6] = x, y, z, w


@njit(cache=True)
def canonical_obs(P, R, torso_row, R_fix, ee_rows, tcp, R_tcp, grips, cam_row, cam_off, cam_R, C, out):
    """The 23-number canonical observation (see :meth:`Robot.refresh`) into ``out`` from the link frames
    (positions ``P``, rotations ``R``) read this step; ``ee_rows[k] < 0`` marks a missing arm (zeros).
    ``C``: 4×3×3 scratch."""
    for i in range(3):
        C[0, 0, i] = P[torso_row, i]
        for j in range(3):
            s = 0.0
            for t in range(3):
                s += R[torso_row, j, t] * R_fix[t, i]
            C[1, i, j] = s  # (R_torso R_fix)ᵀ
    for k in range(2):
        e = ee_rows[k]
        if e < 0:
            for i in range(8):
                out[ARM_STATE * k + i] = 0.0
            continue
        _frame_into(P, R, e, tcp[k], R_tcp[k], C, out, ARM_STATE * k)
        out[ARM_STATE * k + ST_GRIP] = grips[k]
    _frame_into(P, R, cam_row, cam_off, cam_R, C, out, CAMERA_STATE_START)


@njit(cache=True)
def robot_health(q, qd, base_pos, base_vel, lo, hi, max_joint_speed, max_speed):
    """(code, joint): 0 healthy, 1 NaN/inf in the state, 2 joint ``joint`` outside [lo, hi] (limits with
    their allowed overshoot), 3 a joint or the base faster than physically possible."""
    s = 0.0
    for j in range(q.shape[0]):
        s += q[j] + qd[j]
    for i in range(3):
        s += base_pos[i] + base_vel[i]
    if not np.isfinite(s):
        return 1, -1
    for j in range(q.shape[0]):
        if q[j] < lo[j] or q[j] > hi[j]:
            return 2, j
    for j in range(q.shape[0]):
        if abs(qd[j]) > max_joint_speed:
            return 3, j
    if base_vel[0] ** 2 + base_vel[1] ** 2 + base_vel[2] ** 2 > max_speed ** 2:
        return 3, -1
    return 0, -1


@njit(cache=True)
def robot_state(PQ, q, qd, base_pos, base_orn, base_vel, base_ang, torso_row, R_fix, ee_rows, tcp, R_tcp, grips, cam_row,
                cam_off, cam_R, C, lo, hi, max_joint_speed, max_speed):
    """Everything the env derives from one step's state reads, in one call: the link frames' rotations
    (from the xyzw quaternions in ``PQ[:, 3:]``), the float32 proprioceptive and canonical observations,
    the torso and TCP frames for the observation kernels and the robot's physics health
    (:func:`robot_health`). ``C``: 4×3×3 scratch."""
    R = quats_to_mats(PQ[:, 3:])
    n = q.shape[0]
    proprio = np.empty(2 * n + 13, dtype=np.float32)
    for j in range(n):
        proprio[j] = q[j]
        proprio[n + j] = qd[j]
    for i in range(3):
        proprio[2 * n + i] = base_pos[i]
        proprio[2 * n + 7 + i] = base_vel[i]
        proprio[2 * n + 10 + i] = base_ang[i]
    for i in range(4):
        proprio[2 * n + 3 + i] = base_orn[i]
    canonical = np.empty(23, dtype=np.float32)
    canonical_obs(PQ, R, torso_row, R_fix, ee_rows, tcp, R_tcp, grips, cam_row, cam_off, cam_R, C, canonical)
    # frames[0]: world → canonical torso rotation (R_torso R_fix)ᵀ (rows 0-2) and the torso position (row 3);
    # frames[1], frames[2]: the left / right TCP's world rotation and position (zeros for a missing arm)
    frames = np.zeros((3, 4, 3))
    for i in range(3):
        frames[0, 3, i] = PQ[torso_row, i]
        for j in range(3):
            frames[0, i, j] = C[1, i, j]
    for k in range(2):
        e = ee_rows[k]
        if e >= 0:
            for i in range(3):
                frames[1 + k, 3, i] = PQ[e, i] + R[e, i, 0] * tcp[k, 0] + R[e, i, 1] * tcp[k, 1] + R[e, i, 2] * tcp[k, 2]
                for j in range(3):
                    frames[1 + k, i, j] = R[e, i, 0] * R_tcp[k, 0, j] + R[e, i, 1] * R_tcp[k, 1, j] + R[e, i, 2] * R_tcp[k, 2, j]
    code, joint = robot_health(q, qd, base_pos, base_vel, lo, hi, max_joint_speed, max_speed)
    return R, proprio, canonical, frames, code, joint


@njit(cache=True)
def part_features(pos, orn, target, tp, to_torso, tcp, tail):
    """Torso-frame features of a part being handled (see :meth:`Task.part_observation`): its position and
    xyzw orientation, the target's position, target − part, part − TCP (16 numbers), then ``tail``; float32.
    ``tp``, ``to_torso``: the torso's world position and world → torso rotation."""
    out = np.empty(16 + tail.shape[0], dtype=np.float32)
    for i in range(3):  # to_torso applied to the four difference vectors
        s0 = s1 = s2 = s3 = 0.0
        for j in range(3):
            s0 += to_torso[i, j] * (pos[j] - tp[j])
            s1 += to_torso[i, j] * (target[j] - tp[j])
            s2 += to_torso[i, j] * (target[j] - pos[j])
            s3 += to_torso[i, j] * (pos[j] - tcp[j])
        out[i], out[7 + i], out[10 + i], out[13 + i] = s0, s1, s2, s3
    Rp = quats_to_mats(orn.reshape(1, 4))[0]  # the part's rotation, in the torso frame below
    M = np.empty((3, 3))
    for i in range(3):
        for j in range(3):
            s = 0.0
            for t in range(3):
                s += to_torso[i, t] * Rp[t, j]
            M[i, j] = s
    out[3], out[4], out[5], out[6] = _quat_of(M)
    for i in range(tail.shape[0]):
        out[16 + i] = tail[i]
    return out


@njit(cache=True)
def pose_target_features(tp, to_torso, pos, R, target_p, target_R, head):
    """Torso-frame features of a TCP pose target (float32): ``head``, then the target's position and xyzw
    orientation, the position error and the rotation error (axis-angle) — 13 numbers; and the errors'
    sizes (m, rad). ``tp``, ``to_torso``: the torso's world position and world → torso rotation."""
    n = head.shape[0]
    out = np.empty(n + 13, dtype=np.float32)
    for i in range(n):
        out[i] = head[i]
    d = target_p - pos
    rv = _mat_to_rotvec(_mm(target_R, R.T.copy()))
    for i in range(3):
        s0 = s1 = s2 = 0.0
        for j in range(3):
            s0 += to_torso[i, j] * (target_p[j] - tp[j])
            s1 += to_torso[i, j] * d[j]
            s2 += to_torso[i, j] * rv[j]
        out[n + i], out[n + 7 + i], out[n + 10 + i] = s0, s1, s2
    x, y, z, w = _quat_of(_mm(to_torso, target_R))
    out[n + 3], out[n + 4], out[n + 5], out[n + 6] = x, y, z, w
    return out, np.sqrt(d[0] ** 2 + d[1] ** 2 + d[2] ** 2), np.sqrt(rv[0] ** 2 + rv[1] ** 2 + rv[2] ** 2)
