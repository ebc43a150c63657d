"""Wrappers that turn the Dict-observation env into what SB3's MlpPolicy takes."""
from __future__ import annotations

import signal
from typing import Sequence

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from humanoid_ground.envs.settings import env_kwargs

from .inputs import InputView, all_inputs


def default_obs_keys(control: str) -> list[str]:
    """A canonical control mode (``ee_delta``): canonical + task + embodiment (the same shape on every
    robot, so one policy serves many bodies and knows which body it is in); a native one (``joint_pos``,
    ``joint_delta``): native proprioception too."""
    from humanoid_ground.envs.controllers import controller_class

    return ["canonical", "task", "embodiment"] if controller_class(control).canonical else ["proprio", "canonical", "task"]


def obs_sizes(robot: str, keys: Sequence[str], flat_dim: int, view: InputView | None = None) -> dict[str, int]:
    """Length of each observation key on ``robot`` as :class:`FlattenObs` concatenates them into
    ``flat_dim`` numbers (through its ``view``), without building an env: the task's length is what the
    others leave."""
    from humanoid_ground.envs.embodiment import DIM

    view = view or all_inputs(keys)
    sizes = {"canonical": view.size("canonical", 23), "embodiment": DIM}
    if "proprio" in keys:
        from humanoid_ground.robots import get_card, load_asset

        sizes["proprio"] = 2 * load_asset(get_card(robot)).dof + 13
    unknown = [k for k in keys if k not in sizes and k != "task"]
    if unknown:
        raise ValueError(f"observation key(s) {unknown} cannot be flattened for a policy; use {sorted(sizes) + ['task']}")
    if "task" in keys:
        sizes["task"] = int(flat_dim) - sum(sizes[k] for k in keys if k != "task")
    return {k: sizes[k] for k in keys}


def flatten_obs(obs: dict, keys: Sequence[str], view: InputView | None = None) -> np.ndarray:
    """The chosen keys of a Dict observation as one float32 vector (through ``view``: :mod:`.inputs`)."""
    if view is None:
        return np.concatenate([np.asarray(obs[k], dtype=np.float32).ravel() for k in keys])
    return view.flatten(obs)


class FlattenObs(gym.ObservationWrapper):
    """Concatenates the chosen keys of the Dict observation into one float32 vector, through ``view``
    (:func:`.inputs.input_view`; None: every number)."""

    def __init__(self, env: gym.Env, keys: Sequence[str], view: InputView | None = None):
        super().__init__(env)
        missing = [k for k in keys if k not in env.observation_space.spaces]
        if missing:
            raise ValueError(f"observation has no key(s) {missing}; it has {list(env.observation_space.spaces)}")
        self.keys, self.view = list(keys), view or all_inputs(keys)
        n = sum(self.view.size(k, int(np.prod(env.observation_space[k].shape))) for k in self.keys)
        self.observation_space = spaces.Box(-np.inf, np.inf, (n,), dtype=np.float32)

    def observation(self, obs):
        return self.view.flatten(obs)


#: the training harness's own keys of the ``env`` config group (beside :class:`~humanoid_ground.envs.settings.EnvSettings`)
TRAINING_ENV_KEYS = {
    "inputs": "auto",       # all | relative | scaled | auto (scaled with several robots, all with one; training/inputs.py)
    "obs_keys": None,       # keys of the Dict observation fed to the policy; None: canonical+task+embodiment for
                            # ee_delta (same shape on every robot), proprio+canonical+task for joint_pos
    "raw_obs_keys": None,   # keys the normaliser leaves as they are; None: [embodiment] (constant per robot:
                            # over a few bodies its spread is ~0, so an unseen body would read as ±10 std)
    "normalize": True,      # VecNormalize on observations (saved inside each checkpoint)
    "norm_reward": False,
    "robot_sampling": "uniform",  # uniform | success: with several robots, which robot a worker's next episode
                                  # runs on (MultiRobotEnv; success: more episodes for the robots it fails on)
}

#: ``env.robot_sampling`` values (see :class:`MultiRobotEnv`)
ROBOT_SAMPLING = ("uniform", "success")


def env_group_config() -> dict:
    """The ``env`` config group's defaults: the env settings and the training keys."""
    from humanoid_ground.envs.settings import env_config

    return {**env_config(), **TRAINING_ENV_KEYS}


def check_robot_sampling(sampling: str, n_robots: int, max_envs: int) -> None:
    """A one-line error for an ``env.robot_sampling`` value :class:`MultiRobotEnv` cannot run."""
    from humanoid_ground.errors import HGroundError, unknown_name

    if sampling not in ROBOT_SAMPLING:
        raise unknown_name("env.robot_sampling value", str(sampling), list(ROBOT_SAMPLING))
    if sampling == "success" and n_robots > max_envs:
        raise HGroundError(f"env.robot_sampling=success draws from every robot at once: {n_robots} robots need "
                           f"max_envs_per_worker={n_robots} (now {max_envs}), or use uniform")


