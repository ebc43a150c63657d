"""``hground train``: one training run (or one job of a sweep) from a resolved Hydra config."""
from __future__ import annotations

import json
import logging
import sys
import time
from functools import partial
from pathlib import Path

import yaml

from humanoid_ground.errors import HGroundError

from .algos import OFF_POLICY, algo_class, build_model
from .callbacks import (CheckpointCallback, _vecnorm, EvalCallback, InterruptCallback, MetricsCallback, ProgressCallback,
                        TransitionRecorder)
from .checkpoint import git_revision, latest_checkpoint, load_checkpoint, save_checkpoint
from .wrappers import default_obs_keys, make_env

log = logging.getLogger("humanoid_ground.training")

#: settings a resumed run may change; everything else comes from the run's own config.yaml
RESUMABLE_OVERRIDES = ("total_timesteps", "progress", "checkpoint_freq", "eval")

EXIT_INTERRUPTED = 130


def _validate(cfg: dict) -> None:
    from humanoid_ground.robots import get_card
    from humanoid_ground.tasks.registry import task_config

    get_card(cfg["robot"]["name"])
    task_config(cfg["task"]["name"])
    algo_class(cfg["algo"]["name"])
    if int(cfg["n_envs"]) < 1:
        raise HGroundError(f"n_envs={cfg['n_envs']}: use 1 or more")


def _vec_env(cfg: dict, obs_keys):
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

    n = int(cfg["n_envs"])
    fns = [partial(make_env, cfg["task"]["name"], cfg["robot"]["name"], cfg["control"], cfg["env"], obs_keys,
                   task_params=cfg["task"].get("params"), max_episode_steps=cfg["task"].get("max_episode_steps"),
                   ignore_sigint=n > 1) for _ in range(n)]
    return SubprocVecEnv(fns, start_method="forkserver") if n > 1 else DummyVecEnv(fns)


def _eval_env_factory(cfg: dict):
    import humanoid_ground as hg

    from .wrappers import env_kwargs

    def make():
        return hg.make(cfg["task"]["name"], robot=cfg["robot"]["name"], task_params=cfg["task"].get("params"),
                       max_episode_steps=cfg["task"].get("max_episode_steps"), render_mode="rgb_array",
                       **env_kwargs(cfg["env"], cfg["control"]))
    return make


def resume_config(run_dir: Path, overrides: list[str], cfg: dict) -> dict:
    """The resumed run's own config, with the few settings a resume may change."""
    f = run_dir / "config.yaml"
    if not f.is_file():
        raise HGroundError(f"resume={run_dir}: no config.yaml there; pass a run directory written by 'hground train'")
    saved = yaml.safe_load(f.read_text())
    for o in overrides:
        key = o.lstrip("+~").split("=", 1)[0]
        if key.split(".")[0] in RESUMABLE_OVERRIDES:
            saved[key.split(".")[0]] = cfg[key.split(".")[0]]
        elif key not in ("resume",) and not key.startswith("hydra"):
            log.warning("resume: ignoring override %s (the run keeps its own config)", o)
    saved["resume"] = str(run_dir)
    return saved


