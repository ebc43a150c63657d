"""Self-contained checkpoints: one SB3 ``.zip`` that also carries the VecNormalize statistics, the
resolved config, the seed, the step count, the spaces and the git revision (under ``hground/``).

SB3's loader ignores the extra members, so a checkpoint is still a plain SB3 model file.
"""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from humanoid_ground import __version__
from humanoid_ground.errors import HGroundError

META = "hground/meta.json"
NORM = "hground/vecnormalize.pkl"


def git_revision() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except Exception:
        return None


def space_desc(space) -> dict:
    return {"type": type(space).__name__, "shape": list(space.shape or ()),
            "low": float(space.low.min()) if hasattr(space, "low") else None,
            "high": float(space.high.max()) if hasattr(space, "high") else None}


def save_checkpoint(model, path: str | Path, meta: dict, vecnorm=None) -> Path:
    """Write ``model`` (+ normaliser + meta) to ``path`` atomically (temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.zip")
    model.save(tmp)
    meta = dict(meta, num_timesteps=int(model.num_timesteps), project_version=__version__,
                observation_space=space_desc(model.observation_space), action_space=space_desc(model.action_space))
    with zipfile.ZipFile(tmp, "a") as z:
        z.writestr(META, json.dumps(meta, indent=2, default=str))
        if vecnorm is not None:
            venv, vecnorm.venv = vecnorm.venv, None  # the stats only, never the worker processes
            try:
                z.writestr(NORM, pickle.dumps(vecnorm))
            finally:
                vecnorm.venv = venv
    os.replace(tmp, path)
    return path


@dataclass
class Checkpoint:
    path: Path
    meta: dict
    vecnorm: Any  # VecNormalize without a venv (frozen statistics) or None

    @property
    def algo(self) -> str:
        return self.meta["config"]["algo"]["name"]

    @property
    def control(self) -> str:
        return self.meta["config"]["control"]

    @property
    def robots(self) -> list[str]:
        """The robots the policy was trained on (in-distribution; every other robot is held out)."""
        return list(self.meta.get("robots") or [self.meta["config"]["robot"]["name"]])

    @property
    def obs_keys(self) -> list[str]:
        return list(self.meta["obs_keys"])

    @property
    def inputs(self) -> str:
        """``all``, ``relative`` or ``scaled`` (:mod:`.inputs`); checkpoints from before the setting: all."""
        return str(self.meta.get("inputs", "all"))

    def view(self):
        """What the policy sees of its observation keys (:func:`.inputs.input_view`)."""
        from .inputs import input_view

        cfg = self.meta["config"]
        return input_view(self.obs_keys, self.inputs, cfg["task"]["name"], cfg["task"].get("params"))

    def load_model(self, env=None, device: str = "cpu"):
        from .algos import algo_class

        return algo_class(self.algo).load(self.path, env=env, device=device)

    def normalize(self, obs):
        if self.vecnorm is None:
            return obs
        return self.vecnorm.normalize_obs(obs)


def resolve_checkpoint(path: str | Path) -> Path:
    """A checkpoint file, or a run directory (its best model, else its final model, else its last
    checkpoint)."""
    p = Path(path).expanduser()
    if p.is_dir():
        for cand in (p / "best_model.zip", p / "final_model.zip"):
            if cand.is_file():
                return cand
        last = latest_checkpoint(p)
        if last is None:
            raise HGroundError(f"run directory {p} holds no model (best_model.zip, final_model.zip or checkpoints/step_*.zip)")
        return last
    if not p.is_file():
        raise HGroundError(f"checkpoint {p} does not exist; pass a run directory or a .zip written by 'hground train'")
    return p


def latest_checkpoint(run_dir: Path) -> Path | None:
    cks = sorted((run_dir / "checkpoints").glob("step_*.zip"))
    return cks[-1] if cks else None


def load_checkpoint(path: str | Path) -> Checkpoint:
    p = resolve_checkpoint(path)
    try:
        with zipfile.ZipFile(p) as z:
            names = set(z.namelist())
            if META not in names:
                raise HGroundError(f"{p} is not a humanoid-ground checkpoint (no {META}); train it with 'hground train'")
            meta = json.loads(z.read(META))
            vecnorm = pickle.loads(z.read(NORM)) if NORM in names else None
    except zipfile.BadZipFile:
        raise HGroundError(f"checkpoint {p} is corrupt (not a zip file); use another checkpoint of the run") from None
    if vecnorm is not None:
        vecnorm.training = False  # frozen statistics at evaluation
    return Checkpoint(p, meta, vecnorm)


def check_spaces(ck: Checkpoint, obs_dim: int, act_dim: int, where: str) -> None:
    """Refuse a checkpoint whose observation/action space differs from the env's, naming which."""
    o = ck.meta["observation_space"]["shape"]
    a = ck.meta["action_space"]["shape"]
    if list(a) != [act_dim]:
        raise HGroundError(f"action space differs: checkpoint {ck.path.name} acts in {tuple(a)} (control={ck.control}), "
                           f"{where} expects ({act_dim},); use control=ee_delta for cross-robot use")
    if list(o) != [obs_dim]:
        raise HGroundError(f"observation space differs: checkpoint {ck.path.name} takes {tuple(o)} "
                           f"(keys {ck.obs_keys}, task {ck.meta['config']['task']['name']}), {where} gives ({obs_dim},)")
