"""Imitation learning from LeRobot v3 datasets: behaviour cloning (``bc``) and Diffusion Policy (``diffusion``).

``hground train algo=bc dataset=PATH`` trains on any dataset ``collect``/``merge``/``export`` wrote (the
hground schema): the policy sees the canonical state (23), the task state and the robot's embodiment
descriptor (from ``info.json``; see :mod:`humanoid_ground.envs.embodiment`) over ``n_obs_steps`` frames,
and predicts a chunk of ``horizon`` canonical ``ee_delta`` actions, of which it executes
``n_action_steps`` before predicting again (action chunking as in ACT and Diffusion Policy).

- Normalisation, as LeRobot does: observation features by mean/std and actions by min/max to [-1, 1]
  from the dataset's ``meta/stats.json`` (the embodiment descriptor, which is not a frame feature, by
  its mean/std over the dataset's frames).
- ``bc``: an MLP regressing the normalised action chunk (L1 loss, as ACT).
- ``diffusion``: an action-chunk noise predictor (MLP with FiLM conditioning on the observation and the
  timestep) trained with ``diffusers``' DDPM scheduler and sampled with its DDIM scheduler, as LeRobot's
  Diffusion Policy does, small enough to train on CPU from state observations.

A checkpoint is a ``.zip`` with ``hground/meta.json`` (like every checkpoint of the harness) and
``policy.pt`` (weights, normalisation, optimiser state for resuming), so ``hground eval``, ``bench`` and
``collect policy=`` take it.
"""
from __future__ import annotations

import io
import json
import math
import os
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from humanoid_ground.errors import HGroundError

REQUIRED = ("observation.state", "observation.task_state", "action", "robot_index", "episode_index")


# --- data -------------------------------------------------------------------------------------------------

@dataclass
class Demos:
    """Every frame of a dataset (state only), concatenated: ``obs`` (N, d) = state + task state + embodiment,
    ``act`` (N, 16), episode bounds per frame, robot per frame."""

    obs: np.ndarray
    act: np.ndarray
    ep_start: np.ndarray
    ep_end: np.ndarray
    robot: np.ndarray  # index into robots
    robots: list[str]
    task: str
    task_dim: int
    stats: dict  # feature -> {mean, std, min, max}
    episodes: int


def dataset_summary(path: str | Path) -> dict:
    """Task, robots and sizes of a dataset, checked to be a LeRobot v3 dataset with the hground schema."""
    from humanoid_ground.common.lerobot_read import read_info

    root = Path(path).expanduser()
    if not (root / "meta" / "info.json").is_file():
        raise HGroundError(f"dataset={path}: not a LeRobot v3 dataset (no meta/info.json); pass a folder written by "
                           "'hground collect', 'hground data merge' or 'hground export --format lerobot'")
    info = read_info(root)
    if str(info.get("codebase_version", "")) != "v3.0":
        raise HGroundError(f"dataset={path}: codebase_version {info.get('codebase_version')!r}, not v3.0; convert it to LeRobot v3")
    h = info.get("hground")
    missing = [k for k in REQUIRED if k not in info.get("features", {})]
    if h is None or missing:
        what = "no 'hground' metadata in meta/info.json" if h is None else f"no column(s) {', '.join(missing)}"
        raise HGroundError(f"dataset={path}: {what}; it is not in the hground schema (collect it with 'hground collect')")
    if h.get("control") not in ("ee_delta", "mixed", "joint_pos"):
        raise HGroundError(f"dataset={path}: unknown control {h.get('control')!r} in meta/info.json")
    tasks = [t["name"] for t in h.get("tasks", [])]
    return {"root": root, "info": info, "robots": [r["name"] for r in h["robots"]], "tasks": tasks,
            "task_dim": int(h["task_state_dim"]), "episodes": int(info.get("total_episodes", 0)),
            "frames": int(info.get("total_frames", 0))}


def _embodiment(robot_meta: dict, task: str) -> np.ndarray:
    if "embodiment" in robot_meta:
        return np.asarray(robot_meta["embodiment"], dtype=np.float32)
    import humanoid_ground as hg  # datasets written before the descriptor existed: compute it from the robot

    env = hg.make(task, robot=robot_meta["name"])
    try:
        return np.asarray(env.unwrapped.embodiment, dtype=np.float32)
    finally:
        env.close()


