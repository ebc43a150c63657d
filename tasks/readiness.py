"""Task-level readiness checks for ``hground robots check`` (the body-level ones are in
:mod:`humanoid_ground.envs.readiness`): these build a task's scene on the robot.

- ``inspection_setup``: the inspection scene derived from the camera (part placement, range, facing)
  is feasible for this camera's height and field of view: the part lies within the inspection range,
  and the scripted expert, aiming the camera with whatever neck joints the card maps, inspects every
  point in one episode (seed 0). A warning, not a failure, otherwise: only the inspection tasks need it.
- ``defect_sort_view``: ``defect_sort`` inspects parts where they lie on the bench, so each arm needs bench
  positions it reaches that the camera can aim at with the neck joints it has (a camera that cannot
  pitch, or a fixed one, sees only part of the bench). A warning otherwise.
"""
from __future__ import annotations

import numpy as np

from humanoid_ground.robots.validate import Check


def inspection_check(robot_name: str, seed: int = 0) -> Check:
    from . import expert
    from .registry import make_task_env, task_config

    env = make_task_env("inspect", robot=robot_name)
    try:
        u = env
        t, p_ = u.task, u.task.params
        obs, info = env.reset(seed=seed)
        cp, _ = u.robot.camera_pose()
        dist = float(np.linalg.norm(t.pts.mean(axis=0) - cp))
        lo, hi = p_.min_range * t.s, p_.max_range * t.s
        geometry = (f"camera {cp[2] - u.workspace.bench_top:.2f} m above the bench, part {dist:.2f} m away "
                    f"(inspection range {lo:.2f}-{hi:.2f} m), field of view {u.robot.fov:.0f}°")
        if not lo <= dist <= hi:
            return Check("inspection_setup", "warn", f"the inspection part is out of range: {geometry}; the inspect and "
                                                     "defect_sort tasks cannot work (check head_camera and fov)")
        pol = expert(env)
        for _ in range(int(task_config("inspect")["max_episode_steps"])):
            obs, _, term, _, info = env.step(pol(obs))
            if term:
                break
        seen, n = int(t.seen.sum()), len(t.seen)
        if seen < n:
            return Check("inspection_setup", "warn", f"the scripted expert inspected {seen} of {n} points in one episode: "
                                                     f"{geometry}; check the head joint mapping and head_camera")
        return Check("inspection_setup", "pass", f"{geometry}; the scripted expert inspects all {n} points")
    finally:
        env.close()


def defect_sort_check(robot_name: str) -> Check:
    from .registry import make_task_env

    env = make_task_env("defect_sort", robot=robot_name)
    try:
        t, ws = env.task, env.workspace
        counts = {side: int(t._aimable(ws.cells[side]).sum()) for side in env.robot.arms}
        if not counts:
            return Check("defect_sort_view", "skip", "no arms")
        text = ", ".join(f"{side} arm {n} of {len(ws.cells[side])}" for side, n in counts.items())
        per_arm = -(-t.params.n_parts // len(counts))  # parts dealt to each arm
        short = [side for side, n in counts.items() if n < per_arm]
        if short:
            return Check("defect_sort_view", "warn", f"bench positions the camera can aim at: {text}; the "
                                                    f"{' and '.join(short)} arm cannot lay {per_arm} part(s) where the camera "
                                                    "inspects them, so defect_sort sorts uninspected parts (check head_camera "
                                                    "and head_joints" + (", or use task_params={'n_parts': 1})"
                                                                         if min(counts.values()) else ")"))
        return Check("defect_sort_view", "pass", f"bench positions the camera can aim at: {text}")
    finally:
        env.close()
