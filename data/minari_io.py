"""Minari export and read-back: a LeRobot dataset of ours -> a Minari (HDF5) dataset."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from humanoid_ground.errors import HGroundError

from .lerobot import iter_episodes, read_info

OBS_KEYS = {"observation.state": "state", "observation.task_state": "task_state", "observation.joint_pos": "joint_pos",
            "observation.joint_vel": "joint_vel", "observation.base": "base"}


@contextmanager
def datasets_root(root: str | Path):
    old = os.environ.get("MINARI_DATASETS_PATH")
    os.environ["MINARI_DATASETS_PATH"] = str(Path(root).expanduser().resolve())
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("MINARI_DATASETS_PATH", None)
        else:
            os.environ["MINARI_DATASETS_PATH"] = old


def default_id(info: dict) -> str:
    h = info["hground"]
    tasks = sorted({t["name"] for t in h["tasks"]})
    robots = [r["name"] for r in h["robots"]]
    return f"hground/{'+'.join(tasks)}-{robots[0] if len(robots) == 1 else 'multi'}-v0"


def spaces_for(info: dict):
    from gymnasium import spaces

    feats = info["features"]
    d = {name: spaces.Box(-np.inf, np.inf, tuple(feats[k]["shape"]), np.float32) for k, name in OBS_KEYS.items()}
    for k, f in feats.items():
        if f["dtype"] == "video":
            d[f"image_{k.split('.')[-1]}"] = spaces.Box(0, 255, tuple(f["shape"]), np.uint8)
    act = spaces.Box(-1.0, 1.0, tuple(feats["action"]["shape"]), np.float32)
    return spaces.Dict(d), act


def export_minari(src: str | Path, out_root: str | Path, dataset_id: str | None = None) -> str:
    """Write ``src`` (a LeRobot root) as a Minari dataset under ``out_root``; returns its id. Each
    episode has T + 1 observations: the recorded frames plus the final observation after the last
    step (its camera images repeat the last recorded frame: videos hold one frame per step)."""
    import minari
    from minari.data_collector.episode_buffer import EpisodeBuffer

    info = read_info(src)
    did = dataset_id or default_id(info)
    obs_space, act_space = spaces_for(info)
    buffers = []
    for ep in iter_episodes(src, images=True):
        obs = {}
        for k, name in OBS_KEYS.items():
            obs[name] = np.concatenate([ep[k], ep["final"][k][None]]).astype(np.float32)
        for cam, frames in ep["images"].items():
            obs[f"image_{cam}"] = np.concatenate([frames, frames[-1:]])
        done, trunc = ep["next.done"].astype(bool), ep["next.truncated"].astype(bool)
        buffers.append(EpisodeBuffer(id=int(ep["meta"]["episode_index"]), seed=int(ep["meta"].get("seed", 0)), observations=obs,
                                     actions=ep["action"].astype(np.float32), rewards=ep["next.reward"].astype(np.float64).tolist(),
                                     terminations=(done & ~trunc).tolist(), truncations=trunc.tolist()))
    if not buffers:
        raise HGroundError(f"{src} holds no episodes; nothing to export")
    h = info["hground"]
    import warnings

    with datasets_root(out_root), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # author_email / eval_env / env_spec: not applicable here
        if did in minari.list_local_datasets():
            raise HGroundError(f"Minari dataset {did} already exists under {out_root}; delete it or pass --id")
        minari.create_dataset_from_buffers(
            dataset_id=did, buffer=buffers, observation_space=obs_space, action_space=act_space,
            algorithm_name=str(h.get("policy", {}).get("spec", "unknown")), author="humanoid-ground",
            code_permalink="https://github.com/humanoid-ground/humanoid-ground",
            description=f"humanoid-ground {', '.join(t['text'] for t in h['tasks'])} on {', '.join(r['name'] for r in h['robots'])}; "
                        f"canonical schema v{h['schema_version']} (exported from a LeRobot v3 dataset)",
            data_format="hdf5", jpeg_encoding=False)  # images as exact arrays
    return did


def read_minari(root: str | Path, dataset_id: str) -> list[dict]:
    """Episodes of a Minari dataset in our episode layout (for round-trip comparisons)."""
    import minari

    with datasets_root(root):
        ds = minari.load_dataset(dataset_id)
        out = []
        for e in ds.iterate_episodes():
            o = e.observations
            ep = {k: np.asarray(o[name][:-1]) for k, name in OBS_KEYS.items()}
            ep["final"] = {k: np.asarray(o[name][-1]) for k, name in OBS_KEYS.items()}
            ep["images"] = {n[len("image_"):]: np.asarray(o[n][:-1]) for n in o if n.startswith("image_")}
            ep["action"] = np.asarray(e.actions)
            ep["next.reward"] = np.asarray(e.rewards, dtype=np.float32)
            ep["next.truncated"] = np.asarray(e.truncations, bool)
            ep["next.done"] = np.asarray(e.terminations, bool) | ep["next.truncated"]
            out.append(ep)
        return out
