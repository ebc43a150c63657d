"""Compiled hot-path kernels: differential IK (one control step of one arm, from the joint frames
PyBullet reports) and the canonical observation.

The env calls these on every step, for every arm, so they are the hot path of the canonical
interface. It is compiled with numba (``cache=True``: compiled once per machine, loaded in
milliseconds afterwards) and written with explicit loops over the tiny matrices involved (6×n
Jacobians, 3×3 and 6×6 damped normal matrices solved by Cholesky), which needs no BLAS/LAPACK and
avoids numpy's per-call overhead: a step costs a few microseconds instead of ~100.

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

from .rotations import _mat_to_quat, _mat_to_rotvec, quats_to_mats


@njit(cache=True)
def _solve_spd(M, B):
    """X = M⁻¹ B for a small symmetric positive definite M (k×k), B (k×m), by Cholesky."""
    k = M.shape[0]
    L = np.zeros((k, k))
    for i in range(k):
        for j in range(i + 1):
            s = M[i, j]
            for t in range(j):
                s -= L[i, t] * L[j, t]
            if i == j:
                L[i, i] = np.sqrt(s)
            else:
                L[i, j] = s / L[j, j]
    X = B.copy()
    for c in range(X.shape[1]):
        for i in range(k):
            s = X[i, c]
            for t in range(i):
                s -= L[i, t] * X[t, c]
            X[i, c] = s / L[i, i]
        for i in range(k - 1, -1, -1):
            s = X[i, c]
            for t in range(i + 1, k):
                s -= L[t, i] * X[t, c]
            X[i, c] = s / L[i, i]
    return X


@njit(cache=True)
def _mv(A, x):
    m, n = A.shape
    y = np.zeros(m)
    for i in range(m):
        s = 0.0
        for j in range(n):
            s += A[i, j] * x[j]
        y[i] = s
    return y


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


@njit(cache=True)
def _damped_pinv(J, damp2):
    """Jᵀ (J Jᵀ + λ² I)⁻¹ for a k×n J: the n×k damped pseudo-inverse."""
    M = _mm(J, J.T.copy())
    for i in range(M.shape[0]):
        M[i, i] += damp2
    return _solve_spd(M, J).T.copy()  # (JJᵀ+λ²I)⁻¹ J, transposed: M is symmetric


@njit(cache=True)
def jacobian(R, P, axes, prismatic, tcp):
    """6×n world Jacobian of the point ``tcp`` over n joints whose links have world rotations ``R``
    (n×3×3) and origins ``P`` (n×3); ``axes`` are the joint axes in their link frames."""
    n = R.shape[0]
    J = np.empty((6, n))
    for i in range(n):
        u, v, s = axes[i, 0], axes[i, 1], axes[i, 2]
        a0 = R[i, 0, 0] * u + R[i, 0, 1] * v + R[i, 0, 2] * s
        a1 = R[i, 1, 0] * u + R[i, 1, 1] * v + R[i, 1, 2] * s
        a2 = R[i, 2, 0] * u + R[i, 2, 1] * v + R[i, 2, 2] * s
        if prismatic[i]:
            J[0, i], J[1, i], J[2, i] = a0, a1, a2
            J[3, i] = J[4, i] = J[5, i] = 0.0
        else:
            d0, d1, d2 = tcp[0] - P[i, 0], tcp[1] - P[i, 1], tcp[2] - P[i, 2]
            J[0, i] = a1 * d2 - a2 * d1
            J[1, i] = a2 * d0 - a0 * d2
            J[2, i] = a0 * d1 - a1 * d0
            J[3, i], J[4, i], J[5, i] = a0, a1, a2
    return J


@njit(cache=True)
def task_priority_ik(J, e_p, e_r, pos_damp2, rot_damp2):
    """Joint step for a TCP position change ``e_p`` (damped least squares) and, in the position task's
    null space, a rotation ``e_r`` (both world frame)."""
    n = J.shape[1]
    Jp = J[:3].copy()
    Jr = J[3:].copy()
    Jp_pinv = _damped_pinv(Jp, pos_damp2)  # n×3
    dq = _mv(Jp_pinv, e_p)
    JrN = Jr - _mm(_mm(Jr, Jp_pinv), Jp)  # Jr N with N = I - Jp⁺Jp, without forming N
    rhs = e_r - _mv(Jr, dq)
    M = _mm(JrN, JrN.T.copy())
    for i in range(3):
        M[i, i] += rot_damp2
    y = _solve_spd(M, rhs.reshape(3, 1))[:, 0]
    z = _mv(JrN.T.copy(), y)
    corr = _mv(Jp_pinv, _mv(Jp, z))
    out = np.empty(n)
    for j in range(n):
        out[j] = dq[j] + z[j] - corr[j]
    return out


@njit(cache=True)
def ik_step(R, P, axes, prismatic, tcp, e_p, e_r, q, q_target, lim, params):
    """New joint targets for one arm moving its TCP by ``e_p`` / ``e_r`` (world frame) this step.

    ``lim`` rows are (lower, upper, range centre, range half-width) per joint; ``params`` are (position
    damping², rotation damping², full-task damping², limit gain, largest joint step, largest lead)."""
    n = q.shape[0]
    pos_damp2, rot_damp2, full_damp2, limit_gain, max_dq, max_lead = (params[0], params[1], params[2], params[3],
                                                                      params[4], params[5])
    lo, hi = lim[:, 0], lim[:, 1]
    J = jacobian(R, P, axes, prismatic, tcp)
    dq = task_priority_ik(J, e_p, e_r, pos_damp2, rot_damp2)
    if n >= 6:  # a redundant arm solves again without the joints its step pushes into a limit
        any_stuck = False
        stuck = np.zeros(n, dtype=np.bool_)
        for j in range(n):
            nxt = q[j] + dq[j]
            stuck[j] = (nxt >= hi[j] - 1e-3 and dq[j] > 0) or (nxt <= lo[j] + 1e-3 and dq[j] < 0)
            any_stuck = any_stuck or stuck[j]
        if any_stuck:
            Jw = J.copy()
            for j in range(n):
                if stuck[j]:
                    for i in range(6):
                        Jw[i, j] = 0.0
            dq = task_priority_ik(Jw, e_p, e_r, pos_damp2, rot_damp2)
            for j in range(n):
                if stuck[j]:
                    dq[j] = 0.0
    # lowest priority: away from the joint limits, in the null space of the full 6-D task
    push = np.zeros(n)
    far = False
    for j in range(n):
        u = (q[j] - lim[j, 2]) / lim[j, 3]
        if abs(u) > 0.7:
            push[j] = -limit_gain * u
            far = True
    if far:
        corr = _mv(_damped_pinv(J, full_damp2), _mv(J, push))
        for j in range(n):
            dq[j] += push[j] - corr[j]
    m = 0.0
    for j in range(n):
        m = max(m, abs(dq[j]))
    scale = max_dq / m if m > max_dq else 1.0
    out = np.empty(n)
    for j in range(n):
        t = min(max(q_target[j] + dq[j] * scale, q[j] - max_lead), q[j] + max_lead)
        out[j] = min(max(t, lo[j]), hi[j])
    return out


@njit(cache=True)
def ee_delta_arms(P, R, torso_row, R_fix, cmd, active, q, q_target, n_joints, cols, rows, axes, prismatic, lim,
                  ee_rows, tcp, params):
    """Differential IK for both arms in one call: arm ``k`` (0 left, 1 right) with ``active[k]`` moves its
    TCP by ``cmd[k, :3]`` and rotates it by ``cmd[k, 3:]`` (axis-angle), both in the canonical torso
    frame; its joints' targets in ``q_target`` are updated in place. Per-arm tables are padded to the
    longer arm (``n_joints[k]`` valid entries)."""
    tR = _mm(R[torso_row], R_fix)
    for k in range(2):
        m = n_joints[k]
        if m == 0 or not active[k]:
            continue
        c = cols[k, :m]
        r = rows[k, :m]
        e = ee_rows[k]
        tcp_w = P[e] + _mv(R[e], tcp[k])
        qt = ik_step(R[r], P[r], axes[k, :m], prismatic[k, :m], tcp_w, _mv(tR, cmd[k, :3]), _mv(tR, cmd[k, 3:]),
                     q[c], q_target[c], lim[k, :m], params)
        for j in range(m):
            q_target[c[j]] = qt[j]


@njit(cache=True)
def canonical_obs(P, R, torso_row, R_fix, ee_rows, tcp, R_tcp, grips, cam_row, cam_off, cam_R):
    """The 23-number canonical observation (see :meth:`Robot.canonical_obs`) from the link frames
    (positions ``P``, rotations ``R``) read this step; ``ee_rows[k] < 0`` marks a missing arm."""
    out = np.zeros(23)
    tp = P[torso_row]
    tRT = _mm(R[torso_row], R_fix).T.copy()
    for k in range(2):
        e = ee_rows[k]
        if e < 0:
            continue
        pw = P[e] + _mv(R[e], tcp[k])
        out[8 * k: 8 * k + 3] = _mv(tRT, pw - tp)
        out[8 * k + 3: 8 * k + 7] = _mat_to_quat(_mm(tRT, _mm(R[e], R_tcp[k])))
        out[8 * k + 7] = grips[k]
    cp = P[cam_row] + _mv(R[cam_row], cam_off)
    out[16:19] = _mv(tRT, cp - tp)
    out[19:23] = _mat_to_quat(_mm(tRT, _mm(R[cam_row], cam_R)))
    return out


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
def part_features(pos, orn, target, tp, tR, tcp):
    """Torso-frame features of a part being handled (see :meth:`Task.part_features`): its position and
    xyzw orientation, the target's position, target − part, part − TCP (16 numbers)."""
    out = np.empty(16)
    tRT = tR.T.copy()
    out[0:3] = _mv(tRT, pos - tp)
    out[3:7] = _mat_to_quat(_mm(tRT, quats_to_mats(orn.reshape(1, 4))[0]))
    out[7:10] = _mv(tRT, target - tp)
    out[10:13] = _mv(tRT, target - pos)
    out[13:16] = _mv(tRT, pos - tcp)
    return out


@njit(cache=True)
def pose_target_features(tp, tR, pos, R, target_p, target_R):
    """Torso-frame features of a TCP pose target: the target's position and xyzw orientation, the
    position error and the rotation error (axis-angle) — 13 numbers — and the errors' sizes (m, rad)."""
    out = np.empty(13)
    tRT = tR.T.copy()
    out[0:3] = _mv(tRT, target_p - tp)
    out[3:7] = _mat_to_quat(_mm(tRT, target_R))
    d = target_p - pos
    out[7:10] = _mv(tRT, d)
    rv = _mat_to_rotvec(_mm(target_R, R.T.copy()))
    out[10:13] = _mv(tRT, rv)
    return out, np.sqrt(d[0] ** 2 + d[1] ** 2 + d[2] ** 2), np.sqrt(rv[0] ** 2 + rv[1] ** 2 + rv[2] ** 2)
