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


# --- allocation-free building blocks of the IK (results written into caller-provided buffers: one
# scratch buffer per robot, so a control step makes no heap allocation; the sums run in the same order
# as the textbook formulas, so results are bit-identical to the allocating versions) ----------------------
@njit(cache=True)
def _mm_into(A, B, C):
    """C = A B."""
    m, k = A.shape
    n = B.shape[1]
    for i in range(m):
        for j in range(n):
            s = 0.0
            for t in range(k):
                s += A[i, t] * B[t, j]
            C[i, j] = s


@njit(cache=True)
def _mm_abt_into(A, B, C):
    """C = A Bᵀ."""
    m, k = A.shape
    n = B.shape[0]
    for i in range(m):
        for j in range(n):
            s = 0.0
            for t in range(k):
                s += A[i, t] * B[j, t]
            C[i, j] = s


@njit(cache=True)
def _mv_into(A, x, y):
    """y = A x."""
    m, n = A.shape
    for i in range(m):
        s = 0.0
        for j in range(n):
            s += A[i, j] * x[j]
        y[i] = s


@njit(cache=True)
def _mtv_into(A, x, y):
    """y = Aᵀ x."""
    m, n = A.shape
    for j in range(n):
        s = 0.0
        for i in range(m):
            s += A[i, j] * x[i]
        y[j] = s


@njit(cache=True)
def _spd_solve_into(M, L, X):
    """X ← M⁻¹ X for a small symmetric positive definite M (k×k), by Cholesky (L: k×k scratch)."""
    k = M.shape[0]
    for i in range(k):
        for j in range(i + 1):
            s = M[i, j]
            for t in range(j):
                s -= L[i, t] * L[j, t]
            if i == j:
                L[i, i] = np.sqrt(s)
            else:
                L[i, j] = s / L[j, j]
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


@njit(cache=True)
def _damped_pinv_into(J, damp2, M, L, X, out):
    """out (n×k) = Jᵀ (J Jᵀ + λ² I)⁻¹ for a k×n J: the damped pseudo-inverse (M, L: k×k and X: k×n scratch)."""
    k, n = J.shape
    _mm_abt_into(J, J, M)
    for i in range(k):
        M[i, i] += damp2
    for i in range(k):
        for j in range(n):
            X[i, j] = J[i, j]
    _spd_solve_into(M, L, X)  # (JJᵀ+λ²I)⁻¹ J; transposed below (M is symmetric)
    for i in range(k):
        for j in range(n):
            out[j, i] = X[i, j]


@njit(cache=True)
def _jacobian_into(R, P, rows, axes, prismatic, tcp, J):
    """6×n world Jacobian of the point ``tcp`` over n joints whose links are rows ``rows`` of the frame
    tables (world rotations ``R``, origins ``P``); ``axes`` are the joint axes in their link frames."""
    n = J.shape[1]
    for i in range(n):
        Ri = R[rows[i]]
        u, v, s = axes[i, 0], axes[i, 1], axes[i, 2]
        a0 = Ri[0, 0] * u + Ri[0, 1] * v + Ri[0, 2] * s
        a1 = Ri[1, 0] * u + Ri[1, 1] * v + Ri[1, 2] * s
        a2 = Ri[2, 0] * u + Ri[2, 1] * v + Ri[2, 2] * s
        if prismatic[i]:
            J[0, i], J[1, i], J[2, i] = a0, a1, a2
            J[3, i] = J[4, i] = J[5, i] = 0.0
        else:
            pi = P[rows[i]]
            d0, d1, d2 = tcp[0] - pi[0], tcp[1] - pi[1], tcp[2] - pi[2]
            J[0, i] = a1 * d2 - a2 * d1
            J[1, i] = a2 * d0 - a0 * d2
            J[2, i] = a0 * d1 - a1 * d0
            J[3, i], J[4, i], J[5, i] = a0, a1, a2