def load_demos(path: str | Path, robots: list[str] | None = None, task: str | None = None,
               episodes_per_robot: dict[str, int] | None = None, success_tail: int | None = None,
               success_only: bool = False) -> Demos:
    """Read a dataset's frames (no images) with the project's LeRobot reader.

    :param robots: keep only these robots' episodes (each must be in the dataset).
    :param episodes_per_robot: keep only the first N episodes of these robots.
    :param success_tail: keep at most this many frames after an episode's first success (None: all).
        A fixed-length episode that succeeds early is mostly the expert holding still afterwards
        (pick_place: success at frame 50-110 of 400), which would otherwise dominate the loss.
    :param success_only: leave out episodes that never succeed (an expert's failures).
    """
    from humanoid_ground.common.lerobot_read import read_columns
    from humanoid_ground.common.stats import from_json

    d = dataset_summary(path)
    root, info = d["root"], d["info"]
    task = task or d["tasks"][0]
    if task not in d["tasks"]:
        raise HGroundError(f"dataset={path} holds task(s) {d['tasks']}, not '{task}'; pass task= one of them")
    if robots:
        extra = [r for r in robots if r not in d["robots"]]
        if extra:
            raise HGroundError(f"robots={robots}: the dataset {path} holds no episodes of {extra}; it has {d['robots']}")
    keep = robots or d["robots"]
    h = info["hground"]
    emb = {r["name"]: _embodiment(r, task) for r in h["robots"] if r["name"] in keep}
    wanted = ["observation.state", "observation.task_state", "action", "robot_index"]
    if (success_tail is not None or success_only) and "next.success" in info.get("features", {}):
        wanted.append("next.success")
    cols = read_columns(root, wanted, info)
    ep_col, robot_col = cols["episode_index"].reshape(-1), cols["robot_index"].reshape(-1)
    success = cols["next.success"].reshape(-1).astype(bool) if "next.success" in cols else None
    names = [r["name"] for r in h["robots"]]
    cuts = np.flatnonzero(np.diff(ep_col)) + 1
    obs, act, start, end, rob = [], [], [], [], []
    n, taken = 0, {}
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(ep_col)]):
        name = names[int(robot_col[lo])]
        if name not in keep:
            continue
        if episodes_per_robot and name in episodes_per_robot and taken.get(name, 0) >= episodes_per_robot[name]:
            continue
        if success_only and success is not None and not success[lo:hi].any():
            continue
        taken[name] = taken.get(name, 0) + 1
        if success_tail is not None and success is not None and success[lo:hi].any():
            hi = min(hi, lo + int(np.argmax(success[lo:hi])) + 1 + int(success_tail))
        T = int(hi - lo)
        o = np.concatenate([cols["observation.state"][lo:hi], cols["observation.task_state"][lo:hi], np.tile(emb[name], (T, 1))], axis=1)
        obs.append(o.astype(np.float32))
        act.append(np.asarray(cols["action"][lo:hi], dtype=np.float32))
        start.append(np.full(T, n))
        end.append(np.full(T, n + T))
        rob.append(np.full(T, keep.index(name)))
        n += T
    if not obs:
        raise HGroundError(f"dataset={path}: no episodes of {keep} for task {task}")
    stats_f = root / "meta" / "stats.json"
    try:
        st = from_json(json.loads(stats_f.read_text()))
    except (OSError, json.JSONDecodeError, KeyError) as e:
        raise HGroundError(f"{stats_f} is missing or corrupt ({e}); run 'hground data check {root}'") from None
    O = np.concatenate(obs)
    e = O[:, 23 + d["task_dim"]:]
    stats = {k: {s: np.asarray(st[k][s], dtype=np.float32).reshape(-1) for s in ("mean", "std", "min", "max")}
             for k in ("observation.state", "observation.task_state", "action")}
    stats["embodiment"] = {"mean": e.mean(0), "std": e.std(0), "min": e.min(0), "max": e.max(0)}
    return Demos(obs=O, act=np.concatenate(act), ep_start=np.concatenate(start), ep_end=np.concatenate(end),
                 robot=np.concatenate(rob), robots=list(keep), task=task, task_dim=d["task_dim"], stats=stats,
                 episodes=sum(taken.values()))


#: ``algo.params.embodiment: auto`` puts the descriptor in with this many training bodies or more. Measured
#: (README, 2026-12-05): with 4 bodies the network uses the descriptor as a body ID and a new body's is far
#: outside them (zero-shot worse with it); with 24 (4 robots + 20 procedural variants) it interpolates
#: between bodies (zero-shot on a held-out vendor 62-80 % with it, 28 % without).
AUTO_EMBODIMENT_BODIES = 10


def _switch(p: dict, key: str, default, auto_means: str) -> bool | str:
    """``algo.params.<key>``, a true/false/auto switch: a bool, or ``"auto"``; anything else is a one-line
    error (``auto_means`` says what auto decides by)."""
    v = p.get(key, default)
    if isinstance(v, str) and v.lower() in ("true", "false", "auto"):
        v = True if v.lower() == "true" else False if v.lower() == "false" else "auto"
    if isinstance(v, bool) or v == "auto":
        return v
    raise HGroundError(f"algo.params.{key}={v!r}: use true, false or auto ({auto_means})")


