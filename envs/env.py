"""The Gymnasium environment: robot + scene + task + controller, one PyBullet client per env."""
from __future__ import annotations

import logging
import math
from typing import Any, Callable

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from humanoid_ground.errors import HGroundError
from humanoid_ground.robots import get_card, load_asset
from humanoid_ground.robots._pybullet import p

from .camera import Camera
from .embodiment import DIM as EMBODIMENT_DIM
from .embodiment import embodiment_vector
from .controllers import controller_class
from .grasp import GraspManager
from .layout import ACTION_DIM, STATE_DIM
from .robot import MAX_SPEED, Robot
from .settings import EnvSettings
from .sim import Sim, SimConfig
from .workspace import Workspace

log = logging.getLogger("humanoid_ground.envs")

BASES = ("fixed", "floating")
OBS_MODES = ("state", "rgb", "rgbd")
#: canonical action: per arm Δxyz, Δaxis-angle, grip; head Δyaw, Δpitch (see .layout; scales robot.MAX_DPOS, ...)
CANONICAL_ACTION_DIM = ACTION_DIM
#: physics health: an object this far out (m) left the world (robot limits: robot.MAX_JOINT_OVERSHOOT, MAX_SPEED)
WORLD_BOUND = 20.0


def _check_choice(kind: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        from humanoid_ground.errors import unknown_name

        raise unknown_name(kind, value, choices)


class HumanoidEnv(gym.Env):
    """A humanoid doing one task.

    :param task_factory: builds the task given the env (from the task registry).
    :param robot: robot name (built-in or registered) or card path.
    :param control: a control mode of :mod:`.controllers`: ``"ee_delta"`` (canonical, 16-D for every robot),
        ``"joint_pos"``, ``"joint_delta"``.
    :param base: ``"fixed"`` (base held at standing height in front of the bench) or ``"floating"``.
    :param obs: ``"state"``, ``"rgb"`` or ``"rgbd"`` (adds head/wrist camera images).
    :param render_mode: ``None``, ``"rgb_array"`` or ``"human"`` (PyBullet GUI).
    :param sim: physics settings (see :class:`SimConfig`).
    :param image_size: camera image side in pixels.
    :param terminate_on_success: end the episode when the task succeeds.

    The defaults are :class:`.settings.EnvSettings`'s (the one source shared with the training harness,
    eval, bench and collect).
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 50}

    def __init__(self, task_factory: Callable[["HumanoidEnv"], Any], robot: str = "unitree_h1", control: str = "ee_delta",
                 base: str = EnvSettings.base, obs: str = EnvSettings.obs, render_mode: str | None = None,
                 sim: dict | None = None, image_size: int = EnvSettings.image_size,
                 terminate_on_success: bool = EnvSettings.terminate_on_success, task_name: str = "task"):
        controller_class(control)  # an unknown mode is one line naming the valid ones
        _check_choice("base", base, BASES)
        _check_choice("obs mode", obs, OBS_MODES)
        if render_mode is not None:
            _check_choice("render_mode", render_mode, tuple(self.metadata["render_modes"]))
        self.render_mode, self.control, self.base_mode, self.obs_mode = render_mode, control, base, obs
        self.terminate_on_success = terminate_on_success
        self.task_name = task_name
        self.card = get_card(robot)
        self.asset = load_asset(self.card)
        self.sim_cfg = SimConfig.from_dict(sim)
        if self.sim_cfg.weld_idle and control != "ee_delta":
            raise HGroundError(f"sim.weld_idle=true holds the joints no arm, hand or head controller drives rigid, but "
                               f"control={control} drives every joint: use control=ee_delta, or sim.weld_idle=false")
        self.image_size = int(image_size)
        self._task_factory = task_factory
        self._build()
        self.action_space = self._make_action_space()
        self.observation_space = self._make_observation_space()
        self._physics_error: str | None = None
        self._needs_rebuild = False

    # --- construction ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.sim = Sim(self.sim_cfg, gui=self.render_mode == "human")
        self.cid = self.sim.cid
        self.robot = Robot(self.asset, self.cid, base=self.base_mode, dt=self.sim_cfg.dt, weld_idle=self.sim_cfg.weld_idle)
        self.workspace = Workspace.from_robot(self.robot)
        #: the body descriptor (constant per robot; see :mod:`.embodiment`)
        self.embodiment = embodiment_vector(self.robot, self.workspace)
        self.embodiment.flags.writeable = False
        self.task = self._task_factory(self)
        self.grasp = GraspManager(self.robot, self.task.graspables)
        self.controller = controller_class(self.control)(self.robot)
        self.steps, self.last_action = 0, None
        #: the task observation's length, inferred from the task itself
        self.task_obs_dim = int(np.asarray(self.task.observation()).size)
        # the state right after building: every reset restores it (contact caches included), so an
        # episode does not depend on the one before it
        self._initial_state = p.saveState(physicsClientId=self.cid)
        self.camera = Camera(self.cid, self.robot.fov, self.image_size) if self.obs_mode != "state" else None
        self.wrist_cameras = ({side: Camera(self.cid, cam[3], self.image_size) for side, cam in self.robot.wrist_cams.items()}
                              if self.obs_mode != "state" else {})
        self._render_cam = None

    def _fallen(self) -> bool:
        """Floating mode: a legged base fell when it drops below half its standing height; a wheeled
        base (at floor level) when it tips over 45°; a card's fixed base never falls."""
        t = self.card.base_type
        if t == "legged":
            return self.robot.base_pos[2] < 0.5 * self.card.standing_height
        if t == "wheeled":
            x, y, z, w = p.getBasePositionAndOrientation(self.robot.id, physicsClientId=self.cid)[1]
            return 1.0 - 2.0 * (x * x + y * y) < math.cos(math.radians(45))  # the base's z axis against the world's
        return False

    def _make_action_space(self) -> spaces.Box:
        return spaces.Box(-1.0, 1.0, (self.controller.action_dim(),), dtype=np.float32)

    def _make_observation_space(self) -> spaces.Dict:
        n = self.robot.n
        d = {
            "proprio": spaces.Box(-np.inf, np.inf, (2 * n + 13,), dtype=np.float32),
            "canonical": spaces.Box(-np.inf, np.inf, (STATE_DIM,), dtype=np.float32),
            "task": spaces.Box(-np.inf, np.inf, (self.task_obs_dim,), dtype=np.float32),
            "embodiment": spaces.Box(-np.inf, np.inf, (EMBODIMENT_DIM,), dtype=np.float32),
        }
        if self.obs_mode in ("rgb", "rgbd"):
            s = self.image_size
            for name in ["head"] + [f"{side}_wrist" for side in self.robot.wrist_cams]:
                d[f"rgb_{name}"] = spaces.Box(0, 255, (s, s, 3), dtype=np.uint8)
                if self.obs_mode == "rgbd":
                    d[f"depth_{name}"] = spaces.Box(0.0, np.inf, (s, s, 1), dtype=np.float32)
        return spaces.Dict(d)

    # --- gym API ------------------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if self._needs_rebuild:  # after a physics blow-up: a fresh client, nothing carried over
            self.sim.close()
            self._build()
            self._needs_rebuild = False
        self._physics_error = None
        self.grasp.release_all()
        p.restoreState(stateId=self._initial_state, physicsClientId=self.cid)
        self.sim.invalidate()
        # parts are parked away from everything in the saved state: one collision pass there drops the
        # contact points cached from the last episode, which would otherwise seed the next one
        p.performCollisionDetection(physicsClientId=self.cid)
        self.robot.reset()
        self.task.reset(self.np_random)
        self.robot.refresh()
        self.steps, self.last_action = 0, None
        self.task.update()
        self._last_eval = self.task.evaluate()
        return self._obs(), self._info(self._last_eval)

    def step(self, action):
        a = np.asarray(action, dtype=np.float64)
        if a.shape != self.action_space.shape:
            raise ValueError(f"action has shape {a.shape}, expected {self.action_space.shape} for control='{self.control}'")
        r = self.robot
        # one compiled call checks the action (NaN/inf: nothing applied), clips it to [-1, 1] and turns it
        # into joint targets (IK, grips, head)
        if not self.controller.apply(a):
            bad = np.flatnonzero(~np.isfinite(a))
            raise ValueError(f"action contains NaN/inf at indices {bad.tolist()}; no physics step was taken")
        r.apply_targets()
        self.sim.step()
        self.grasp.update()
        self.robot.refresh()
        self.steps += 1
        self.last_action = np.clip(a, -1.0, 1.0)
        self.task.update()
        ev = self.task.evaluate()
        self._last_eval = ev
        err = self._health()
        terminated = bool(ev.success and self.terminate_on_success)
        fell = False
        if self.base_mode == "floating" and self._fallen():
            fell = terminated = True
        truncated = err is not None
        if err is not None:
            self._physics_error = err
            self._needs_rebuild = True
        info = self._info(ev)
        info["fell"] = fell
        if err is not None:
            info["physics_error"] = err
            obs = self._obs(safe=True)
            return obs, 0.0, terminated, True, info
        return self._obs(), float(ev.reward), terminated, truncated, info

    # --- observation / info --------------------------------------------------------------------------------
    def _obs(self, safe: bool = False) -> dict:
        r = self.robot
        o = {"proprio": r.proprio_obs, "canonical": r.canonical_obs, "task": np.asarray(self.task.observation(), dtype=np.float32),
             "embodiment": self.embodiment.copy()}  # a new array per call: users keep what they are given
        if safe:  # after a blow-up: finite numbers (values beyond float32 became inf above)
            o = {k: np.nan_to_num(v, nan=0.0, posinf=0.0, neginf=0.0) for k, v in o.items()}
        if self.camera is not None:
            pos, R = r.camera_pose()
            rgb, depth = self.camera.render(pos, R, depth=self.obs_mode == "rgbd")
            o["rgb_head"] = rgb
            if depth is not None:
                o["depth_head"] = depth
            for side, cam in self.wrist_cameras.items():
                wpos, wR = r.wrist_camera_pose(side)
                rgb, depth = cam.render(wpos, wR, depth=self.obs_mode == "rgbd")
                o[f"rgb_{side}_wrist"] = rgb
                if depth is not None:
                    o[f"depth_{side}_wrist"] = depth
        return o

    def _info(self, ev) -> dict:
        return {
            "is_success": bool(ev.success),
            "task_metrics": {k: float(v) for k, v in ev.metrics.items()},
            "robot": self.card.name,
            "physics": {"ok": self._physics_error is None, "steps": getattr(self, "steps", 0)},
            "head_control": self.robot.head_control,
            "held": {s: b is not None for s, b in self.grasp.held.items()},
        }

    def _health(self) -> str | None:
        r, b = self.robot, self.robot.body
        code, k = r.health
        if code == 1:
            return "NaN in the robot state"
        if code == 2:
            over = max(b.lower[k] - r.q[k], r.q[k] - b.upper[k])
            return f"joint '{b.joint_names[k]}' is {over:.2f} rad past its limit"
        if code == 3:
            return "robot speed beyond physical bounds"
        for body in self.task.dynamic_bodies:
            pos, _ = self.sim.pose(body)
            x, y, z = pos.tolist()
            if not math.isfinite(x + y + z) or abs(x) > WORLD_BOUND or abs(y) > WORLD_BOUND or z < -1.0 or z > WORLD_BOUND:
                return f"object {body} left the world (position {np.round(pos, 2).tolist()})"
            vx, vy, vz = self.sim.velocity(body)[0].tolist()
            speed = math.sqrt(vx * vx + vy * vy + vz * vz)
            if not speed <= MAX_SPEED:
                return f"object {body} moves at {speed:.0f} m/s: it would tunnel out of the world"
        return None

    # --- rendering -----------------------------------------------------------------------------------------
    def render(self):
        if self.render_mode != "rgb_array":
            return None
        if self._render_cam is None:
            self._render_cam = Camera(self.cid, 60.0, 240, width=320)
        w = self.workspace
        target = w.center.copy()
        target[2] = w.bench_top
        eye = target + np.array([0.9, 0.7, 0.6]) * max(w.scale, 0.5) * 0.9
        rgb, _ = self._render_cam.render_lookat(eye, target)
        return rgb

    def close(self) -> None:
        if getattr(self, "sim", None) is not None:
            self.sim.close()
            self.sim = None
