"""Dataset write throughput, measured side by side in one run.

1. state-only LeRobot export (our writer: data parquet + per-episode stats + episode metadata +
   info/stats JSON, atomic renames) vs a bare ``pyarrow.parquet.write_table`` of the same arrays:
   frames/s and their ratio (goal >= 0.8);
2. H.264 video encoding of 224x224 frames (PyAV): frames/s.

    python scripts/bench_data.py [--episodes 40] [--robot unitree_h1] [--task reach]
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--episodes", type=int, default=40)
    ap.add_argument("--robot", default="unitree_h1")
    ap.add_argument("--task", default="reach")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from humanoid_ground.data.collect import _make_env, _pad_episode, task_text
    from humanoid_ground.data.lerobot import LeRobotWriter, _column
    from humanoid_ground.data.record import record_episode
    from humanoid_ground.data.schema import features
    from humanoid_ground.common.video import write_mp4
    from humanoid_ground.training.policies import make_policy

    env = _make_env({"task": args.task, "robot": args.robot, "cameras": [], "resolution": 224, "control": "ee_delta"})
    pol = make_policy("expert", env)
    eps = [record_episode(env, pol, s, []) for s in range(min(args.episodes, 8))]
    u = env.unwrapped
    D, K = u.robot.n, u.task_obs_dim
    env.close()
    eps = [_pad_episode(eps[i % len(eps)], D, K) for i in range(args.episodes)]
    frames = sum(len(e["action"]) for e in eps)
    feats = features(D, K, [], 224, 50)
    text = task_text(args.task)

    def ours(root: Path, batch: bool = True) -> None:
        w = LeRobotWriter(root, feats, 50, {"robots": []}, batch=batch)
        for e in eps:
            w.add_episode(e, text, 0)
        w.close()

    def incremental(root: Path) -> None:
        ours(root, batch=False)

    def bare(root: Path) -> None:
        root.mkdir(parents=True)
        for i, e in enumerate(eps):
            names = [k for k, f in feats.items() if k in e]
            pq.write_table(pa.Table.from_arrays([_column(e[k], feats[k]["dtype"]) for k in names], names=names),
                           root / f"{i}.parquet", compression="snappy")

    best = {"ours": 0.0, "bare": 0.0, "incremental": 0.0}
    tmp = Path(tempfile.mkdtemp())
    try:
        for r in range(args.repeats):  # interleaved: the two see the same machine load
            for name, fn in (("bare", bare), ("ours", ours), ("incremental", incremental)):
                root = tmp / f"{name}{r}"
                t = time.perf_counter()
                fn(root)
                best[name] = max(best[name], frames / (time.perf_counter() - t))
        video = np.random.default_rng(0).integers(0, 255, (1, 224, 224, 3), dtype=np.uint8)
        clip = [np.roll(video[0], k, axis=1) for k in range(200)]
        t = time.perf_counter()
        write_mp4(tmp / "v.mp4", clip, fps=50, gop=2)
        vfps = len(clip) / (time.perf_counter() - t)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{args.episodes} episodes, {frames} frames ({args.task} on {args.robot}, state only), best of {args.repeats}")
    print(f"  bare pyarrow write : {best['bare']:10.0f} frames/s")
    print(f"  LeRobot v3 export  : {best['ours']:10.0f} frames/s   ratio {best['ours'] / best['bare']:.2f} (goal >= 0.8)")
    print(f"  collect commits    : {best['incremental']:10.0f} frames/s   ratio {best['incremental'] / best['bare']:.2f} "
          "(one atomic commit per episode: data, metadata, info, stats)")
    print(f"  H.264 224x224 video: {vfps:10.0f} frames/s (one camera, PyAV libx264)")


if __name__ == "__main__":
    main()
