"""``hground collect``: record episodes of a policy on a robot/task into a LeRobot v3 dataset,
in parallel worker processes, resumable, every finished episode committed atomically."""
from __future__ import annotations

import multiprocessing as mp
import shutil
import time
from pathlib import Path


from humanoid_ground import __version__
from humanoid_ground.common.policy_spec import check_policy_spec
from humanoid_ground.errors import HGroundError

from humanoid_ground.common import stats as st
from .lerobot import LeRobotWriter, is_lerobot, read_info
from .schema import SCHEMA_VERSION, features, pad_episode

DEFAULTS = {"robot": "unitree_h1", "task": "reach", "policy": "expert", "episodes": 10, "out": None, "format": "lerobot",
            "cameras": [], "resolution": 224, "resume": False, "workers": 1, "seed": 0, "control": "ee_delta",
            "max_episode_steps": None, "action_noise": 0.0,
            "executor": None, "executor_beta": 0.0}
FORMATS = ("lerobot",)
STAGING = ".staging"


def task_text(task: str) -> str:
    """The task's language description (first line of its module docstring)."""
    import importlib

    from humanoid_ground.tasks.registry import task_class

    doc = importlib.import_module(task_class(task).__module__).__doc__ or task
    return doc.strip().splitlines()[0]


def robot_meta(card, asset, robot, embodiment=None) -> dict:
    """A robot's entry in ``info.json["hground"]["robots"]``; ``embodiment``: the env's constant body
    descriptor (``humanoid_ground.envs.embodiment``), so a model trained on the data sees the body."""
    out = {"name": card.name, "vendor": card.vendor, "model": card.model, "dof": int(robot.n),
           "joint_names": list(robot.body.joint_names), "lower": robot.body.lower.tolist(), "upper": robot.body.upper.tolist(),
           "arms": list(robot.arms), "model_hash": asset.key, "card": card.model_dump(mode="json")}
    if embodiment is not None:
        out["embodiment"] = [float(x) for x in embodiment]
    return out


def _make_env(opts: dict):
    import humanoid_ground as hg

    cams = opts["cameras"]
    from humanoid_ground.envs.settings import env_kwargs

    kw = env_kwargs({"obs": "rgb" if cams else "state", "image_size": opts["resolution"]}, opts["control"])
    if opts.get("max_episode_steps"):
        kw["max_episode_steps"] = int(opts["max_episode_steps"])
    return hg.make(opts["task"], robot=opts["robot"], **kw)


# --- worker side ---------------------------------------------------------------------------------------------
_W: dict = {}


def _worker_init(opts: dict, make_policy) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    env = _make_env(opts)
    ex = opts.get("executor")
    _W.update(opts=opts, env=env, policy=make_policy(str(opts["policy"]), env, seed=int(opts["seed"])),
              executor=make_policy(str(ex), env, seed=int(opts["seed"])) if ex else None)


def _worker_episode(index: int) -> dict:
    """Record episode ``index`` (seed = seed + index), encode its videos into the staging folder."""
    from .record import record_episode
    from humanoid_ground.common.video import write_mp4

    opts, env = _W["opts"], _W["env"]
    ep = record_episode(env, _W["policy"], int(opts["seed"]) + index, opts["camera_keys"], float(opts.get("action_noise") or 0.0),
                        _W["executor"], float(opts.get("executor_beta") or 0.0))
    stage = Path(opts["out"]) / STAGING
    ep["video_files"] = {}
    ep["image_stats"] = {}
    for cam, frames in ep.pop("images").items():
        path = stage / f"episode_{index:06d}_{cam}.mp4"
        write_mp4(path, frames, fps=opts["fps"], gop=2)
        ep["video_files"][cam] = str(path)
        ep["image_stats"][cam] = st.image_stats(frames)
    ep["index"] = index
    return ep


# --- parent side ---------------------------------------------------------------------------------------------
def _pad_episode(ep: dict, D: int, K: int) -> dict:
    return pad_episode(ep, ep["meta"]["dof"], ep["observation.task_state"].shape[1], D, K)