def resolve_embodiment(p: dict, n_bodies: int | None = None) -> bool | str:
    """``algo.params.embodiment`` as a bool (``auto`` decided by the number of training bodies); with
    ``n_bodies`` None (before the data is read) ``auto`` stays ``"auto"``. Anything else is a one-line error."""
    v = _switch(p, "embodiment", True, f"in with {AUTO_EMBODIMENT_BODIES}+ training bodies")
    if v == "auto":
        return "auto" if n_bodies is None else n_bodies >= AUTO_EMBODIMENT_BODIES
    return v


def imitation_view(p: dict, task: str, task_params: dict | None, task_dim: int):
    """What a bc/diffusion policy sees of its flat observation (canonical state 23, task state
    ``task_dim``, embodiment): ``algo.params.inputs`` as :mod:`.inputs` defines it, and the embodiment
    descriptor unless ``algo.params.embodiment`` is false (``auto`` is decided when the data is read:
    :func:`resolve_embodiment`)."""
    from humanoid_ground.envs.embodiment import DIM

    from .inputs import input_view

    view = input_view(["canonical", "task", "embodiment"], str(p.get("inputs", "all")), task, task_params, task_dim,
                      setting="algo.params.inputs")
    action_scaling(p)  # checks algo.params.actions
    prediction_type(p)  # checks algo.params.prediction
    if mirroring(p, task):  # a task that is not mirror-symmetric is refused here (before a run folder exists)
        from .mirror import observation_map

        observation_map(task, task_params, task_dim)
    if resolve_embodiment(p) is False:
        view.keep["embodiment"] = np.zeros(DIM, dtype=bool)
    return view


#: ``algo.params.actions`` values: ``raw`` (the canonical action as recorded) or ``scaled`` (each arm's Δxyz in
#: units of the body's workspace scale: learnt divided by it, multiplied by it at run time)
ACTIONS = ("raw", "scaled")


def action_scaling(p: dict) -> bool:
    """Whether ``algo.params.actions`` asks for body-scaled position actions (a bad value: one-line error).

    A proportional servo commands Δxyz ∝ (target − TCP); with ``scaled`` inputs a small body's distances read
    like a large body's, but its recorded Δxyz are smaller in metres. Learning Δxyz / scale makes the same
    inputs map to the same outputs on every body; the policy multiplies them back by its body's scale."""
    v = str(p.get("actions", "raw"))
    if v not in ACTIONS:
        from humanoid_ground.errors import unknown_name

        raise unknown_name("algo.params.actions value", v, list(ACTIONS))
    return v == "scaled"


def mirroring(p: dict, task: str) -> bool:
    """``algo.params.mirror`` as a bool: ``auto`` is on for the tasks that declare themselves mirror-symmetric
    (:attr:`~humanoid_ground.tasks.base.Task.mirror_symmetric`); a bad value is a one-line error."""
    v = _switch(p, "mirror", False, "on for mirror-symmetric tasks")
    if v == "auto":
        from humanoid_ground.tasks.registry import task_class

        return bool(task_class(task).mirror_symmetric)
    return v


def frame_stats(demos: Demos, dataset_stats: dict, mirrored: bool, scaled_actions: bool) -> dict:
    """Statistics of frames transformed after reading, where the dataset's ``meta/stats.json`` no longer
    describes them: mirrored frames get the mean/std of the observations they now hold; the action range
    spans the frames' and the dataset's recorded one, except the Δxyz columns of body-scaled actions (other
    units: the frames' own range)."""
    st = {key: dict(v) for key, v in dataset_stats.items()}
    k = 23 + demos.task_dim
    if mirrored:
        for key, x in (("observation.state", demos.obs[:, :23]), ("observation.task_state", demos.obs[:, 23:k])):
            st[key].update(mean=x.mean(0), std=x.std(0))
    a, rec = demos.act, dataset_stats["action"]
    same = np.ones(a.shape[1], bool)
    if scaled_actions:
        same[position_action_columns()] = False
    st["action"].update(min=np.where(same, np.minimum(a.min(0), rec["min"]), a.min(0)).astype(np.float32),
                        max=np.where(same, np.maximum(a.max(0), rec["max"]), a.max(0)).astype(np.float32))
    return st


def position_action_columns() -> np.ndarray:
    """The canonical action's Δxyz columns of both arms."""
    from humanoid_ground.envs.layout import ACT_POS, action_field

    return np.concatenate([np.arange(16)[action_field(ACT_POS, k)] for k in range(2)])


def scale_actions(act: np.ndarray, scale: np.ndarray, inverse: bool = False) -> np.ndarray:
    """``act`` (..., 16) with each arm's Δxyz divided by ``scale`` (broadcast over the leading axes; ``inverse``:
    multiplied by it)."""
    out = np.array(act, dtype=np.float32, copy=True)
    cols = position_action_columns()
    s = np.asarray(scale, dtype=np.float32)[..., None]
    out[..., cols] = out[..., cols] * s if inverse else out[..., cols] / s
    return out


