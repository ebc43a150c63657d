"""Environments: Gymnasium API conformance, canonical spaces, determinism, bad actions, physics faults."""
from __future__ import annotations

import os

import gymnasium as gym
import numpy as np
import pytest

import humanoid_ground as hg
from conftest import robot_for
from humanoid_ground.errors import HGroundError, UnknownNameError
from humanoid_ground.robots._pybullet import p

THREE_ROBOTS = ["unitree_h1", "fourier_gr1t2", "unitree_g1"]


@pytest.mark.parametrize("robot", THREE_ROBOTS)
@pytest.mark.parametrize("task", ["reach", "pick_place", "peg_insert"])
def test_gymnasium_check_env(task, robot):
    from gymnasium.utils.env_checker import check_env

    env = hg.make(task, robot=robot)
    check_env(env.unwrapped, skip_render_check=True)
    env.close()


from humanoid_ground.tasks.registry import task_names  # noqa: E402  (tests discover the tasks)


@pytest.mark.parametrize("task", [t for t in task_names() if t not in ("reach", "pick_place", "peg_insert")])
def test_gymnasium_check_env_all_tasks(task):
    from gymnasium.utils.env_checker import check_env

    env = hg.make(task, robot=robot_for(task))
    check_env(env.unwrapped, skip_render_check=True)
    env.close()


def test_every_task_registered():
    from humanoid_ground.tasks.registry import tasks

    t = tasks()
    assert {"reach", "pick_place", "peg_insert", "shaft_insert", "bimanual_mount", "inspect", "defect_sort"} <= set(t)
    for name, cls in t.items():
        assert cls.env_id in gym.registry and cls.name == name


def test_gym_make_by_id_and_canonical_spaces():
    shapes = set()
    for robot in ("unitree_h1", "booster_t1"):
        env = gym.make("hground/Reach-v0", robot=robot)
        obs, info = env.reset(seed=0)
        assert env.action_space.shape == (16,)
        assert obs["canonical"].shape == (23,) and obs["task"].shape == env.observation_space["task"].shape
        assert set(info) >= {"is_success", "task_metrics", "robot", "physics"}
        shapes.add(obs["proprio"].shape)
        env.close()
    assert len(shapes) == 2  # native joints differ between robots, the canonical part does not


def _rollout(seed: int, actions: np.ndarray):
    env = hg.make("pick_place", robot="unitree_h1")
    obs, _ = env.reset(seed=seed)
    out = [np.concatenate([v.ravel() for v in obs.values()])]
    rewards = []
    for a in actions:
        obs, r, *_ = env.step(a)
        out.append(np.concatenate([v.ravel() for v in obs.values()]))
        rewards.append(r)
    env.close()
    return np.array(out), np.array(rewards)


def test_determinism_bit_identical():
    acts = np.random.default_rng(0).uniform(-1, 1, (40, 16)).astype(np.float32)
    a1, r1 = _rollout(3, acts)
    a2, r2 = _rollout(3, acts)
    assert np.array_equal(a1, a2) and np.array_equal(r1, r2)
    b1, _ = _rollout(4, acts)
    assert not np.array_equal(a1[0], b1[0])  # another seed gives another start


def test_nan_action_rejected_without_stepping():
    env = hg.make("reach", robot="unitree_h1")
    env.reset(seed=0)
    u = env.unwrapped
    q_before = u.robot.q.copy()
    a = np.zeros(16, dtype=np.float32)
    a[[2, 9]] = [np.nan, np.inf]
    with pytest.raises(ValueError, match=r"indices \[2, 9\]"):
        env.step(a)
    assert u.steps == 0 and np.array_equal(u.robot.q, q_before)
    with pytest.raises(ValueError, match="shape"):
        env.step(np.zeros(5))
    env.step(np.full(16, 7.0, dtype=np.float32))  # out of range: clipped, not an error
    env.close()


