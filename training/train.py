"""``hground train``: one training run (or one job of a sweep) from a resolved Hydra config."""
from __future__ import annotations

import json
import logging
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import yaml

from humanoid_ground.errors import HGroundError

from .algos import IMITATION, algo_class, build_model, is_off_policy
from .callbacks import (CheckpointCallback, _vecnorm, EvalCallback, InterruptCallback, MetricsCallback, ProgressCallback,
                        TransitionRecorder)
from .checkpoint import git_revision, latest_checkpoint, load_checkpoint, save_checkpoint
from .normalize import RAW_OBS_KEYS, BodyAwareVecNormalize, raw_mask
from .inputs import auto_inputs, input_view
from .wrappers import check_robot_sampling, default_obs_keys, env_group_config, make_env, obs_sizes

log = logging.getLogger("humanoid_ground.training")

#: settings a resumed run may change; everything else comes from the run's own config.yaml
RESUMABLE_OVERRIDES = ("total_timesteps", "progress", "checkpoint_freq", "eval")

EXIT_INTERRUPTED = 130


def listed_robots(cfg: dict) -> list[str]:
    """The robots the user named: ``robots=[...]`` if given, else ``robot=`` (evaluation runs on these)."""
    return [str(r) for r in (cfg.get("robots") or [cfg["robot"]["name"]])]


def training_robots(cfg: dict) -> list[str]:
    """The robots a run trains on: the listed ones plus ``morph.variants`` procedural variants of them
    (``<robot>-m<seed>``, seeds from ``morph.seed``; see :mod:`humanoid_ground.robots.morph`)."""
    from humanoid_ground.robots.morph import variant_names

    listed = listed_robots(cfg)
    m = cfg.get("morph") or {}
    return listed + variant_names(listed, int(m.get("variants") or 0), int(m.get("seed") or 0))


def robot_tag(robots: list[str]) -> str:
    """How a run names its robots in folder names and titles: the robot, or ``<n>robots``."""
    return robots[0] if len(robots) == 1 else f"{len(robots)}robots"


def _int(cfg: dict, key: str, lo: int, what: str) -> int | None:
    v = cfg
    for k in key.split("."):
        if not isinstance(v, dict) or k not in v:
            return None  # a key this config does not have (a run saved before the key existed)
        v = v[k]
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise HGroundError(f"{key}={v!r}: {what}")
    try:
        n = int(str(v))
    except ValueError:
        raise HGroundError(f"{key}={v}: not a whole number; {what}") from None
    if n < lo:
        raise HGroundError(f"{key}={v}: {what}")
    return n