def collect(opts: dict, make_policy, policy_identity, progress=None) -> dict:
    """Run the collection described by ``opts`` (see :data:`DEFAULTS`); returns a summary.

    :param make_policy: ``make_policy(spec, env, seed) -> policy`` (a module-level function, so worker
        processes can take it): how ``opts["policy"]`` becomes a policy. The CLI passes the training
        harness's (``data`` does not import ``training``; see DESIGN's layers).
    :param policy_identity: ``policy_identity(spec) -> dict``, the policy's record in the dataset metadata.
    """
    from humanoid_ground.robots import get_card
    from humanoid_ground.tasks.registry import task_config

    from .record import camera_list

    if not opts.get("out"):
        raise HGroundError("collect: missing out=DIR (the dataset root to write)")
    if opts["format"] not in FORMATS:
        raise HGroundError(f"collect: format={opts['format']} is not supported; use format=lerobot, then 'hground export DIR --format minari'")
    out = Path(opts["out"]).expanduser()
    episodes = int(opts["episodes"])
    if episodes < 1:
        raise HGroundError(f"episodes={episodes}: use 1 or more")
    noise = opts.get("action_noise") or 0.0
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0.0 <= float(noise) <= 1.0:
        raise HGroundError(f"collect: action_noise={noise}: use a standard deviation in [0, 1] (0: none)")
    beta = opts.get("executor_beta") or 0.0
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0.0 <= float(beta) <= 1.0:
        raise HGroundError(f"collect: executor_beta={beta}: use a probability in [0, 1] (of executing the policy's own action)")
    card = get_card(opts["robot"])
    cfg = task_config(opts["task"])
    for key in ("policy", "executor"):
        if opts.get(key) is not None:
            check_policy_spec(opts[key], key)
    if opts["resume"] and not is_lerobot(out):
        opts = dict(opts, resume=False)  # nothing to resume: a fresh dataset
    if not opts["resume"] and out.exists() and any(out.iterdir()):
        raise HGroundError(f"output {out} exists and is not empty; choose a new out= or pass resume=true to continue it")

    # one probe env in the parent: sizes, joint names, cameras (and it validates robot x task early)
    probe = _make_env(dict(opts, cameras=[]))
    try:
        u = probe.unwrapped
        requested = opts["cameras"] if isinstance(opts["cameras"], list) else [opts["cameras"]] if opts["cameras"] else []
        cams = camera_list(requested, u.robot)
        if "wrist" in requested and not any(c.endswith("_wrist") for c in cams):
            import sys

            print(f"hground: warning: robot '{card.name}' has no wrist camera in its card (arms.<side>.wrist_camera); "
                  "recording the other cameras", file=sys.stderr)
        D, K = u.robot.n, int(u.task_obs_dim)
        fps = int(round(1.0 / (u.sim_cfg.dt * u.sim_cfg.substeps)))
        rmeta = robot_meta(card, u.asset, u.robot, u.embodiment)
        sim = {"dt": u.sim_cfg.dt, "substeps": u.sim_cfg.substeps}
    finally:
        probe.close()
    text = task_text(opts["task"])
    hmeta = {"schema_version": SCHEMA_VERSION, "project_version": __version__, "control": opts["control"], "control_hz": fps,
             "physics": sim, "cameras": cams, "resolution": int(opts["resolution"]) if cams else None, "max_dof": D,
             "task_state_dim": K, "robots": [rmeta],
             "tasks": [{"name": opts["task"], "text": text, "obs_dim": K, "params": cfg.get("params") or {}}],
             "policy": policy_identity(str(opts["policy"])), "seed": int(opts["seed"]),
             "action_noise": float(opts.get("action_noise") or 0.0)}
    if opts.get("executor"):
        hmeta["executor"] = {**policy_identity(str(opts["executor"])), "beta": float(beta)}
    feats = features(D, K, cams, int(opts["resolution"]), fps, joint_names=rmeta["joint_names"])
    writer = LeRobotWriter(out, feats, fps, hmeta, resume=bool(opts["resume"]), robot_type=card.name)
    if opts["resume"]:
        old = read_info(out)["hground"]
        if (old["robots"][0]["name"], old["tasks"][0]["name"], old["seed"]) != (card.name, opts["task"], int(opts["seed"])):
            raise HGroundError(f"resume: {out} holds {old['tasks'][0]['name']} on {old['robots'][0]['name']} (seed {old['seed']}); "
                               "resume with the same robot, task and seed")
    start = writer.n_episodes
    todo = list(range(start, episodes))
    wopts = dict(opts, out=str(out), camera_keys=cams, fps=fps)
    t0 = time.time()
    successes = 0
    stage = out / STAGING
    stage.mkdir(exist_ok=True)
    workers = max(1, min(int(opts["workers"]), len(todo) or 1))
    try:
        if not todo:
            pass
        elif workers == 1:
            _worker_init(wopts, make_policy)
            try:
                for i in todo:
                    successes += _commit(writer, _worker_episode(i), D, K, text, progress)
            finally:
                _W["env"].close()
                _W.clear()
        else:
            ctx = mp.get_context("forkserver")
            with ctx.Pool(workers, initializer=_worker_init, initargs=(wopts, make_policy)) as pool:
                for ep in pool.imap(_worker_episode, todo):  # ordered: episodes are committed in index order
                    successes += _commit(writer, ep, D, K, text, progress)
    except OSError as e:
        raise HGroundError(f"writing {out} failed ({e.strerror or e}); the {writer.n_episodes} episodes already written are intact; "
                           "free space or fix the folder, then rerun with resume=true") from None
    shutil.rmtree(stage, ignore_errors=True)
    return {"out": str(out), "episodes": writer.n_episodes, "new_episodes": len(todo), "skipped": start,
            "successes_new": successes, "frames": writer.n_frames, "seconds": time.time() - t0, "cameras": cams}


def _commit(writer: LeRobotWriter, ep: dict, D: int, K: int, text: str, progress) -> int:
    if ep["index"] != writer.n_episodes:
        raise HGroundError(f"internal: episode {ep['index']} arrived out of order (expected {writer.n_episodes})")
    m = ep["meta"]
    extra = {"robot": m["robot"], "seed": m["seed"], "success": m["success"], "return": m["return"]}
    writer.add_episode(_pad_episode(ep, D, K), text, 0, videos={c: Path(p) for c, p in ep["video_files"].items()}, extra=extra)
    if progress:
        progress(ep)
    return int(m["success"])
