"""Scene cells where the arm would press into its own body are left out (envs/clearance.py), checked
against the real physics: the controller walks the TCP to every cell the IK reaches."""
from __future__ import annotations

import numpy as np

import humanoid_ground as hg
from humanoid_ground.envs.robot import MAX_DPOS, MAX_DROT
from humanoid_ground.envs.rotations import mat_to_rotvec


def _walk(env, side: str, target: np.ndarray, steps: int = 120) -> float:
    """Servo one TCP to ``target`` from the default pose, holding its orientation (the experts' gains and
    limits) through the physics; the TCP's final distance to the target (m)."""
    u = env.unwrapped
    r = u.robot
    r.reset()
    R_goal = r.tcp_world(side)[1].copy()
    for _ in range(steps):
        tcp, R = r.tcp_world(side)
        _, tR = r.torso_pose()
        r.ee_delta(side, np.clip(tR.T @ (target - tcp), -MAX_DPOS, MAX_DPOS),
                   np.clip(0.7 * (tR.T @ mat_to_rotvec(R_goal @ R.T)), -MAX_DROT, MAX_DROT))
        r.apply_targets()
        u.sim.step()
        r.refresh()
    return float(np.linalg.norm(r.tcp_world(side)[0] - target))


def test_cells_left_out_are_where_the_arm_meets_its_body():
    """booster_t1's 5-joint arms: the IK reaches cells right in front of the chest, but the controller's
    own walk there presses the upper arm into the torso and stops centimetres short; those cells are
    left out, and every cell kept is reached."""
    env = hg.make("reach", robot="booster_t1")
    env.reset(seed=0)
    u = env.unwrapped
    ws, r = u.workspace, u.robot
    so = max(ws.scale, 0.6)
    removed, kept = [], []
    for side in r.arms:
        ik_cells, _ = ws._reachable_cells(r, side)
        keep = {tuple(np.round(c, 6)) for c in ws.cells[side]}
        assert keep <= {tuple(np.round(c, 6)) for c in ik_cells}
        for xy in ik_cells:
            err = _walk(env, side, np.array([xy[0], xy[1], ws.bench_top + ws.HEIGHTS[0] * so]))
            (kept if tuple(np.round(xy, 6)) in keep else removed).append(err)
    env.close()
    assert removed, "the clearance check removed no cell of booster_t1"
    assert max(removed) > 0.03  # the arm stopped against the chest
    assert max(kept) < 0.015  # within a grasp of every cell kept