def validate_config(cfg: dict) -> None:
    """Check a resolved training config before anything is created (names, types, ranges, robot
    lists): every problem is one :class:`HGroundError` line naming the key and the fix."""
    from humanoid_ground.envs.controllers import controller_class, controller_names
    from humanoid_ground.errors import unknown_name
    from humanoid_ground.robots import get_card, robot_names
    from humanoid_ground.robots.registry import is_robot_name
    from humanoid_ground.tasks.registry import task_class, task_config

    task = cfg["task"]["name"]
    # the task's own config (class defaults, optional configs/task/<name>.yaml) completed with the run's
    # overrides, checked by its Params dataclass: config.yaml records every parameter the run used
    full = task_config(task)
    given = dict(cfg["task"].get("params") or {})
    cfg["task"]["params"] = {k: v for k, v in vars(task_class(task).Params.from_dict({**full["params"], **given}, task)).items()}
    cfg["task"].setdefault("max_episode_steps", full["max_episode_steps"])
    # the env group completed with its defaults (a config written before a key existed gets the key's
    # default), so the code below reads every env key directly
    cfg["env"] = {**env_group_config(), **(cfg.get("env") or {})}
    algo_class(cfg["algo"]["name"])
    keys = list(cfg["env"]["obs_keys"] or default_obs_keys(cfg["control"]))
    if str(cfg["env"]["inputs"]) == "auto":  # resolved here, so config.yaml and the checkpoint record what ran
        cfg["env"]["inputs"] = auto_inputs(len(training_robots(cfg)), keys)
    input_view(keys, str(cfg["env"]["inputs"]), task, cfg["task"]["params"], setting="env.inputs")
    if cfg["control"] not in controller_names():
        raise unknown_name("control", str(cfg["control"]), controller_names())
    robots = cfg.get("robots")
    if robots is not None:
        if isinstance(robots, str) or not isinstance(robots, (list, tuple)):
            raise HGroundError(f"robots={robots}: give a list, e.g. robots=[unitree_h1,fourier_gr1t2]")
        if not robots:
            raise HGroundError("robots=[]: the list is empty; name one robot or more, e.g. robots=[unitree_h1,fourier_gr1t2]")
        dup = sorted({r for r in robots if robots.count(r) > 1})
        if dup:
            raise HGroundError(f"robots: {', '.join(dup)} listed more than once; name each robot once")
    _int(cfg, "morph.variants", 0, "use 0 or more procedural variants")
    _int(cfg, "morph.seed", 0, "use a whole number ≥ 0")
    for r in listed_robots(cfg):
        if not is_robot_name(r) and not str(r).endswith((".yaml", ".yml")):
            raise unknown_name("robot", str(r), robot_names())
    for r in training_robots(cfg):
        why = task_class(task).unable(get_card(r))
        if why is not None:
            fix = ("drop it from the robot list" if cfg.get("robots") is not None
                   else "pick another robot (hground robots list) or another task")
            raise HGroundError(f"robot '{r}' cannot do task '{task}': {why}; {fix}")
    if len(training_robots(cfg)) > 1 and not controller_class(cfg["control"]).canonical:
        raise HGroundError(f"control={cfg['control']}: several robots train together only with control=ee_delta "
                           "(native joint spaces differ between robots)")
    _int(cfg, "n_envs", 1, "use 1 or more env processes")
    if cfg.get("max_envs_per_worker") is not None:
        _int(cfg, "max_envs_per_worker", 1, "use 1 or more")
    check_robot_sampling(str(cfg["env"].get("robot_sampling") or "uniform"), len(training_robots(cfg)),
                         int(cfg.get("max_envs_per_worker") or 8))
    _int(cfg, "total_timesteps", 1, "use a positive number of env steps")
    _int(cfg, "seed", 0, "use a whole number ≥ 0")
    _int(cfg, "checkpoint_freq", 0, "use env steps between checkpoints (0: none)")
    _int(cfg, "eval.freq", 0, "use env steps between evaluations (0: none)")
    _int(cfg, "eval.episodes", 0, "use episodes per evaluation (0: none)")
    _int(cfg, "eval.video_episodes", 0, "use 0 or more")
    _int(cfg, "eval.seed", 0, "use a whole number ≥ 0")
    if cfg.get("device", "cpu") not in ("cpu", "cuda", "auto") and not str(cfg.get("device")).startswith("cuda:"):
        raise HGroundError(f"device={cfg['device']}: use cpu, cuda, cuda:N or auto")
    if cfg["algo"]["name"] in IMITATION:
        if not cfg.get("dataset"):
            raise HGroundError(f"algo={cfg['algo']['name']} learns from a dataset: pass dataset=PATH (a LeRobot v3 dataset "
                               "from 'hground collect' or 'hground data merge')")
        from .imitation import dataset_summary

        d = dataset_summary(cfg["dataset"])
        extra = [r for r in listed_robots(cfg) if r not in d["robots"]]
        if extra:
            raise HGroundError(f"robots: the dataset {cfg['dataset']} holds no episodes of {extra}; it has {d['robots']}")
        if cfg["task"]["name"] not in d["tasks"]:
            raise HGroundError(f"task={cfg['task']['name']}: the dataset {cfg['dataset']} holds {d['tasks']}; pass task= one of them")
        de = cfg.get("dataset_episodes") or {}
        if not isinstance(de, dict) or any(r not in d["robots"] or not isinstance(n, int) or n < 1 for r, n in de.items()):
            raise HGroundError(f"dataset_episodes={de}: give {{robot: N}} with robots of the dataset ({d['robots']}) and N ≥ 1")
        if cfg["control"] != "ee_delta":
            raise HGroundError(f"control={cfg['control']}: bc/diffusion policies act in the canonical ee_delta space; use control=ee_delta")
        from .imitation import imitation_view

        imitation_view(cfg["algo"].get("params") or {}, cfg["task"]["name"], cfg["task"]["params"], d["task_dim"])
    elif cfg.get("dataset"):
        raise HGroundError(f"dataset= is for algo=bc or algo=diffusion; algo={cfg['algo']['name']} learns from the environment")
    mes = cfg["task"].get("max_episode_steps")
    if mes is not None:
        _int(cfg, "task.max_episode_steps", 1, "use a positive number of steps")