#: rows of the IK scratch buffer (see :func:`ik_scratch`): n-vectors, then 6×n blocks
_S_DQ, _S_Z, _S_CORR, _S_PUSH, _S_OUT, _S_STUCK, _S_V = 0, 1, 2, 3, 4, 5, 6
_S_J, _S_JW, _S_PINV, _S_X, _S_JRN, _S_T, _S_RES = 7, 8, 9, 10, 11, 12, 13
_S_ROWS = 14


def ik_scratch(n_max: int) -> np.ndarray:
    """The scratch buffer of the IK for arms of up to ``n_max`` joints (allocated once per robot)."""
    return np.zeros((_S_ROWS, max(6 * n_max, 160)))  # row _S_V holds the small 3×3 / 6×6 blocks (135 numbers)


@njit(cache=True)
def _task_priority_into(J, e_p, e_r, pos_damp2, rot_damp2, W, out):
    """Joint step ``out`` for a TCP position change ``e_p`` (damped least squares) and, in the position
    task's null space, a rotation ``e_r`` (both world frame). W: scratch (:func:`ik_scratch`)."""
    n = J.shape[1]
    Jp, Jr = J[:3], J[3:]
    Pp = W[_S_PINV, :3 * n].reshape(n, 3)
    small = W[_S_V]
    M, L = small[0:9].reshape(3, 3), small[9:18].reshape(3, 3)
    T33, t3, rhs, u3 = small[18:27].reshape(3, 3), small[27:30], small[30:33], small[33:36]
    _damped_pinv_into(Jp, pos_damp2, M, L, W[_S_X, :3 * n].reshape(3, n), Pp)
    dq = W[_S_DQ, :n]
    _mv_into(Pp, e_p, dq)
    _mm_into(Jr, Pp, T33)  # Jr N with N = I - Jp⁺Jp, without forming N
    T = W[_S_T, :3 * n].reshape(3, n)
    _mm_into(T33, Jp, T)
    JrN = W[_S_JRN, :3 * n].reshape(3, n)
    for i in range(3):
        for j in range(n):
            JrN[i, j] = Jr[i, j] - T[i, j]
    _mv_into(Jr, dq, t3)
    for i in range(3):
        rhs[i] = e_r[i] - t3[i]
    _mm_abt_into(JrN, JrN, M)
    for i in range(3):
        M[i, i] += rot_damp2
    _spd_solve_into(M, L, rhs.reshape(3, 1))
    z = W[_S_Z, :n]
    _mtv_into(JrN, rhs, z)
    _mv_into(Jp, z, u3)
    corr = W[_S_CORR, :n]
    _mv_into(Pp, u3, corr)
    for j in range(n):
        out[j] = dq[j] + z[j] - corr[j]


