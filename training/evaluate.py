"""``hground eval checkpoint=PATH episodes=50 [robot=...] [task=...]``: a saved policy on fixed seeds."""
from __future__ import annotations

import json
from pathlib import Path

from humanoid_ground.errors import HGroundError

from .checkpoint import load_checkpoint
from .policies import checkpoint_policy
from .rollout import run_episodes, summarize
from .wrappers import env_kwargs

DEFAULTS = {"checkpoint": None, "episodes": 50, "robot": None, "task": None, "seed": 1_000_000, "video": 0,
            "out": None, "max_episode_steps": None}


def evaluate(opts: dict, on_episode=None) -> dict:
    """Evaluate ``opts['checkpoint']`` (a run directory or a .zip) on ``robot``/``task`` (default:
    those it was trained on). Writes ``eval.json`` (+ videos) to ``out`` and returns the result."""
    import humanoid_ground as hg
    from humanoid_ground.common.video import write_mp4

    ck = load_checkpoint(opts["checkpoint"])
    cfg = ck.meta["config"]
    robot = opts.get("robot") or ck.robots[0]
    task = opts.get("task") or cfg["task"]["name"]
    same_task = task == cfg["task"]["name"]
    episodes = int(opts["episodes"])
    if episodes < 1:
        raise HGroundError(f"episodes={episodes}: use 1 or more")
    out = Path(opts["out"]) if opts.get("out") else ck.path.parent / "eval" / f"{robot}_{task}"
    env = hg.make(task, robot=robot, render_mode="rgb_array",
                  task_params=cfg["task"].get("params") if same_task else None,
                  max_episode_steps=opts.get("max_episode_steps") or (cfg["task"].get("max_episode_steps") if same_task else None),
                  **env_kwargs(cfg["env"], cfg["control"]))
    try:
        policy = checkpoint_policy(env, ck)
        seed0 = int(opts["seed"])
        seeds = list(range(seed0, seed0 + episodes))
        rows, videos = run_episodes(env, policy, seeds, video_seeds=seeds[: int(opts.get("video") or 0)],
                                    on_episode=on_episode)
    finally:
        env.close()
    summary = summarize(rows)
    result = {"checkpoint": str(ck.path), "trained_on": {"robot": cfg["robot"]["name"], "robots": ck.robots, "task": cfg["task"]["name"],
                                                         "algo": cfg["algo"]["name"], "steps": ck.meta.get("num_timesteps")},
              "robot": robot, "group": "in_distribution" if robot in ck.robots else "held_out", "task": task, "control": cfg["control"], "seeds": seeds, "summary": summary, "episodes": rows}
    out.mkdir(parents=True, exist_ok=True)
    for s, frames in videos.items():
        write_mp4(out / f"episode_seed{s}.mp4", frames, fps=50)
    tmp = out / "eval.json.tmp"
    tmp.write_text(json.dumps(result, indent=2))
    tmp.replace(out / "eval.json")
    result["out"] = str(out)
    return result