def _worker_env(error_file: str, fn):
    """Build a vec-env worker's env; a user error is written to ``error_file`` for the trainer to report
    as its one line (a worker's traceback would otherwise bury it)."""
    try:
        return fn()
    except HGroundError as e:
        Path(error_file).write_text(str(e))
        raise SystemExit(2) from None


def _vec_env(cfg: dict, obs_keys, error_file: str, view=None):
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

    n = int(cfg["n_envs"])
    robots = training_robots(cfg)
    fns = [partial(make_env, cfg["task"]["name"], robots, cfg["control"], cfg["env"], obs_keys,
                   task_params=cfg["task"].get("params"), view=view, max_episode_steps=cfg["task"].get("max_episode_steps"),
                   ignore_sigint=n > 1, rank=i, max_envs=int(cfg.get("max_envs_per_worker") or 8)) for i in range(n)]
    if n == 1:
        return DummyVecEnv(fns)
    try:
        return SubprocVecEnv([partial(_worker_env, error_file, f) for f in fns], start_method="forkserver")
    except (EOFError, ConnectionError) as e:  # a worker died while building its env
        import time

        msg = ""
        for _ in range(20):  # the failing worker writes its error before it exits; on a loaded machine the
            # parent can see another worker's pipe close first: give the file a moment
            msg = Path(error_file).read_text().strip() if Path(error_file).is_file() else ""
            if msg:
                break
            time.sleep(0.25)
        raise HGroundError(msg or f"an env worker process died while starting ({type(e).__name__}); "
                                  "run with n_envs=1 to see its error") from None


def _build_one(task: str, robot: str) -> str:
    """Build ``robot``'s asset and workspace map for ``task`` (both cached on disk); its name."""
    from humanoid_ground.registration import make

    make(task, robot=robot).close()
    return robot


def prebuild_variants(cfg: dict) -> None:
    """Build the procedural variants' assets and workspace maps before training, ``n_envs`` at a time.

    A variant's first build takes 10–30 s; built inside the vec-env workers, it stalls every worker
    (they step in lockstep) once per new variant. Cached variants cost ~0.3 s here."""
    listed = listed_robots(cfg)
    variants = [r for r in training_robots(cfg) if r not in listed]
    if not variants:
        return
    import multiprocessing as mp
    import time

    t0 = time.time()
    n = max(1, min(int(cfg["n_envs"]), len(variants)))
    print(f"building {len(variants)} procedural variants ({n} processes; cached ones are quick)", flush=True)
    args = [(cfg["task"]["name"], r) for r in variants]
    if n == 1:
        for a in args:
            _build_one(*a)
    else:
        with mp.get_context("forkserver").Pool(n) as pool:
            pool.starmap(_build_one, args)
    print(f"variants ready in {time.time() - t0:.0f} s", flush=True)