class Normalizer:
    """Mean/std for observations, min/max → [-1, 1] for actions (LeRobot's defaults for Diffusion Policy).

    The ``embodiment`` descriptor passes unscaled (mean 0, std 1), as in RL (:mod:`.normalize`): it is
    constant per robot, so over the dataset's few bodies its spread is ~0 and a held-out body would read
    as hundreds of standard deviations; its numbers are already O(1) (metres, unit fractions)."""

    def __init__(self, stats: dict):
        o = [stats[k] for k in ("observation.state", "observation.task_state")]
        e = np.asarray(stats["embodiment"]["mean"])
        self.o_mean = np.concatenate([s["mean"] for s in o] + [np.zeros_like(e)]).astype(np.float32)
        self.o_std = np.concatenate([np.maximum(np.concatenate([s["std"] for s in o]), 1e-3), np.ones_like(e)]).astype(np.float32)
        a = stats["action"]
        self.a_min, self.a_max = a["min"].astype(np.float32), a["max"].astype(np.float32)
        self.a_span = np.maximum(self.a_max - self.a_min, 1e-4)

    def obs(self, x):
        return (x - self.o_mean) / self.o_std

    def viewed(self, view, sizes, xv: np.ndarray) -> "Normalizer":
        """The normaliser of ``view``'s numbers (``xv``: the viewed training frames): the kept numbers keep
        their statistics; the ones ``view`` rescales get their mean/std from ``xv``."""
        n = Normalizer.from_state(self.state())
        keep = np.concatenate([np.ones(s, bool) if view.keep[k] is None else view.keep[k] for k, s in zip(view.keys, sizes)])
        sc = np.concatenate([np.zeros(view.size(k, s), bool) if view.scaled[k] is None else view.scaled[k]
                             for k, s in zip(view.keys, sizes)])
        n.o_mean, n.o_std = self.o_mean[keep].copy(), self.o_std[keep].copy()
        if sc.any():
            n.o_mean[sc] = xv[:, sc].mean(0)
            n.o_std[sc] = np.maximum(xv[:, sc].std(0), 1e-3)
        return n

    def act(self, a):
        return 2.0 * (a - self.a_min) / self.a_span - 1.0

    def unact(self, a):
        return (np.clip(a, -1.0, 1.0) + 1.0) / 2.0 * self.a_span + self.a_min

    def state(self) -> dict:
        return {k: getattr(self, k).tolist() for k in ("o_mean", "o_std", "a_min", "a_max")}

    @classmethod
    def from_state(cls, d: dict) -> "Normalizer":
        n = cls.__new__(cls)
        n.o_mean, n.o_std = np.asarray(d["o_mean"], np.float32), np.asarray(d["o_std"], np.float32)
        n.a_min, n.a_max = np.asarray(d["a_min"], np.float32), np.asarray(d["a_max"], np.float32)
        n.a_span = np.maximum(n.a_max - n.a_min, 1e-4)
        return n


def chunk_dataset(demos: Demos, norm: Normalizer, n_obs: int, horizon: int, obs: np.ndarray | None = None):
    """A torch ``Dataset`` of (observation window, action chunk, valid mask) for every frame. ``batch(idx)``
    (also ``dataset[list_of_indices]``) is one vectorised gather, so a whole batch costs one indexing op:
    use ``DataLoader(ds, sampler=BatchSampler(RandomSampler(ds), 256, False), batch_size=None)``, or the
    plain per-sample ``DataLoader(ds, batch_size=256)``. ``obs``: the frames as the policy sees them
    (:func:`imitation_view` applied; None: ``demos.obs``)."""
    import torch

    class ChunkDataset(torch.utils.data.Dataset):
        def __init__(self):
            self.obs = torch.from_numpy(norm.obs(demos.obs if obs is None else obs).astype(np.float32))
            self.act = torch.from_numpy(norm.act(demos.act).astype(np.float32))
            self.start = torch.from_numpy(demos.ep_start.astype(np.int64))
            self.end = torch.from_numpy(demos.ep_end.astype(np.int64))
            self.o_off = torch.arange(-(n_obs - 1), 1)
            self.a_off = torch.arange(horizon)

        def __len__(self) -> int:
            return len(self.obs)

        def batch(self, idx):
            i = torch.as_tensor(idx, dtype=torch.int64)[:, None]
            oi = torch.maximum(i + self.o_off, self.start[i])  # before the episode: its first frame again
            ai = i + self.a_off
            mask = ai < self.end[i]
            ai = torch.minimum(ai, self.end[i] - 1)  # past the end: the last action again (masked in the loss)
            return self.obs[oi], self.act[ai], mask

        def __getitem__(self, k):
            if isinstance(k, (list, tuple, torch.Tensor, np.ndarray)):
                return self.batch(k)
            o, a, m = self.batch([k])
            return o[0], a[0], m[0]

        def __getitems__(self, idx):  # DataLoader's batched fetch: one gather, split into samples for collate
            o, a, m = self.batch(idx)
            return list(zip(o, a, m))

    return ChunkDataset()


# --- models -----------------------------------------------------------------------------------------------

