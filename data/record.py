"""Record episodes from an env and a policy into the canonical schema (unpadded, in memory)."""
from __future__ import annotations

import numpy as np

from humanoid_ground.envs.layout import ACT_GRIP, ACT_POS, ACT_ROT, ACTION_DIM, SIDES, ST_POS, ST_QUAT, action_field, state_field
from humanoid_ground.envs.robot import MAX_DPOS, MAX_DROT
from humanoid_ground.envs.rotations import mat_to_rotvec, quat_to_mat

CAMERA_OBS = {"head": "rgb_head", "left_wrist": "rgb_left_wrist", "right_wrist": "rgb_right_wrist"}


def camera_list(spec, robot) -> list[str]:
    """``cameras=head,wrist`` -> the camera keys this robot has (wrist cameras only where its card defines them)."""
    from humanoid_ground.errors import HGroundError

    out = []
    for c in spec or []:
        c = str(c).strip()
        if c == "head":
            out.append("head")
        elif c == "wrist":
            out += [f"{s}_wrist" for s in ("left", "right") if s in robot.wrist_cams]
        elif c in CAMERA_OBS:
            if c.split("_")[0] in robot.wrist_cams:
                out.append(c)
        elif c:
            raise HGroundError(f"unknown camera '{c}'; use head, wrist, left_wrist or right_wrist")
    return list(dict.fromkeys(out))


def native_action(env, action: np.ndarray) -> np.ndarray:
    """The step's native command: joint targets in [-1, 1] over the joint limits + left/right grip."""
    r = env.robot
    lo, hi = r.body.lower, r.body.upper
    q = 2.0 * (r.q_target - lo) / np.maximum(hi - lo, 1e-9) - 1.0
    grips = [2.0 * float(r.grips[k]) - 1.0 if side in r.arms else 0.0 for k, side in enumerate(("left", "right"))]
    return np.concatenate([np.clip(q, -1, 1), grips])


def canonical_from_motion(s0: np.ndarray, s1: np.ndarray, native: np.ndarray) -> np.ndarray:
    """For non-canonical control: the canonical action that the observed TCP motion corresponds to."""
    a = np.zeros(ACTION_DIM)
    for k in range(len(SIDES)):
        pos, quat = state_field(ST_POS, k), state_field(ST_QUAT, k)
        if not np.any(s0[quat]):
            continue
        R0, R1 = quat_to_mat(s0[quat]), quat_to_mat(s1[quat])
        a[action_field(ACT_POS, k)] = (s1[pos] - s0[pos]) / MAX_DPOS
        a[action_field(ACT_ROT, k)] = mat_to_rotvec(R1 @ R0.T) / MAX_DROT
        a[action_field(ACT_GRIP, k)] = native[-2 + k]
    return np.clip(a, -1, 1)


def record_episode(env, policy, seed: int, cameras: list[str], action_noise: float = 0.0, executor=None,
                   executor_beta: float = 0.0) -> dict:
    """One episode of ``policy`` in ``env`` (made with obs="rgb" when cameras are recorded).

    ``action_noise`` > 0 (DART-style data for imitation): the env executes the policy's action plus
    Gaussian noise of that standard deviation (clipped to [-1, 1]), the dataset's ``action`` keeps the
    policy's own action, so a closed-loop expert's corrections from perturbed states become the labels;
    ``action.native`` is the executed command. The noise is drawn from ``seed``.

    ``executor`` (DAgger-style data): another policy drives the episode — at each step the env executes
    the executor's action, or with probability ``executor_beta`` the policy's own — while ``action``
    records the policy's (the expert's) action on the states the executor reaches: the labels a learner
    needs where it drifts from the demonstrations. Both are called every step (a scripted expert follows
    its plan on whatever state it finds, a chunking policy keeps its queue)."""
    rng = np.random.default_rng([int(seed), 0xDA27])
    u = env.unwrapped
    obs, info = env.reset(seed=int(seed))
    for pol in (policy, executor):
        if pol is not None and hasattr(pol, "reset"):  # state across steps (observation history, action chunks)
            pol.reset()
    rows: dict[str, list] = {k: [] for k in ("observation.state", "observation.task_state", "observation.joint_pos",
                                              "observation.joint_vel", "observation.base", "action", "action.native",
                                              "next.reward", "next.done", "next.truncated", "next.success")}
    images = {c: [] for c in cameras}
    n = u.robot.n
    done = False
    while not done:
        a = np.asarray(policy(obs), dtype=np.float32)
        p = obs["proprio"]
        rows["observation.state"].append(obs["canonical"])
        rows["observation.task_state"].append(obs["task"])
        rows["observation.joint_pos"].append(p[:n])
        rows["observation.joint_vel"].append(p[n: 2 * n])
        rows["observation.base"].append(p[2 * n: 2 * n + 13])
        for c in cameras:
            images[c].append(obs[CAMERA_OBS[c]])
        state0 = obs["canonical"]
        executed = a if action_noise <= 0 else np.clip(a + rng.normal(0.0, action_noise, a.shape), -1.0, 1.0).astype(np.float32)
        if executor is not None:
            b = np.asarray(executor(obs), dtype=np.float32)
            if not rng.random() < executor_beta:
                executed = b
        obs, r, term, trunc, info = env.step(executed)
        nat = native_action(u, executed)
        rows["action.native"].append(nat)
        rows["action"].append(a if u.controller.canonical else canonical_from_motion(state0, obs["canonical"], nat))
        rows["next.reward"].append(r)
        rows["next.done"].append(term or trunc)
        rows["next.truncated"].append(trunc and not term)
        rows["next.success"].append(bool(info["is_success"]))
        done = term or trunc
    T = len(rows["action"])
    ep = {k: np.asarray(v, dtype=np.float32) for k, v in rows.items() if not k.startswith("next.")}
    ep["next.reward"] = np.asarray(rows["next.reward"], dtype=np.float32)
    for k in ("next.done", "next.truncated", "next.success"):
        ep[k] = np.asarray(rows[k], dtype=bool)
    ep["observation.joint_mask"] = np.ones((T, n), dtype=bool)
    ep["action.native_mask"] = np.concatenate([np.ones((T, n), bool), np.tile([[s in u.robot.arms for s in ("left", "right")]], (T, 1))], axis=1)
    p = obs["proprio"]
    ep["final"] = {"observation.state": obs["canonical"].astype(np.float32), "observation.task_state": obs["task"].astype(np.float32),
                   "observation.joint_pos": p[:n].astype(np.float32), "observation.joint_vel": p[n: 2 * n].astype(np.float32),
                   "observation.base": p[2 * n: 2 * n + 13].astype(np.float32)}
    ep["images"] = {c: np.asarray(v, dtype=np.uint8) for c, v in images.items()}
    ep["meta"] = {"robot": u.card.name, "task": u.task_name, "seed": int(seed), "length": T, "dof": n,
                  "success": bool(info["is_success"]), "return": float(ep["next.reward"].sum()),
                  "physics_error": info.get("physics_error")}
    return ep
