"""Scripted experts solve their tasks (a few seeds here; the full table is scripts/expert_table.py)."""
from __future__ import annotations

import pytest

import humanoid_ground as hg
from humanoid_ground.tasks import expert, expert_success


def _success_rate(task: str, robot: str, seeds) -> float:
    return expert_success(task, robot, seeds) / len(seeds)


@pytest.mark.parametrize("robot", ["unitree_h1", "fourier_gr1t2", "booster_t1"])
def test_reach_expert(robot):
    assert _success_rate("reach", robot, range(4)) >= 0.75


@pytest.mark.parametrize("robot", ["unitree_h1", "fourier_gr1t2"])
def test_pick_place_expert(robot):
    assert _success_rate("pick_place", robot, range(3)) >= 0.66


def test_peg_insert_expert_and_metrics():
    env = hg.make("peg_insert", robot="fourier_gr1t2")
    pol = expert(env)
    obs, info = env.reset(seed=0)
    assert set(info["task_metrics"]) >= {"lateral_error", "depth", "max_contact_force"}
    done = False
    while not done:
        obs, r, term, trunc, info = env.step(pol(obs))
        done = term or trunc
    assert info["is_success"] and info["task_metrics"]["depth_fraction"] >= 0.8
    env.close()


def test_expert_needs_canonical_control():
    from humanoid_ground.errors import HGroundError

    env = hg.make("reach", robot="unitree_h1", control="joint_pos")
    with pytest.raises(HGroundError, match="ee_delta"):
        expert(env)
    env.close()


@pytest.mark.parametrize("task,seeds", [("shaft_insert", 2), ("bimanual_mount", 1), ("inspect", 2)])
def test_more_experts_on_h1(task, seeds):
    assert expert_success(task, "unitree_h1", range(seeds)) == seeds


def test_inspection_is_geometric_and_defects_hidden_until_seen():
    import numpy as np

    env = hg.make("defect_sort", robot="unitree_h1", task_params={"defect_probability": 1.0})
    obs, _ = env.reset(seed=0)
    u = env.unwrapped
    n = u.task.params.n_parts
    feats = obs["task"][: 6 * n].reshape(n, 6)
    seen = u.task.inspected.copy()
    # the defect flag (column 4) is shown only for parts already inspected
    assert np.all(feats[~seen, 4] == 0.0)
    pol = expert(env)
    for _ in range(80):
        obs, *_ = env.step(pol(obs))
        if u.task.inspected.all():
            break
    feats = obs["task"][: 6 * n].reshape(n, 6)
    assert u.task.inspected.any() and np.all(feats[u.task.inspected, 4] == 1.0)
    env.close()


@pytest.mark.parametrize("robot", ["unitree_h1", "unitree_g1"])
def test_inspect_needs_aiming_and_expert_aims(robot):
    """The camera starts turned away: standing still inspects nothing, the expert covers every point
    (G1 aims with its waist: the head angles must see the torso turn)."""
    import numpy as np

    env = hg.make("inspect", robot=robot, max_episode_steps=150)
    obs, _ = env.reset(seed=3)
    for _ in range(30):
        obs, _, _, _, info = env.step(np.zeros(16, np.float32))
    assert info["task_metrics"]["coverage"] < 1.0 and not info["is_success"]
    env.close()
    assert expert_success("inspect", robot, [3, 4]) == 2


@pytest.mark.parametrize("task,robot,seeds", [
    ("bimanual_mount", "fourier_gr1t2", [2, 3]),  # posts were beyond the arms' reach at the align height
    ("bimanual_mount", "unitree_g1", [9]),  # the two hands fought over the panel's orientation
    ("defect_sort", "unitree_g1", [1]),  # the waist-aimed camera swept the hands through the parts
    ("defect_sort", "fourier_gr1t2", [3]),  # the forearm hid the part from the head camera
    ("shaft_insert", "fourier_gr1t2", [11]),  # the thin gear lay where the hand could not reach down
    ("pick_place", "robotis_op3", [0, 6]),  # part laid inside the fixture; arm stuck on the wrong elbow branch
])
def test_expert_regressions(task, robot, seeds):
    """Seeds the experts used to fail on; each failure had its own cause (see the comments)."""
    assert expert_success(task, robot, seeds) == len(seeds)


def test_inspect_points_are_visible_from_the_robot():
    """Points are not drawn under the top face's edge, which hides them from a camera above."""
    assert expert_success("inspect", "fourier_gr1t2", [11]) == 1


def test_screw_drive_thread_and_expert():
    """The screw only moves down its thread when turned (pitch per turn), and the ratchet expert seats it."""
    import numpy as np

    env = hg.make("screw_drive", robot="fourier_gr1t2")
    u = env.unwrapped
    obs, info = env.reset(seed=0)
    t = u.task
    start = info["task_metrics"]["height_above_seat"]
    assert start == pytest.approx(t.pitch * t.params.turns, abs=1e-3) and info["task_metrics"]["turns_done"] == 0.0
    for _ in range(10):  # standing still: nothing turns, nothing sinks
        obs, _, _, _, info = env.step(np.zeros(env.action_space.shape, dtype=np.float32))
    assert info["task_metrics"]["height_above_seat"] == pytest.approx(start, abs=1e-3) and not info["is_success"]
    pol = expert(env)
    done, halfway = False, False
    while not done:
        obs, r, term, trunc, info = env.step(pol(obs))
        m = info["task_metrics"]
        if 0.4 < m["turns_done"] < 0.6:  # halfway down the thread: half the depth
            halfway = halfway or abs(m["height_above_seat"] - t.pitch * m["turns_left"]) < 2e-3
        done = term or trunc
    assert info["is_success"] and halfway and info["task_metrics"]["turns_left"] == 0.0
    assert info["task_metrics"]["height_above_seat"] < 0.003 and t.thread.seated
    env.close()


def test_screw_drive_needs_a_hold_that_turns():
    """H1's 4-joint arms hold parts in a gimbal: screw_drive refuses it with the reason, suites skip it."""
    from humanoid_ground.errors import HGroundError
    from humanoid_ground.training.suites import load_suite

    with pytest.raises(HGroundError, match="cannot do task 'screw_drive': its hold cannot turn a part"):
        hg.make("screw_drive", robot="unitree_h1")
    s = load_suite("assembly_v1")
    why = {(e["robot"], e["task"]): e["why"] for e in s.excluded}
    assert "cannot turn" in why[("unitree_h1", "screw_drive")]
    assert any(c.robot == "fourier_gr1t2" and c.task == "screw_drive" for c in s.cells)