@njit(cache=True)
def _ik_step_into(R, P, rows, axes, prismatic, tcp, e_p, e_r, q, q_target, cols, lim, params, W, out):
    """New joint targets ``out`` for one arm (joints ``cols`` of ``q`` / ``q_target``, links ``rows`` of
    the frame tables) moving its TCP by ``e_p`` / ``e_r`` (world frame) this step.

    ``lim`` rows are (lower, upper, range centre, range half-width) per joint; ``params`` are (position
    damping², rotation damping², full-task damping², limit gain, largest joint step, largest lead)."""
    n = rows.shape[0]
    pos_damp2, rot_damp2, full_damp2, limit_gain, max_dq, max_lead = (params[0], params[1], params[2], params[3],
                                                                      params[4], params[5])
    J = W[_S_J, :6 * n].reshape(6, n)
    _jacobian_into(R, P, rows, axes, prismatic, tcp, J)
    dq = W[_S_OUT, :n]
    _task_priority_into(J, e_p, e_r, pos_damp2, rot_damp2, W, dq)
    if n >= 6:  # a redundant arm solves again without the joints its step pushes into a limit
        any_stuck = False
        stuck = W[_S_STUCK, :n]
        for j in range(n):
            nxt = q[cols[j]] + dq[j]
            s = (nxt >= lim[j, 1] - 1e-3 and dq[j] > 0) or (nxt <= lim[j, 0] + 1e-3 and dq[j] < 0)
            stuck[j] = 1.0 if s else 0.0
            any_stuck = any_stuck or s
        if any_stuck:
            Jw = W[_S_JW, :6 * n].reshape(6, n)
            for i in range(6):
                for j in range(n):
                    Jw[i, j] = 0.0 if stuck[j] != 0.0 else J[i, j]
            _task_priority_into(Jw, e_p, e_r, pos_damp2, rot_damp2, W, dq)
            for j in range(n):
                if stuck[j] != 0.0:
                    dq[j] = 0.0
    # lowest priority: away from the joint limits, in the null space of the full 6-D task
    push = W[_S_PUSH, :n]
    far = False
    for j in range(n):
        u = (q[cols[j]] - lim[j, 2]) / lim[j, 3]
        push[j] = 0.0
        if abs(u) > 0.7:
            push[j] = -limit_gain * u
            far = True
    if far:
        small = W[_S_V]
        M, L, t6 = small[36:72].reshape(6, 6), small[72:108].reshape(6, 6), small[108:114]
        Pf = W[_S_PINV, :6 * n].reshape(n, 6)
        _damped_pinv_into(J, full_damp2, M, L, W[_S_X, :6 * n].reshape(6, n), Pf)
        _mv_into(J, push, t6)
        corr = W[_S_CORR, :n]
        _mv_into(Pf, t6, corr)
        for j in range(n):
            dq[j] += push[j] - corr[j]
    m = 0.0
    for j in range(n):
        m = max(m, abs(dq[j]))
    scale = max_dq / m if m > max_dq else 1.0
    for j in range(n):
        c = cols[j]
        t = min(max(q_target[c] + dq[j] * scale, q[c] - max_lead), q[c] + max_lead)
        out[j] = min(max(t, lim[j, 0]), lim[j, 1])


def jacobian(R, P, axes, prismatic, tcp) -> np.ndarray:
    """6×n world Jacobian of the point ``tcp`` over n joints whose links have world rotations ``R``
    (n×3×3) and origins ``P`` (n×3); ``axes`` are the joint axes in their link frames."""
    J = np.empty((6, len(R)))
    _jacobian_into(R, P, np.arange(len(R)), axes, prismatic, tcp, J)
    return J


def ik_step(R, P, axes, prismatic, tcp, e_p, e_r, q, q_target, lim, params) -> np.ndarray:
    """New joint targets for one arm of n joints (link frames ``R``, ``P`` and joints ``q`` /
    ``q_target`` given per joint) moving its TCP by ``e_p`` / ``e_r`` (world frame): the compiled step
    of :func:`ee_delta_arms`, for one arm."""
    n = len(q)
    out = np.empty(n)
    _ik_step_into(R, P, np.arange(n), axes, prismatic, np.asarray(tcp, dtype=float), e_p, e_r, q, q_target,
                  np.arange(n), lim, params, ik_scratch(n), out)
    return out


