"""Control modes: one class per mode behind a small interface, discovered from envs/controllers/."""
from __future__ import annotations

import numpy as np
import pytest

import humanoid_ground as hg
from humanoid_ground.envs.controllers import Controller, controller_names
from humanoid_ground.envs.controllers.joint_delta import MAX_DQ
from humanoid_ground.envs.layout import ACTION_DIM, STATE_DIM
from humanoid_ground.errors import UnknownNameError


def test_the_modes_are_discovered():
    assert controller_names()[:1] == ("ee_delta",)
    assert {"ee_delta", "joint_pos", "joint_delta"} <= set(controller_names())


@pytest.mark.parametrize("control", ["joint_pos", "joint_delta"])
def test_native_modes_pass_gymnasium_check(control):
    from gymnasium.utils.env_checker import check_env

    env = hg.make("reach", robot="booster_t1", control=control)
    u = env.unwrapped
    assert isinstance(u.controller, Controller) and u.controller.name == control
    assert env.action_space.shape == (u.robot.n + len(u.robot.arms),)
    assert env.observation_space["canonical"].shape == (STATE_DIM,)
    check_env(u, skip_render_check=True)
    env.close()


def test_joint_delta_moves_targets_by_bounded_steps():
    env = hg.make("reach", robot="unitree_h1", control="joint_delta")
    u = env.unwrapped
    env.reset(seed=0)
    n = u.robot.n
    q0 = u.robot.q_target.copy()
    env.step(np.zeros(n + len(u.robot.arms), np.float32))  # zero holds every target (grips open)
    np.testing.assert_allclose(u.robot.q_target, q0, atol=1e-9)
    a = np.zeros(n + len(u.robot.arms), np.float32)
    j = u.robot.arms["right"].cols[3]
    a[j] = 2.0  # clipped to 1
    env.step(a)
    expect = min(q0[j] + MAX_DQ, u.robot.body.upper[j])
    assert abs(u.robot.q_target[j] - expect) < 1e-9
    moved = np.flatnonzero(np.abs(u.robot.q_target - q0) > 1e-9)
    assert moved.tolist() == [j]
    a[:] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        env.step(a)
    env.close()


def test_canonical_mode_is_the_same_on_every_robot():
    shapes = {hg.make("reach", robot=r).action_space.shape for r in ("unitree_h1", "robotis_op3")}
    assert shapes == {(ACTION_DIM,)}


def test_unknown_mode_names_the_valid_ones():
    with pytest.raises(UnknownNameError, match="joint_delta"):
        hg.make("reach", robot="unitree_h1", control="joint_velocity")