@pytest.mark.parametrize("control", ["ee_delta", "joint_pos"])
def test_action_kernel_clips_and_leaves_targets_alone_on_nan(control):
    """The compiled action path (G1: fingers and a waist-aimed camera): an out-of-range action gives
    exactly the targets of its clipped copy; a NaN anywhere changes no target and no grip."""
    env = hg.make("reach", robot="unitree_g1", control=control)
    env.reset(seed=0)
    r = env.unwrapped.robot
    apply = r.canonical_action if control == "ee_delta" else r.joint_action
    a = np.random.default_rng(0).uniform(-3.0, 3.0, env.action_space.shape)
    q0, g0 = r.q_target.copy(), r.grips.copy()
    bad = a.copy()
    bad[-1] = np.nan
    assert not apply(bad)
    assert np.array_equal(r.q_target, q0) and np.array_equal(r.grips, g0)
    assert apply(a)
    big, grips = r.q_target.copy(), r.grips.copy()
    assert not np.allclose(big, q0)  # the action did move the targets
    r.q_target[:] = q0
    assert apply(np.clip(a, -1.0, 1.0))
    assert np.array_equal(r.q_target, big) and np.array_equal(r.grips, grips)
    assert set(grips.tolist()) <= {0.0, 1.0}
    env.close()


def test_physics_blowup_truncates_and_next_reset_is_clean():
    env = hg.make("pick_place", robot="unitree_h1")
    env.reset(seed=0)
    u = env.unwrapped
    part = u.task.part
    p.applyExternalForce(part, -1, [0, 0, 5e7], [0, 0, 0], p.LINK_FRAME, physicsClientId=u.cid)
    obs, r, term, trunc, info = env.step(np.zeros(16, dtype=np.float32))
    for _ in range(5):
        if trunc:
            break
        obs, r, term, trunc, info = env.step(np.zeros(16, dtype=np.float32))
    assert trunc and "physics_error" in info and "m/s" in info["physics_error"]
    assert all(np.all(np.isfinite(v)) for v in obs.values())
    obs, info = env.reset(seed=1)
    assert info["physics"]["ok"] and all(np.all(np.isfinite(v)) for v in obs.values())
    obs, r, term, trunc, info = env.step(np.zeros(16, dtype=np.float32))
    assert not trunc and "physics_error" not in info
    env.close()


def _rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def test_200_envs_do_not_leak():
    def cycle():
        env = hg.make("reach", robot="unitree_h1")
        env.reset(seed=0)
        env.step(np.zeros(16, dtype=np.float32))
        env.close()

    for _ in range(20):  # warm-up: caches, allocator pools
        cycle()
    before = _rss_mb()
    for _ in range(180):
        cycle()
    grown = _rss_mb() - before
    assert grown < 40, f"RSS grew {grown:.1f} MB over 180 env create/close cycles"


def test_joint_pos_control_and_rgbd_obs():
    env = hg.make("reach", robot="unitree_h1", control="joint_pos", obs="rgbd", image_size=48)
    obs, _ = env.reset(seed=0)
    u = env.unwrapped
    assert env.action_space.shape == (u.robot.n + 2,)
    assert obs["rgb_head"].shape == (48, 48, 3) and obs["depth_head"].shape == (48, 48, 1)
    assert obs["rgb_head"].std() > 1.0  # a real picture, not a constant frame
    obs2, *_ = env.step(np.zeros(env.action_space.shape, dtype=np.float32))
    assert np.all(np.isfinite(obs2["depth_head"])) and obs2["depth_head"].min() > 0
    env.close()


def test_floating_base_runs():
    env = hg.make("reach", robot="unitree_g1", base="floating")
    env.reset(seed=0)
    for _ in range(20):
        obs, r, term, trunc, info = env.step(np.zeros(16, dtype=np.float32))
        assert "fell" in info
    assert np.isfinite(r)
    env.close()


def test_bad_names_one_line():
    with pytest.raises(UnknownNameError, match="Did you mean 'pick_place'"):
        hg.make("pick_plce")
    with pytest.raises(UnknownNameError, match="control"):
        hg.make("reach", control="torque")
    with pytest.raises(HGroundError, match="unknown parameter"):
        hg.make("reach", task_params={"tolerance": 1})
    with pytest.raises(UnknownNameError, match="robot"):
        hg.make("reach", robot="unitree_h2")


def test_legless_armless_robot_refused_for_arm_tasks():
    with pytest.raises(HGroundError, match="cannot do task .reach.: needs 1 arm"):
        hg.make("reach", robot="berkeley_humanoid")


def test_wrist_camera_from_a_registered_card(tmp_path):
    """A vendor card with a wrist camera gets wrist images next to the head image, with no code."""
    import yaml

    from humanoid_ground.robots import load_card, register
    from robot_files import write_vendor_robot

    path = write_vendor_robot(tmp_path)
    card = yaml.safe_load(path.read_text())
    card["arms"]["right"]["wrist_camera"] = {"link": "right_forearm", "xyz": [0.0, 0.0, -0.1], "rpy": [0.0, 1.5, 0.0], "fov": 80}
    path.write_text(yaml.safe_dump(card))
    register(load_card(path))
    env = hg.make("reach", robot="acme_bot", obs="rgb", image_size=32)
    obs, _ = env.reset(seed=0)
    assert obs["rgb_right_wrist"].shape == (32, 32, 3) and "rgb_left_wrist" not in obs
    assert env.observation_space.contains(obs)
    env.close()