@njit(cache=True)
def ee_delta_arms(P, R, torso_row, R_fix, cmd, active, q, q_target, n_joints, cols, rows, axes, prismatic, lim,
                  ee_rows, tcp, params, W):
    """Differential IK for both arms in one call: arm ``k`` (0 left, 1 right) with ``active[k]`` moves its
    TCP by ``cmd[k, :3]`` and rotates it by ``cmd[k, 3:]`` (axis-angle), both in the canonical torso
    frame (``active`` is 0/1 per arm); its joints' targets in ``q_target`` are updated in place. Per-arm tables are padded to the
    longer arm (``n_joints[k]`` valid entries); ``W`` is the scratch buffer (:func:`ik_scratch`)."""
    v = W[_S_V]
    tR, tcp_w, e_p, e_r, y = v[114:123].reshape(3, 3), v[123:126], v[126:129], v[129:132], v[132:135]
    _mm_into(R[torso_row], R_fix, tR)
    for k in range(2):
        m = n_joints[k]
        if m == 0 or active[k] == 0.0:
            continue
        e = ee_rows[k]
        _mv_into(R[e], tcp[k], y)
        for i in range(3):
            tcp_w[i] = P[e, i] + y[i]
        _mv_into(tR, cmd[k, :3], e_p)
        _mv_into(tR, cmd[k, 3:], e_r)
        c = cols[k, :m]
        qt = W[_S_RES, :m]
        _ik_step_into(R, P, rows[k, :m], axes[k, :m], prismatic[k, :m], tcp_w, e_p, e_r, q, q_target, c, lim[k, :m],
                      params, W, qt)
        for j in range(m):
            q_target[c[j]] = qt[j]


@njit(cache=True)
def set_grip(k, g, grips, q_target, f_n, f_cols, f_open, f_closed):
    """Hand ``k`` (0 left, 1 right) to grip ``g`` in [0, 1]: its finger joints' targets follow it."""
    grips[k] = g
    for j in range(f_n[k]):
        q_target[f_cols[k, j]] = f_open[k, j] + g * (f_closed[k, j] - f_open[k, j])


@njit(cache=True)
def canonical_action(a, delta_scale, max_dhead, P, R, torso_row, R_fix, q, q_target, n_joints, cols, rows, axes,
                     prismatic, lim, ee_rows, tcp, params, W, grips, f_n, f_cols, f_open, f_closed, head_cols,
                     head_signs, head_lo, head_hi):
    """One canonical ``ee_delta`` action (16 numbers: per arm Δxyz, Δaxis-angle, grip; head Δyaw, Δpitch)
    turned into joint targets, in place: clipped to [-1, 1], scaled, IK for both arms, grips, head.
    Returns False, touching nothing, when the action holds a NaN/inf."""
    for i in range(a.shape[0]):
        if not np.isfinite(a[i]):
            return False
    cmd = W[_S_V, 135:147].reshape(2, 6)
    active = W[_S_V, 147:149]
    for k in range(2):
        active[k] = 0.0
        for j in range(6):
            x = min(max(a[7 * k + j], -1.0), 1.0)
            cmd[k, j] = x * delta_scale[j]
            if x != 0:
                active[k] = 1.0
    ee_delta_arms(P, R, torso_row, R_fix, cmd, active, q, q_target, n_joints, cols, rows, axes, prismatic, lim,
                  ee_rows, tcp, params, W)
    for k in range(2):
        if ee_rows[k] >= 0:
            set_grip(k, 1.0 if a[7 * k + 6] > 0 else 0.0, grips, q_target, f_n, f_cols, f_open, f_closed)
    for k in range(2):
        c = head_cols[k]
        d = min(max(a[14 + k], -1.0), 1.0) * max_dhead
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
def robot_state(PQ, q, qd, base_pos, base_orn, base_vel, base_ang, torso_row, R_fix, ee_rows, tcp, R_tcp, grips, cam_row,
                cam_off, cam_R, lo, hi, max_joint_speed, max_speed):
    """Everything the env derives from one step's state reads, in one call: the link frames' rotations
    (from the xyzw quaternions in ``PQ[:, 3:]``), the float32 proprioceptive and canonical observations
    and the robot's physics health (:func:`robot_health`)."""
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
    canonical = canonical_obs(PQ[:, :3], R, torso_row, R_fix, ee_rows, tcp, R_tcp, grips, cam_row, cam_off,
                              cam_R).astype(np.float32)
    code, joint = robot_health(q, qd, base_pos, base_vel, lo, hi, max_joint_speed, max_speed)
    return R, proprio, canonical, code, joint


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
