"""Run a policy for a set of seeds and summarise: the one rollout loop of eval and bench."""
from __future__ import annotations

import math
from typing import Callable, Iterable

import numpy as np

from .stats import wilson


def run_episode(env, policy: Callable, seed: int, frames: list | None = None) -> dict:
    """One episode; returns its row (seed, return, length, success_at_end, success_once, metrics). A policy
    with state across steps (observation history, action chunks) has a ``reset()``, called first."""
    obs, info = env.reset(seed=int(seed))
    if hasattr(policy, "reset"):
        policy.reset()
    if frames is not None:
        frames.append(env.render())
    ret, length, once, done = 0.0, 0, bool(info.get("is_success", False)), False
    term = False
    while not done:
        obs, r, term, trunc, info = env.step(policy(obs))
        ret += float(r)
        length += 1
        once = once or bool(info.get("is_success", False))
        done = term or trunc
        if frames is not None:
            frames.append(env.render())
    return {"seed": int(seed), "return": ret, "length": length, "success": bool(info.get("is_success", False)),
            "success_once": once, "terminated": bool(term), "physics_error": info.get("physics_error"),
            "metrics": {k: float(v) for k, v in info.get("task_metrics", {}).items()}}


def summarize(rows: list[dict]) -> dict:
    """Success rate (at episode end) with its 95 % Wilson interval, success_once, mean return/length
    and task-metric means. Failed/crashed episodes stay in the denominator."""
    n = len(rows)
    k = sum(bool(r["success"]) for r in rows)
    lo, hi = wilson(k, n)
    metric_names = sorted({m for r in rows for m in r.get("metrics", {})})
    def mean(xs):
        xs = [x for x in xs if x is not None and math.isfinite(x)]
        return float(np.mean(xs)) if xs else None
    return {
        "episodes": n, "successes": k, "success_rate": k / n if n else 0.0, "success_ci95": [lo, hi],
        "success_once_rate": (sum(bool(r.get("success_once")) for r in rows) / n) if n else 0.0,
        "mean_return": mean([r["return"] for r in rows]), "mean_length": mean([r["length"] for r in rows]),
        "metrics": {m: mean([r["metrics"].get(m) for r in rows]) for m in metric_names},
    }


def run_episodes(env, policy: Callable, seeds: Iterable[int], video_seeds: Iterable[int] = (),
                 on_episode: Callable[[dict], None] | None = None) -> tuple[list[dict], dict[int, list]]:
    """Episodes for ``seeds``; frames (``env.render()``) kept for ``video_seeds``."""
    rows, videos = [], {}
    video_seeds = set(int(s) for s in video_seeds)
    for s in seeds:
        frames = [] if int(s) in video_seeds else None
        row = run_episode(env, policy, s, frames)
        rows.append(row)
        if frames is not None:
            videos[int(s)] = frames
        if on_episode:
            on_episode(row)
    return rows, videos