class MultiRobotEnv(gym.Env):
    """One env over several robots: the robot changes at every reset.

    Schedule (per episode): worker ``rank`` starts at robot ``rank mod R`` and steps through the list one
    robot per episode, so every robot gets the same number of episodes (within one per worker) whatever
    the number of workers, and every worker sees every robot (the observation normaliser is fitted to
    all of them). With more robots than ``max_envs`` (procedural variants), the worker cycles through a
    window of ``max_envs`` robots that slides by one robot every ``max_envs`` episodes: each robot still
    gets the same number of episodes, at most ``max_envs`` envs are alive (memory), and one env is built
    per ``max_envs`` episodes. Envs are built on first use. A seeded reset seeds a generator that draws
    each episode's seed, so a run is reproducible.

    ``sampling="success"`` (``env.robot_sampling``; at most ``max_envs`` robots) instead draws each episode's
    robot with probability proportional to ``max(1 − s, 0.1)``, where ``s`` is that robot's success over
    this worker's recent episodes (an exponential average over about the last ten): the robots the
    policy fails on get more of the training, the mastered ones keep a tenth of a share each. Every
    robot starts at ``s = 0`` (uniform).

    :param make_one: ``make_one(robot) -> env`` (a flattened env; every robot's must have the same spaces).
    :param robots: robot names.
    :param rank: worker index.
    :param max_envs: most envs kept alive at once.
    :param sampling: ``uniform`` (the schedule above) or ``success``.
    """

    metadata = {"render_modes": ["rgb_array"]}
    #: the share a mastered robot keeps under ``sampling="success"``, and the success average's step
    SAMPLING_FLOOR, SUCCESS_RATE = 0.1, 0.1

    def __init__(self, make_one, robots: Sequence[str], rank: int = 0, max_envs: int = 8, sampling: str = "uniform"):
        self.make_one, self.robots, self.rank = make_one, list(robots), int(rank)
        self.max_envs = max(1, int(max_envs))
        check_robot_sampling(sampling, len(self.robots), self.max_envs)
        self.sampling = sampling
        self.success = {r: 0.0 for r in self.robots}  #: recent success per robot (this worker's episodes)
        self._pick = np.random.default_rng([self.rank, 1])
        self.envs: dict[str, gym.Env] = {}
        self.episode = 0
        self.current = self._scheduled(0)
        first = self._env(self.current)
        self.observation_space, self.action_space = first.observation_space, first.action_space
        self._rng = np.random.default_rng(self.rank)

    def _scheduled(self, episode: int) -> str:
        R, K = len(self.robots), self.max_envs
        if R <= K:
            return self.robots[(self.rank + episode) % R]
        start = self.rank + episode // K  # the window slides by one robot every K episodes
        return self.robots[(start + episode % K) % R]

    def _env(self, robot: str) -> gym.Env:
        if robot not in self.envs:
            if len(self.envs) >= self.max_envs:  # the robot that left the window
                window = {self._scheduled(self.episode + k) for k in range(self.max_envs)}
                old = next((r for r in self.envs if r not in window), next(iter(self.envs)))
                self.envs.pop(old).close()
            env = self.make_one(robot)
            if hasattr(self, "observation_space") and (env.observation_space.shape != self.observation_space.shape
                                                       or env.action_space.shape != self.action_space.shape):
                from humanoid_ground.errors import HGroundError

                raise HGroundError(f"robot '{robot}' gives observations {env.observation_space.shape} and actions "
                                   f"{env.action_space.shape}, the other robots {self.observation_space.shape} and "
                                   f"{self.action_space.shape}; train several robots with control=ee_delta")
            self.envs[robot] = env
        return self.envs[robot]

    def weights(self) -> np.ndarray:
        """Each robot's probability of the next episode under ``sampling="success"``."""
        w = np.array([max(1.0 - self.success[r], self.SAMPLING_FLOOR) for r in self.robots])
        return w / w.sum()

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        if seed is not None:
            self._rng = np.random.default_rng(seed)
            self._pick = np.random.default_rng([seed, 1])
        if self.sampling == "uniform":
            self.current = self._scheduled(self.episode)
        else:
            self.current = self.robots[int(self._pick.choice(len(self.robots), p=self.weights()))]
        env = self._env(self.current)
        self.episode += 1
        return env.reset(seed=int(self._rng.integers(2**31)), options=options)

    def step(self, action):
        out = self.envs[self.current].step(action)
        if self.sampling != "uniform" and (out[2] or out[3]):  # an episode ended: update its robot's success
            s = self.success[self.current]
            self.success[self.current] = s + self.SUCCESS_RATE * (float(bool(out[4].get("is_success"))) - s)
        return out

    def render(self):
        return self.envs[self.current].render()

    def close(self) -> None:
        for env in self.envs.values():
            env.close()
        self.envs.clear()


def make_env(task: str, robot: str | Sequence[str], control: str, env_cfg: dict, obs_keys: Sequence[str] | None,
             task_params: dict | None = None, view: InputView | None = None, max_episode_steps: int | None = None,
             render_mode: str | None = None, ignore_sigint: bool = False, rank: int = 0, max_envs: int = 8) -> gym.Env:
    """A flattened, monitored env for SB3; ``robot`` may be a list (a :class:`MultiRobotEnv`; a
    one-robot list is the plain env). ``ignore_sigint``: in vec-env worker processes, so Ctrl-C
    reaches only the trainer, which checkpoints and shuts the workers down."""
    import humanoid_ground as hg
    from stable_baselines3.common.monitor import Monitor

    if ignore_sigint:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    kw = env_kwargs(env_cfg, control)
    if max_episode_steps:
        kw["max_episode_steps"] = int(max_episode_steps)
    keys = obs_keys or default_obs_keys(control)

    def one(name: str) -> gym.Env:
        return FlattenObs(hg.make(task, robot=name, task_params=task_params or None, render_mode=render_mode, **kw), keys, view)

    robots = [robot] if isinstance(robot, str) else list(robot)
    sampling = str((env_cfg or {}).get("robot_sampling") or "uniform")
    env = one(robots[0]) if len(robots) == 1 else MultiRobotEnv(one, robots, rank, max_envs, sampling)
    return Monitor(env, info_keywords=("is_success",))