def _mlp(d_in: int, d_out: int, hidden: int, layers: int):
    import torch.nn as nn

    mods, d = [], d_in
    for _ in range(layers):
        mods += [nn.Linear(d, hidden), nn.Mish()]
        d = hidden
    mods.append(nn.Linear(d, d_out))
    return nn.Sequential(*mods)


def build_net(kind: str, obs_dim: int, p: dict):
    """The network of an imitation policy (``p``: the algo params)."""
    import torch
    import torch.nn as nn

    n_obs, horizon, hidden, layers = int(p["n_obs_steps"]), int(p["horizon"]), int(p["hidden"]), int(p["layers"])
    cond = n_obs * obs_dim
    if kind == "bc":
        return _mlp(cond, horizon * 16, hidden, layers)

    class Denoiser(nn.Module):
        """Noise prediction for a flattened action chunk, FiLM-conditioned on observation and timestep."""

        def __init__(self):
            super().__init__()
            self.t_dim = 64
            self.cond = nn.Sequential(nn.Linear(cond + self.t_dim, hidden), nn.Mish(), nn.Linear(hidden, hidden))
            self.inp = nn.Linear(horizon * 16, hidden)
            self.blocks = nn.ModuleList([nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, hidden), nn.Mish(),
                                                       nn.Linear(hidden, hidden)) for _ in range(layers)])
            self.film = nn.ModuleList([nn.Linear(hidden, 2 * hidden) for _ in range(layers)])
            self.out = nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, horizon * 16))

        def forward(self, x, t, c):
            half = self.t_dim // 2
            f = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
            te = t.float()[:, None] * f[None]
            c = self.cond(torch.cat([c, torch.sin(te), torch.cos(te)], dim=1))
            h = self.inp(x)
            for blk, film in zip(self.blocks, self.film):
                s, b = film(c).chunk(2, dim=1)
                h = h + blk(h) * (1 + s) + b
            return self.out(h)

    return Denoiser()


#: what the denoiser predicts (``algo.params.prediction``): the noise (``epsilon``, DDPM's and Diffusion Policy's
#: default) or the clean action chunk (``sample``)
PREDICTIONS = ("epsilon", "sample")


def prediction_type(p: dict) -> str:
    v = str(p.get("prediction", "epsilon"))
    if v not in PREDICTIONS:
        raise HGroundError(f"algo.params.prediction={v!r}: use one of {', '.join(PREDICTIONS)}")
    return v


def _schedulers(p: dict):
    from diffusers import DDIMScheduler, DDPMScheduler

    kw = dict(num_train_timesteps=int(p["train_timesteps"]), beta_schedule="squaredcos_cap_v2", clip_sample=True,
              prediction_type=prediction_type(p))
    return DDPMScheduler(**kw), DDIMScheduler(**kw)


def loss_fn(kind: str, net, batch, p: dict, noise_sched=None, gen=None):
    import torch

    o, a, m = batch
    B = o.shape[0]
    sigma = float(p.get("obs_noise", 0.0))
    if sigma > 0:  # noise on the (normalised) observations: robustness to the states a policy's own errors lead to
        o = o + sigma * torch.randn(o.shape, generator=gen)
    c = o.reshape(B, -1)
    if kind == "bc":
        pred = net(c).reshape(a.shape)
        err = (pred - a).abs().mean(-1)
        return (err * m).sum() / m.sum().clamp(min=1)
    x0 = a.reshape(B, -1)
    noise = torch.randn(x0.shape, generator=gen)
    t = torch.randint(0, noise_sched.config.num_train_timesteps, (B,), generator=gen)
    xt = noise_sched.add_noise(x0, noise, t)
    target = noise if prediction_type(p) == "epsilon" else x0
    err = ((net(xt, t, c) - target) ** 2).reshape(a.shape).mean(-1)
    return (err * m).sum() / m.sum().clamp(min=1)


def predict_chunk(kind: str, net, c, p: dict, sample_sched=None, gen=None):
    """Normalised action chunk (horizon, 16) for one flattened, normalised observation window ``c`` (1, d)."""
    import torch

    with torch.no_grad():
        if kind == "bc":
            return net(c).reshape(int(p["horizon"]), 16)
        x = torch.randn((1, int(p["horizon"]) * 16), generator=gen)
        sample_sched.set_timesteps(int(p["inference_steps"]))
        for t in sample_sched.timesteps:
            eps = net(x, t.reshape(1).expand(1), c)
            x = sample_sched.step(eps, t, x, generator=gen).prev_sample
        return x.reshape(int(p["horizon"]), 16)


# --- the policy at run time ----------------------------------------------------------------------------------