@pytest.mark.parametrize("robot", ["apptronik_apollo", "unitree_h1", "openloong_qinglong"])
def test_ik_jacobian_matches_finite_differences(robot):
    """The URDF-chain Jacobian equals central finite differences of PyBullet's own link poses."""
    from humanoid_ground.envs.robot import Robot
    from humanoid_ground.envs.rotations import mat_to_rotvec
    from humanoid_ground.envs.sim import Sim, SimConfig
    from humanoid_ground.robots import get_card, load_asset

    sim = Sim(SimConfig())
    r = Robot(load_asset(get_card(robot)), sim.cid)
    rng = np.random.default_rng(0)
    c = r.arms["left"].cols
    q0 = r.body.default_q.copy()
    q0[c] = np.clip(q0[c] + rng.uniform(-0.5, 0.5, len(c)), r.body.lower[c], r.body.upper[c])
    r.body.reset_pose(q0)
    r.refresh()
    J = r.jacobian("left")
    Jn = np.zeros_like(J)
    h = 1e-3
    for k, ci in enumerate(c):
        poses = []
        for sgn in (1, -1):
            q = q0.copy()
            q[ci] += sgn * h
            r.body.reset_pose(q)
            r.refresh()
            poses.append(r.tcp_world("left"))
        Jn[:3, k] = (poses[0][0] - poses[1][0]) / (2 * h)
        Jn[3:, k] = mat_to_rotvec(poses[0][1] @ poses[1][1].T) / (2 * h)
    sim.close()
    assert np.abs(J - Jn).max() < 1e-3


@pytest.mark.parametrize("robot,base", [("unitree_g1", "fixed"), ("apptronik_apollo", "floating")])
def test_ik_jacobian_matches_urdf_kinematics(robot, base):
    """The hot-path Jacobian (from PyBullet's joint frames) equals the one from the URDF chain."""
    import numpy as np

    from humanoid_ground.envs.rotations import quat_to_mat

    env = hg.make("reach", robot=robot, base=base)
    env.reset(seed=1)
    rng = np.random.default_rng(0)
    for _ in range(5):
        env.step(rng.uniform(-1, 1, env.action_space.shape).astype(np.float32))
    r = env.unwrapped.robot
    T = np.eye(4)
    T[:3, :3], T[:3, 3] = quat_to_mat(r.base_orn), r.base_pos
    for side, arm in r.arms.items():
        J_urdf, tcp, _ = r.kin.jacobian(arm.chain, r.q, T, arm.tcp_link, arm.cols)
        assert np.allclose(r.jacobian(side), J_urdf, atol=1e-5)
        assert np.allclose(r.tcp_world(side)[0], tcp, atol=1e-5)
        # the compiled frames the observations use agree with the numpy ones the experts use
        assert np.allclose(r.tcp_position(side), r.tcp_world(side)[0], atol=1e-12)
        assert np.allclose(r.tcp_rotation(side), r.tcp_world(side)[1], atol=1e-12)
    tp, tR = r.torso_pose()
    assert np.array_equal(r.torso_position, tp) and np.allclose(r.to_torso, tR.T, atol=1e-12)
    env.close()


@pytest.mark.parametrize("k,limit", [(1, "upper"), (4, "lower")])
def test_ik_redundant_arm_works_around_a_joint_at_its_limit(k, limit):
    """A 7-joint arm with one joint at its limit still moves its TCP as commanded (the others take
    over) and does not push the stuck joint further."""
    import numpy as np

    env = hg.make("reach", robot="apptronik_apollo")
    env.reset(seed=0)
    r = env.unwrapped.robot
    c = r.arms["right"].cols
    q = r.q.copy()
    q[c[k]] = getattr(r.body, limit)[c[k]]
    r.reset(q)
    J = r.jacobian("right")
    _, tR = r.torso_pose()
    for d in np.eye(3) * 0.005:
        r.q_target = r.q.copy()
        r.ee_delta("right", d, np.zeros(3))
        dq = r.q_target[c] - r.q[c]
        assert (dq[k] <= 1e-9) if limit == "upper" else (dq[k] >= -1e-9)  # not pushed past the limit
        moved, want = J[:3] @ dq, tR @ d
        assert np.dot(moved, want) >= 0.8 * np.dot(want, want)  # at least 80 % of the command, along it
    env.close()