def _eval_env_factory(cfg: dict):
    import humanoid_ground as hg

    from .wrappers import env_kwargs

    def make(robot: str):
        return hg.make(cfg["task"]["name"], robot=robot, task_params=cfg["task"].get("params"),
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
    resume = cfg.get("resume")
    if resume:
        run_dir = Path(resume).expanduser()
        cfg = resume_config(run_dir, overrides or [], cfg)
    validate_config(cfg)
    robots = training_robots(cfg)
    if cfg["algo"]["name"] in IMITATION:
        from .imitation import train_imitation

        run_dir.mkdir(parents=True, exist_ok=True)
        return train_imitation(cfg, run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    seed = int(cfg["seed"])
    set_random_seed(seed)
    obs_keys = list(cfg["env"]["obs_keys"] or default_obs_keys(cfg["control"]))
    raw = cfg["env"]["raw_obs_keys"]
    raw_keys = [k for k in (RAW_OBS_KEYS if raw is None else raw) if k in obs_keys]
    inputs = str(cfg["env"]["inputs"])
    view = input_view(obs_keys, inputs, cfg["task"]["name"], cfg["task"]["params"], setting="env.inputs")
    meta = {"config": cfg, "seed": seed, "obs_keys": obs_keys, "inputs": inputs, "raw_obs_keys": raw_keys, "git_revision": git_revision(),
            "robot": robots[0], "robots": robots, "task": cfg["task"]["name"]}
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
    error_file = tempfile.NamedTemporaryFile(prefix="hground-worker-", suffix=".err", delete=False).name
    try:
        prebuild_variants(cfg)
        venv = _vec_env(cfg, obs_keys, error_file, view)
        if cfg["env"]["normalize"]:
            if ck is not None and ck.vecnorm is not None:
                ck.vecnorm.set_venv(venv)
                ck.vecnorm.training = True
                venv = ck.vecnorm
            else:
                venv = BodyAwareVecNormalize(venv, raw_mask(obs_keys, obs_sizes(robots[0], obs_keys, venv.observation_space.shape[0], view), raw_keys),
                                             norm_obs=True, norm_reward=bool(cfg["env"]["norm_reward"]),
                                             gamma=float(cfg["algo"]["params"].get("gamma", 0.99)))
        logger = configure(str(run_dir / "tb"), ["tensorboard", "csv"])
        if ck is not None:
            model = algo_class(cfg["algo"]["name"]).load(ck.path, env=venv, device=cfg.get("device", "cpu"))
            rb = run_dir / "replay_buffer.pkl"
            if is_off_policy(cfg["algo"]["name"]):
                if not rb.is_file():
                    raise HGroundError(f"resume={run_dir}: replay_buffer.pkl is missing; an off-policy run cannot continue without it")
                model.load_replay_buffer(rb)
            log.info("resuming %s at step %d", run_dir, model.num_timesteps)
        else:
            model = build_model(cfg["algo"], venv, seed, None, cfg.get("device", "cpu"))
        model.set_logger(logger)

        total = int(cfg["total_timesteps"])
        title = f"{cfg['algo']['name']} {cfg['task']['name']} {robot_tag(robots)} s{seed}"
        evaluator = EvalCallback(_eval_env_factory(cfg), listed_robots(cfg), run_dir, obs_keys, view, cfg["eval"]["freq"], cfg["eval"]["episodes"],
                                 cfg["eval"].get("video_episodes", 0), cfg["eval"].get("seed", 2_000_000), meta)
        checkpointer = CheckpointCallback(run_dir, cfg["checkpoint_freq"], meta)
        metrics = MetricsCallback()
        rollout = getattr(model, "n_steps", 1) * venv.num_envs if not is_off_policy(cfg["algo"]["name"]) else 1
        cbs = [metrics, evaluator, checkpointer, interrupt,
               ProgressCallback(total, title, evaluator, enabled=bool(cfg.get("progress", True)), rollout=rollout)]
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
        periodic = evaluator.last
        final_eval = evaluator.evaluate() if cfg["eval"]["episodes"] > 0 else None
        best_file = run_dir / "best_model.json"
        summary = {"run_dir": str(run_dir), "robot": robot_tag(robots), "robots": robots, "task": cfg["task"]["name"],
                   "algo": cfg["algo"]["name"], "seed": seed, "steps": int(model.num_timesteps), "wall_time_s": round(wall, 1),
                   "final_eval": final_eval, "last_periodic_eval": _without_per_robot(periodic),
                   "best": json.loads(best_file.read_text()) if best_file.is_file() else None,
                   "rollout_success": metrics.rollout_success()}
        (run_dir / "summary.json").write_text(json.dumps(summary, indent=2))
        evaluator._on_training_end()
        return summary
    finally:
        interrupt.uninstall()
        Path(error_file).unlink(missing_ok=True)
        if venv is not None:
            venv.close()


def _without_per_robot(s: dict | None) -> dict | None:
    return None if s is None else {k: v for k, v in s.items() if k != "per_robot"}