class ImitationPolicy:
    """A trained bc/diffusion checkpoint acting on the env's Dict observation: keeps the last
    ``n_obs_steps`` observations and a queue of ``n_action_steps`` actions from the last chunk."""

    def __init__(self, env, ck):
        import torch

        u = env.unwrapped
        if u.control != "ee_delta":
            raise HGroundError(f"checkpoint {ck.path.name} acts with control=ee_delta; make the env with control=ee_delta")
        missing = [k for k in ("canonical", "task", "embodiment") if k not in env.observation_space.spaces]
        if missing:
            raise HGroundError(f"observation space differs: checkpoint {ck.path.name} needs keys canonical, task, embodiment; "
                               f"the env has no {missing}")
        meta = ck.meta
        self.kind, self.p = meta["config"]["algo"]["name"], meta["config"]["algo"]["params"]
        self.task_dim = int(meta["task_dim"])
        env_task = int(env.observation_space["task"].shape[0])
        full_dim = int(meta.get("full_obs_dim", meta.get("obs_dim") or 0))
        if env_task > self.task_dim or (full_dim and 23 + self.task_dim + int(env.observation_space["embodiment"].shape[0]) != full_dim):
            raise HGroundError(f"observation space differs in key 'task': checkpoint {ck.path.name} was trained on a task state of "
                               f"{self.task_dim} numbers (task {meta['config']['task']['name']}), {u.task_name} gives {env_task}")
        with zipfile.ZipFile(ck.path) as z:
            blob = torch.load(io.BytesIO(z.read("policy.pt")), map_location="cpu", weights_only=False)
        self.norm = Normalizer.from_state(blob["normalizer"])
        cfg = meta["config"]
        self.view = imitation_view(self.p, cfg["task"]["name"], cfg["task"].get("params"), self.task_dim)
        self.sizes = [23, self.task_dim, int(env.observation_space["embodiment"].shape[0])]
        self.net = build_net(self.kind, int(meta["obs_dim"]), self.p)
        self.net.load_state_dict(blob["model"])
        self.net.eval()
        self.sched = _schedulers(self.p)[1] if self.kind == "diffusion" else None
        self.gen = torch.Generator().manual_seed(int(meta.get("seed", 0)))
        if action_scaling(self.p):  # where the body's scale is read, and the Δxyz it multiplies (once, not per step)
            from .inputs import scale_index

            self._rescale = (scale_index(), position_action_columns())
        else:
            self._rescale = None
        self.reset()

    def reset(self) -> None:
        self.hist: list[np.ndarray] = []
        self.queue: list[np.ndarray] = []
        self.chunks: list[tuple[int, np.ndarray]] = []  # (step predicted at, normalised chunk): temporal ensembling
        self.t = 0

    def __call__(self, obs) -> np.ndarray:
        import torch

        t = np.zeros(self.task_dim, np.float32)
        t[: len(obs["task"])] = obs["task"]
        x = self.norm.obs(self.view.apply(np.concatenate([obs["canonical"], t, obs["embodiment"]]), self.sizes))
        n = int(self.p["n_obs_steps"])
        self.hist = self.hist[1:] + [x] if self.hist else [x] * n
        ens = float(self.p.get("temporal_ensemble", 0.0) or 0.0)
        if ens > 0:  # ACT's temporal ensembling: a chunk every step, overlapping predictions averaged
            c = torch.from_numpy(np.concatenate(self.hist)[None])
            self.chunks.append((self.t, predict_chunk(self.kind, self.net, c, self.p, self.sched, self.gen).numpy()))
            h = int(self.p["horizon"])
            self.chunks = [(s, ch) for s, ch in self.chunks if self.t - s < h]
            preds = np.stack([ch[self.t - s] for s, ch in self.chunks])  # oldest first
            w = np.exp(-ens * np.arange(len(preds)))
            self.t += 1
            return self._act(self.norm.unact((w[:, None] * preds).sum(0) / w.sum()), obs)
        if not self.queue:
            c = torch.from_numpy(np.concatenate(self.hist)[None])
            chunk = predict_chunk(self.kind, self.net, c, self.p, self.sched, self.gen).numpy()
            self.queue = list(self.norm.unact(chunk[: int(self.p["n_action_steps"])]))
        self.t += 1
        return self._act(self.queue.pop(0), obs)

    def _act(self, a: np.ndarray, obs) -> np.ndarray:
        """A predicted action as the env takes it: Δxyz back in the body's units (``actions: scaled``), clipped."""
        a = np.array(a, dtype=np.float32)
        if self._rescale is not None:
            k, cols = self._rescale
            a[cols] *= float(obs["embodiment"][k])
        return np.clip(a, -1.0, 1.0, out=a)


# --- training ------------------------------------------------------------------------------------------------