def train(cfg: dict, run_dir: Path, overrides: list[str] | None = None) -> dict:
    """Train one policy. Writes into ``run_dir``: config.yaml, tb/ (TensorBoard), checkpoints/,
    best_model.zip, final_model.zip, videos/, evaluations.jsonl, summary.json."""
    import torch
    from stable_baselines3.common.logger import configure
    from stable_baselines3.common.utils import set_random_seed
    from stable_baselines3.common.vec_env import VecNormalize

    resume = cfg.get("resume")
    if resume:
        run_dir = Path(resume).expanduser()
        cfg = resume_config(run_dir, overrides or [], cfg)
    _validate(cfg)
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    seed = int(cfg["seed"])
    set_random_seed(seed)
    obs_keys = list(cfg["env"].get("obs_keys") or default_obs_keys(cfg["control"]))
    meta = {"config": cfg, "seed": seed, "obs_keys": obs_keys, "git_revision": git_revision(),
            "robot": cfg["robot"]["name"], "task": cfg["task"]["name"]}
    if not resume:
        (run_dir / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))

    ck = None
    if resume:
        last = latest_checkpoint(run_dir)
        if last is None:
            raise HGroundError(f"resume={run_dir}: no checkpoint in {run_dir / 'checkpoints'} yet; start the run again")
        ck = load_checkpoint(last)
    interrupt = InterruptCallback()
    interrupt.install()
    venv = None
    try:
        venv = _vec_env(cfg, obs_keys)
        if cfg["env"].get("normalize", True):
            if ck is not None and ck.vecnorm is not None:
                ck.vecnorm.set_venv(venv)
                ck.vecnorm.training = True
                venv = ck.vecnorm
            else:
                venv = VecNormalize(venv, norm_obs=True, norm_reward=bool(cfg["env"].get("norm_reward", False)),
                                    gamma=float(cfg["algo"]["params"].get("gamma", 0.99)))
        logger = configure(str(run_dir / "tb"), ["tensorboard", "csv"])
        if ck is not None:
            model = algo_class(cfg["algo"]["name"]).load(ck.path, env=venv, device=cfg.get("device", "cpu"))
            rb = run_dir / "replay_buffer.pkl"
            if cfg["algo"]["name"] in OFF_POLICY:
                if not rb.is_file():
                    raise HGroundError(f"resume={run_dir}: replay_buffer.pkl is missing; an off-policy run cannot continue without it")
                model.load_replay_buffer(rb)
            log.info("resuming %s at step %d", run_dir, model.num_timesteps)
        else:
            model = build_model(cfg["algo"], venv, seed, None, cfg.get("device", "cpu"))
        model.set_logger(logger)

        total = int(cfg["total_timesteps"])
        title = f"{cfg['algo']['name']} {cfg['task']['name']} {cfg['robot']['name']} s{seed}"
        evaluator = EvalCallback(_eval_env_factory(cfg), run_dir, obs_keys, cfg["eval"]["freq"], cfg["eval"]["episodes"],
                                 cfg["eval"].get("video_episodes", 0), cfg["eval"].get("seed", 1_000_000), meta)
        checkpointer = CheckpointCallback(run_dir, cfg["checkpoint_freq"], meta)
        cbs = [MetricsCallback(), evaluator, checkpointer, interrupt,
               ProgressCallback(total, title, evaluator, enabled=bool(cfg.get("progress", True)))]
        if int(cfg.get("record_transitions") or 0) > 0 and not resume:
            cbs.append(TransitionRecorder(int(cfg["record_transitions"]), run_dir / "transitions.npz"))
        t0 = time.time()
        remaining = max(0, total - model.num_timesteps)
        if remaining > 0 and not interrupt.interrupted:
            model.learn(remaining, callback=cbs, reset_num_timesteps=False, progress_bar=False)
        wall = time.time() - t0
        if interrupt.interrupted:
            path = checkpointer.save()
            print(f"interrupted at step {model.num_timesteps}: checkpoint {path}; continue with: hground train resume={run_dir}",
                  file=sys.stderr, flush=True)
            return {"interrupted": True, "run_dir": str(run_dir), "step": model.num_timesteps}
        checkpointer.save()
        save_checkpoint(model, run_dir / "final_model.zip", meta, _vecnorm(model))
        final_eval = evaluator.evaluate() if cfg["eval"]["episodes"] > 0 else None
        summary = {"run_dir": str(run_dir), "robot": cfg["robot"]["name"], "task": cfg["task"]["name"],
                   "algo": cfg["algo"]["name"], "seed": seed, "steps": int(model.num_timesteps), "wall_time_s": round(wall, 1),
                   "final_eval": final_eval, "best": evaluator.best}
        (run_dir / "summary.json").write_text(json.dumps(summary, indent=2))
        evaluator._on_training_end()
        return summary
    finally:
        interrupt.uninstall()
        if venv is not None:
            venv.close()

