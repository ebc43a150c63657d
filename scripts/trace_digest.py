"""Digest of expert traces: one SHA-256 per (task, robot) over every observation, reward, success flag
and metric of the scripted expert's first ``--steps`` steps on two seeds.

A refactor that must keep behaviour bit-identical (the task API, the controllers) is checked by
running this before and after on the same machine and comparing the digests:

    python scripts/trace_digest.py > before.txt   # on the old commit
    python scripts/trace_digest.py > after.txt    # on the new one
    diff before.txt after.txt                     # no output: identical traces

Usage: python scripts/trace_digest.py [--robots unitree_h1,fourier_gr1t2] [--tasks reach,...] [--steps 120]
"""
from __future__ import annotations

import argparse
import hashlib

import numpy as np

import humanoid_ground as hg
from humanoid_ground.robots import get_card
from humanoid_ground.tasks.registry import task_class, task_names


def digest(task: str, robot: str, steps: int, seeds=(0, 1)) -> str:
    h = hashlib.sha256()
    env = hg.make(task, robot=robot)
    try:
        for seed in seeds:
            obs, info = env.reset(seed=seed)
            pol = hg.tasks.expert(env)
            for _ in range(steps):
                for k in sorted(obs):
                    h.update(np.ascontiguousarray(obs[k]).tobytes())
                obs, r, term, trunc, info = env.step(pol(obs))
                h.update(np.float64(r).tobytes())
                h.update(bytes([bool(info["is_success"])]))
                for k in sorted(info["task_metrics"]):
                    h.update(k.encode() + np.float64(info["task_metrics"][k]).tobytes())
                if term or trunc:
                    break
    finally:
        env.close()
    return h.hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--robots", default="unitree_h1,fourier_gr1t2")
    ap.add_argument("--tasks", default=",".join(task_names()))
    ap.add_argument("--steps", type=int, default=120)
    a = ap.parse_args()
    for task in a.tasks.split(","):
        for robot in a.robots.split(","):
            unable = task_class(task).unable(get_card(robot))  # e.g. screw_drive on a gimbal-hold robot
            print(f"{task:16s} {robot:16s} {'n/a' if unable else digest(task, robot, a.steps)}", flush=True)


if __name__ == "__main__":
    main()