class EMA:
    """An exponential moving average of the weights (as Diffusion Policy and LeRobot keep): the policy that
    is saved and evaluated is the average, which varies far less from checkpoint to checkpoint than the
    last step's weights. ``decay`` 0 turns it off. The decay warms up as ``min(decay, (1 + k) / (10 + k))``
    (diffusers' EMAModel), so early averages are not dominated by the random initialisation."""

    def __init__(self, net, decay: float):
        import copy

        self.decay = float(decay)
        self.avg = copy.deepcopy(net).requires_grad_(False) if self.decay > 0 else None
        self._pairs = None

    def update(self, net, step: int) -> None:
        if self.avg is None:
            return
        import torch

        if self._pairs is None:  # the tensors themselves (state_dict is rebuilt on every call): paired once
            self._pairs = list(zip(self.avg.state_dict().values(), net.state_dict().values()))
        d = min(self.decay, (1 + step) / (10 + step))
        with torch.no_grad():
            for a, w in self._pairs:
                if a.dtype.is_floating_point:
                    a.lerp_(w, 1 - d)
                else:
                    a.copy_(w)

    def state(self, net) -> dict:
        if self.avg is None:
            return {"model": net.state_dict()}
        return {"model": self.avg.state_dict(), "train_model": net.state_dict()}

    def load(self, blob: dict) -> None:
        if self.avg is not None:
            self.avg.load_state_dict(blob["model"])  # a run resumed with ema newly on starts its average there


def _save(path: Path, meta: dict, blob: dict) -> Path:
    """A checkpoint: ``policy.pt`` + ``hground/meta.json`` in one zip, written atomically."""
    import torch

    from humanoid_ground import __version__

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    buf = io.BytesIO()
    torch.save(blob, buf)
    with zipfile.ZipFile(tmp, "w") as z:
        z.writestr("policy.pt", buf.getvalue())
        z.writestr("hground/meta.json", json.dumps(dict(meta, project_version=__version__, num_timesteps=blob["step"]),
                                                    indent=2, default=str))
    os.replace(tmp, path)
    return path


