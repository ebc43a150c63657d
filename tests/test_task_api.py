"""The task API: a task is one module (decorator registration, defaults in its Params, optional YAML),
its observation space is inferred, evaluate() has no side effects, the reward is named weighted terms."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest

import humanoid_ground as hg
from conftest import robot_for
from humanoid_ground.errors import HGroundError
from humanoid_ground.tasks.base import Task, TaskParams
from humanoid_ground.tasks.registry import register_task, task_config, task_names, task_override_file


# --- a task written as a user would: this block is the whole task --------------------------------------
@dataclass
class TouchParams(TaskParams):
    arm: str = "right"
    radius: float = 0.03
    reward: dict = field(default_factory=lambda: {"distance": -1.0, "success": 1.0})


@register_task("test_touch", max_episode_steps=30)
class Touch(Task):
    """Touch a point above the bench with the TCP."""

    Params = TouchParams

    def __init__(self, env, params):
        super().__init__(env, params)
        self.side = params.arm if params.arm in self.robot.arms else sorted(self.robot.arms)[0]
        self.goal = np.zeros(3)
        self.touches = 0

    def place(self, rng):
        self.goal = self.robot.tcp_world(self.side)[0] + rng.uniform(-0.05, 0.05, 3)
        self.touches = 0

    def update(self):
        self.touches += int(self._dist() <= self.params.radius)

    def _dist(self) -> float:
        return float(np.linalg.norm(self.robot.tcp_world(self.side)[0] - self.goal))

    def observation(self):
        return np.concatenate([self.goal - self.robot.tcp_world(self.side)[0], [self.touches]])

    def evaluate(self):
        d = self._dist()
        return self.score(d <= self.params.radius, {"distance": d, "touches": self.touches}, distance=d,
                          success=float(d <= self.params.radius))
# --------------------------------------------------------------------------------------------------------


def test_a_new_task_is_one_class():
    assert "test_touch" in task_names()
    assert task_config("test_touch") == {"name": "test_touch", "max_episode_steps": 30,
                                         "params": {"arm": "right", "radius": 0.03, "reward": {"distance": -1.0, "success": 1.0}}}
    env = hg.make("test_touch", robot="unitree_h1")
    assert env.spec.id == "hground/Touch-v0" and env.spec.max_episode_steps == 30
    assert env.observation_space["task"].shape == (4,)  # inferred from observation()
    obs, _ = env.reset(seed=0)
    assert obs["task"].shape == (4,)
    steps = 0
    done = False
    while not done:
        obs, r, term, trunc, info = env.step(env.action_space.sample() * 0)
        steps += 1
        done = term or trunc
        # the reward is the weighted terms: -distance (+1 within the radius)
        d = info["task_metrics"]["distance"]
        assert math.isclose(r, -d + (1.0 if d <= 0.03 else 0.0))
    assert steps == 30
    env.close()


def test_reward_weights_are_params():
    env = hg.make("test_touch", robot="unitree_h1", task_params={"reward": {"distance": -10.0}})
    u = env.unwrapped
    assert u.task.params.reward == {"distance": -10.0, "success": 1.0}  # a partial override keeps the rest
    env.reset(seed=0)
    _, r, _, _, info = env.step(np.zeros(16, np.float32))
    d = info["task_metrics"]["distance"]
    assert math.isclose(r, -10.0 * d + (1.0 if d <= 0.03 else 0.0))
    env.close()
    with pytest.raises(HGroundError, match="unknown reward term"):
        hg.make("pick_place", robot="unitree_h1", task_params={"reward": {"distanse": 1.0}})


def test_the_reward_can_see_the_action():
    env = hg.make("reach", robot="unitree_h1", task_params={"reward": {"action_l2": -0.5}})
    base = hg.make("reach", robot="unitree_h1")
    a = np.full(16, 0.4, np.float32)
    for e in (env, base):
        e.reset(seed=3)
    _, r1, *_ = env.step(a)
    _, r0, *_ = base.step(a)
    assert math.isclose(r1, r0 - 0.5 * float(np.dot(a.astype(float), a.astype(float))), abs_tol=1e-9)
    env.close()
    base.close()


@pytest.mark.parametrize("task", [t for t in task_names() if not t.startswith("test_")])
def test_evaluate_has_no_side_effects(task):
    env = hg.make(task, robot=robot_for(task))
    u = env.unwrapped
    obs, _ = env.reset(seed=0)
    pol = hg.tasks.expert(env)
    for _ in range(25):
        obs, *_ = env.step(pol(obs))
        a, b = u.task.evaluate(), u.task.evaluate()
        assert (a.reward, a.success, a.metrics, a.terms) == (b.reward, b.success, b.metrics, b.terms)
        assert np.array_equal(np.asarray(u.task.observation(), np.float32), obs["task"])
        w = u.task.params.reward
        assert set(a.terms) <= set(w) | {"action_l2"}
    env.close()


@pytest.mark.parametrize("task", [t for t in task_names() if not t.startswith("test_")])
def test_observation_fields_describe_the_task_observation(task):
    """Every built-in task names its observation's fields; their sizes add up to its length and the
    ``position`` fields are the torso-frame points (they move with the torso, vectors do not)."""
    from humanoid_ground.envs.layout import FIELD_KINDS

    env = hg.make(task, robot=robot_for(task))
    u = env.unwrapped
    fields = type(u.task).observation_fields(u.task.params)
    assert fields and all(kind in FIELD_KINDS for _, _, kind in fields)
    assert sum(n for _, n, _ in fields) == env.observation_space["task"].shape[0]
    assert len({name for name, _, _ in fields}) == len(fields)
    env.close()


def test_an_optional_yaml_overrides_the_defaults():
    from humanoid_ground.tasks import registry

    f = registry._config_dir() / "test_touch.yaml"
    assert task_override_file("test_touch") is None
    f.parent.mkdir(exist_ok=True)
    try:
        f.write_text("name: test_touch\nmax_episode_steps: 12\nparams:\n  radius: 0.05\n")
        cfg = task_config("test_touch")
        assert cfg["max_episode_steps"] == 12 and cfg["params"]["radius"] == 0.05 and cfg["params"]["arm"] == "right"
        f.write_text("params:\n  radus: 0.05\n")
        with pytest.raises(HGroundError, match="unknown parameter"):
            task_config("test_touch")
    finally:
        f.unlink(missing_ok=True)


def test_registering_a_name_twice_is_refused():
    with pytest.raises(HGroundError, match="registered twice"):
        @register_task("pick_place", max_episode_steps=10)
        class Other(Task):
            pass