def _reference_ik_step(J, e_p, e_r, q, q_target, lo, hi):
    """The IK step written plainly in numpy (projector formed explicitly): the compiled kernel must agree."""
    from humanoid_ground.envs.robot import IK_DAMPING, LIMIT_GAIN, MAX_DQ, MAX_LEAD, ROT_DAMPING

    def tp(J):
        Jp, Jr = J[:3], J[3:]
        Jp_pinv = Jp.T @ np.linalg.inv(Jp @ Jp.T + IK_DAMPING ** 2 * np.eye(3))
        N = np.eye(J.shape[1]) - Jp_pinv @ Jp
        dq = Jp_pinv @ e_p
        JrN = Jr @ N
        return dq + N @ JrN.T @ np.linalg.inv(JrN @ JrN.T + ROT_DAMPING ** 2 * np.eye(3)) @ (e_r - Jr @ dq)

    dq = tp(J)
    stuck = ((q + dq >= hi - 1e-3) & (dq > 0)) | ((q + dq <= lo + 1e-3) & (dq < 0))
    if len(q) >= 6 and stuck.any():
        dq = tp(np.where(stuck, 0.0, J))
        dq[stuck] = 0.0
    u = (q - (lo + hi) / 2) / ((hi - lo) / 2)
    push = np.where(np.abs(u) > 0.7, -LIMIT_GAIN * u, 0.0)
    if push.any():
        dq = dq + push - J.T @ np.linalg.inv(J @ J.T + IK_DAMPING ** 2 * np.eye(6)) @ (J @ push)
    dq *= min(1.0, MAX_DQ / np.abs(dq).max())
    return np.clip(np.clip(q_target + dq, q - MAX_LEAD, q + MAX_LEAD), lo, hi)


@pytest.mark.parametrize("robot", ["unitree_h1", "apptronik_apollo", "robotis_op3"])
def test_compiled_ik_step_equals_plain_numpy(robot):
    """The compiled IK (4-, 7- and 3-joint arms, joints near and at their limits) equals the textbook
    numpy formulation to rounding."""
    from humanoid_ground.envs import kernels
    from humanoid_ground.envs.robot import IK_PARAMS

    env = hg.make("reach", robot=robot)
    env.reset(seed=0)
    r = env.unwrapped.robot
    rng = np.random.default_rng(3)
    for trial in range(20):
        side = "left" if trial % 2 else "right"
        arm, c = r.arms[side], r.arms[side].cols
        q = r.body.default_q.copy()
        q[c] = rng.uniform(arm.lo, arm.hi)
        if trial % 4 == 0:
            q[c[trial % len(c)]] = arm.hi[trial % len(c)]
        r.reset(q)
        J = r.jacobian(side)
        e_p, e_r = rng.normal(0, 0.01, 3), rng.normal(0, 0.05, 3)
        qt = q[c] + rng.normal(0, 0.05, len(c))
        rows = r._arm_rows[side]
        got = kernels.ik_step(r._R[rows], r._P[rows], arm.axes, arm.prismatic, r.tcp_world(side)[0], e_p, e_r, q[c], qt,
                              np.stack([arm.lo, arm.hi, arm.mid, arm.half], axis=1), IK_PARAMS)
        assert np.allclose(got, _reference_ik_step(J, e_p, e_r, q[c], qt, arm.lo, arm.hi), atol=1e-10)
    env.close()


def test_rotation_helpers_at_the_edges():
    """Compiled rotation helpers: identity, a half turn (axis from the symmetric part), quaternion sign."""
    from humanoid_ground.envs.rotations import mat_to_quat, mat_to_rotvec, quat_to_mat

    assert np.allclose(mat_to_rotvec(np.eye(3)), 0.0)
    a = np.array([1.0, 2.0, 2.0]) / 3.0
    R_half = 2 * np.outer(a, a) - np.eye(3)  # 180° about a
    v = mat_to_rotvec(R_half)
    assert np.isclose(np.linalg.norm(v), np.pi) and np.isclose(abs(v @ a), np.pi)
    q = np.array([0.3, -0.2, 0.5, -0.78])
    q /= np.linalg.norm(q)
    assert np.allclose(mat_to_quat(quat_to_mat(q)), -q)  # w ≥ 0