def train_imitation(cfg: dict, run_dir: Path) -> dict:
    """``hground train algo=bc|diffusion dataset=PATH``: gradient steps on the dataset, with periodic
    rollouts on each of its robots (``eval/<robot>/success_rate``), checkpoints, best model and resume.
    ``total_timesteps`` counts gradient steps."""
    import torch
    from stable_baselines3.common.logger import configure

    from .callbacks import Evaluator, RunProgress
    from .checkpoint import Checkpoint, git_revision, latest_checkpoint
    from .train import _eval_env_factory, listed_robots

    kind, p = cfg["algo"]["name"], dict(cfg["algo"]["params"])
    seed = int(cfg["seed"])
    torch.set_num_threads(int(p.get("threads", 1)))
    torch.manual_seed(seed)
    robots = listed_robots(cfg)
    tail = p.get("success_tail")
    demos = load_demos(cfg["dataset"], robots, cfg["task"]["name"], cfg.get("dataset_episodes") or None,
                       None if tail is None else int(tail), bool(p.get("success_only", False)))
    p["embodiment"] = resolve_embodiment(p, len(demos.robots))  # the checkpoint's config holds the decision
    p["mirror"] = mirroring(p, demos.task)  # the checkpoint's config holds the decision
    cfg["algo"]["params"]["mirror"] = p["mirror"]
    cfg["algo"]["params"]["embodiment"] = p["embodiment"]
    if p["mirror"]:  # every episode also mirrored
        from .mirror import mirror_demos

        demos = mirror_demos(demos, cfg["task"].get("params"))
    if action_scaling(p):  # each arm's Δxyz in units of the body's scale
        from .inputs import scale_index

        demos.act = scale_actions(demos.act, demos.obs[:, 23 + demos.task_dim + scale_index()])
    if p["mirror"] or action_scaling(p):  # the frames are no longer the dataset's: their own statistics
        demos.stats = frame_stats(demos, demos.stats, p["mirror"], action_scaling(p))
    norm = Normalizer(demos.stats)
    full_dim = demos.obs.shape[1]
    view = imitation_view(p, demos.task, cfg["task"].get("params"), demos.task_dim)
    sizes = [23, demos.task_dim, full_dim - 23 - demos.task_dim]
    xv = view.apply(demos.obs, sizes)
    norm = norm.viewed(view, sizes, xv)
    data = chunk_dataset(demos, norm, int(p["n_obs_steps"]), int(p["horizon"]), xv)
    obs_dim = int(xv.shape[1])
    net = build_net(kind, obs_dim, p)
    ema = EMA(net, float(p.get("ema", 0.0) or 0.0))
    opt = torch.optim.AdamW(net.parameters(), lr=float(p["learning_rate"]), weight_decay=float(p.get("weight_decay", 1e-6)))
    total = int(cfg["total_timesteps"])
    warm = int(p.get("warmup_steps", 500))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: min(1.0, (k + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(k, total) / total)))
    noise_sched = _schedulers(p)[0] if kind == "diffusion" else None
    gen = torch.Generator().manual_seed(seed)
    step = 0
    resumed_order = None
    meta = {"config": cfg, "seed": seed, "obs_keys": ["canonical", "task", "embodiment"], "git_revision": git_revision(),
            "robot": robots[0], "robots": robots, "task": demos.task, "task_dim": demos.task_dim, "obs_dim": obs_dim,
            "full_obs_dim": full_dim,
            "dataset": {"path": str(Path(cfg["dataset"]).expanduser().resolve()), "episodes": demos.episodes,
                        "frames": int(len(demos.obs))},
            "observation_space": {"type": "Dict", "shape": [obs_dim]}, "action_space": {"type": "Box", "shape": [16]}}
    if cfg.get("resume"):
        last = latest_checkpoint(run_dir)
        if last is None:
            raise HGroundError(f"resume={run_dir}: no checkpoint in {run_dir / 'checkpoints'} yet; start the run again")
        with zipfile.ZipFile(last) as z:
            blob = torch.load(io.BytesIO(z.read("policy.pt")), map_location="cpu", weights_only=False)
        net.load_state_dict(blob.get("train_model", blob["model"]))
        ema.load(blob)
        opt.load_state_dict(blob["optimizer"])
        sched.load_state_dict(blob["lr_schedule"])
        gen.set_state(blob["generator"])
        step = int(blob["step"])
        order = blob.get("data_order")  # where in its shuffled epoch the run stopped: resuming replays the same batches
        resumed_order = (order[0], int(order[1])) if order is not None and len(order[0]) == len(data) else None
    else:
        import yaml

        (run_dir / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))

    def blob_now() -> dict:
        # "model" is what a policy loads: the averaged weights when ema is on ("train_model" resumes training)
        return {**ema.state(net), "optimizer": opt.state_dict(), "lr_schedule": sched.state_dict(),
                "generator": gen.get_state(), "step": step, "normalizer": norm.state(), "data_order": (perm, pos)}

    logger = configure(str(run_dir / "tb"), ["tensorboard", "csv"])
    ev = cfg["eval"]
    evaluator = Evaluator(_eval_env_factory(cfg), robots, run_dir, int(ev["episodes"]), int(ev.get("video_episodes", 0)),
                          int(ev.get("seed", 2_000_000)))
    freq, ck_freq, bs = int(ev["freq"]), int(cfg["checkpoint_freq"]), int(p["batch_size"])
    progress = RunProgress(total, f"{kind} {demos.task} {', '.join(robots)} s{seed}", evaluator,
                           bool(cfg.get("progress", True)), unit="grad steps",
                           evals_left=lambda n: (total - n) // freq if freq > 0 else 0)

    def evaluate() -> dict:
        # the policy evaluated is the checkpoint as saved: exactly what eval, bench and collect will load
        path = _save(run_dir / "checkpoints" / f"step_{step:09d}.zip", meta, blob_now())
        s, improved = evaluator.evaluate(ImitationPolicy(evaluator.env(robots[0]), Checkpoint(path, meta, None)), step, logger)
        if improved:
            _save(run_dir / "best_model.zip", meta, blob_now())
            evaluator.record_best(step, s)
        logger.dump(step)
        return s

    n = len(data)
    perm, pos = resumed_order if resumed_order is not None else (torch.randperm(n, generator=gen), 0)
    losses = []
    t0 = time.time()
    progress.start(step)
    try:
        net.train()
        while step < total:
            if pos + bs > n:
                perm, pos = torch.randperm(n, generator=gen), 0
            batch = data.batch(perm[pos: pos + bs])
            pos += bs
            loss = loss_fn(kind, net, batch, p, noise_sched, gen)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            ema.update(net, step)
            losses.append(float(loss.detach()))
            if step % 100 == 0 or step == total:
                logger.record("train/loss", float(np.mean(losses)))
                logger.record("train/lr", float(sched.get_last_lr()[0]))
                logger.record("time/grad_steps_per_s", progress.rate(step))
                losses = []
                logger.dump(step)
            if ck_freq > 0 and step % ck_freq == 0:
                _save(run_dir / "checkpoints" / f"step_{step:09d}.zip", meta, blob_now())
            if freq > 0 and int(ev["episodes"]) > 0 and step % freq == 0:
                net.eval()
                evaluate()
                net.train()
            progress.update(step)
    finally:
        progress.stop(step)
    wall = time.time() - t0
    _save(run_dir / "checkpoints" / f"step_{step:09d}.zip", meta, blob_now())
    _save(run_dir / "final_model.zip", meta, blob_now())
    periodic = evaluator.last
    net.eval()
    final = evaluate() if int(ev["episodes"]) > 0 else None
    evaluator.close()
    best_f = run_dir / "best_model.json"
    summary = {"run_dir": str(run_dir), "robot": robots[0] if len(robots) == 1 else f"{len(robots)}robots", "robots": robots,
               "task": demos.task, "algo": kind, "seed": seed, "steps": step, "wall_time_s": round(wall, 1),
               "dataset": meta["dataset"], "final_eval": final,
               "last_periodic_eval": None if periodic is None else {k: v for k, v in periodic.items() if k != "per_robot"},
               "best": json.loads(best_f.read_text()) if best_f.is_file() else None}
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=float))
    return summary
