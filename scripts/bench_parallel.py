"""Parallel scaling: one process vs ``--procs`` processes, measured side by side in one run.

Three workloads, each timed as real CLI processes (or, for the bare env, a real SubprocVecEnv):

- ``env``      random-action env steps through SB3's vec env: DummyVecEnv (1 env in-process) vs
               SubprocVecEnv (``--procs`` worker processes) — the ceiling, with no learner;
- ``train``    ``hground train n_envs=1`` vs ``n_envs=<procs>`` (PPO, env steps/s);
- ``collect``  ``hground collect workers=1`` vs ``workers=<procs>`` (episodes/s).

Start-up (imports, env builds, worker spawn) is taken out by timing two lengths of each run and
dividing the difference in work by the difference in wall time. Runs alternate (1, N, 1, N, ...) and
the ratio is the median over ``--repeats`` pairs, so a noisy shared machine moves both sides alike.

    python scripts/bench_parallel.py                       # unitree_h1, reach; 2 processes
    python scripts/bench_parallel.py --robot fourier_gr1t2 --what env,train --repeats 3
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HG = [sys.executable, "-m", "humanoid_ground"]


def _run(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stderr[-2000:]}")
    return time.perf_counter() - t0


def _env_rate(robot: str, task: str, procs: int, steps: int) -> float:
    """Env steps/s of ``procs`` envs stepped together (after they are built and warmed up)."""
    code = f"""
import time, numpy as np
from functools import partial
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv
from humanoid_ground.training.wrappers import make_env
fns = [partial(make_env, {task!r}, {robot!r}, "ee_delta", {{}}, None, rank=i) for i in range({procs})]
venv = DummyVecEnv(fns) if {procs} == 1 else SubprocVecEnv(fns, start_method="forkserver")
venv.seed(0); venv.reset()
rng = np.random.default_rng(0)
act = lambda: rng.uniform(-1, 1, (venv.num_envs,) + venv.action_space.shape).astype(np.float32)
for _ in range(50): venv.step(act())
t = time.perf_counter()
n = {steps} // venv.num_envs
for _ in range(n): venv.step(act())
print(n * venv.num_envs / (time.perf_counter() - t))
venv.close()
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(r.stderr[-2000:])
    return float(r.stdout.strip().splitlines()[-1])


def _train_rate(robot: str, task: str, procs: int, short: int, long: int, root: Path) -> float:
    walls = []
    for n in (short, long):
        out = root / f"train_{procs}_{n}_{time.monotonic_ns()}"
        walls.append(_run(HG + ["train", f"robot={robot}", f"task={task}", f"n_envs={procs}", f"total_timesteps={n}",
                                "eval.episodes=0", "checkpoint_freq=0", "progress=false", f"hydra.run.dir={out}"]))
        steps = json.loads((out / "summary.json").read_text())["steps"]
        walls[-1] = (steps, walls[-1])
    (s0, w0), (s1, w1) = walls
    return (s1 - s0) / max(w1 - w0, 1e-6)


def _collect_rate(robot: str, task: str, procs: int, short: int, long: int, root: Path) -> float:
    walls = []
    for n in (short, long):
        out = root / f"collect_{procs}_{n}_{time.monotonic_ns()}"
        walls.append(_run(HG + ["collect", f"robot={robot}", f"task={task}", "policy=expert", f"episodes={n}",
                                f"workers={procs}", f"out={out}"]))
    return (long - short) / max(walls[1] - walls[0], 1e-6)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--robot", default="unitree_h1")
    ap.add_argument("--task", default="reach")
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--what", default="env,train,collect")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="hground-par-") as tmp:
        root = Path(tmp)
        for what in args.what.split(","):
            pairs = []
            for _ in range(args.repeats):
                if what == "env":
                    one, many = (_env_rate(args.robot, args.task, k, 3000) for k in (1, args.procs))
                    unit = "env steps/s"
                elif what == "train":
                    one, many = (_train_rate(args.robot, args.task, k, 2048, 10240, root) for k in (1, args.procs))
                    unit = "env steps/s"
                elif what == "collect":
                    one, many = (_collect_rate(args.robot, args.task, k, 4, 12, root) for k in (1, args.procs))
                    unit = "episodes/s"
                else:
                    raise SystemExit(f"unknown workload {what!r}; use env, train, collect")
                pairs.append((one, many))
                print(f"{what}: 1 process {one:.1f}, {args.procs} processes {many:.1f} {unit} ({many / one:.2f}x)", flush=True)
            ratio = statistics.median(m / o for o, m in pairs)
            rows.append(f"| {what} | `{args.robot}` | {args.task} | {statistics.median(o for o, _ in pairs):.1f} | "
                        f"{statistics.median(m for _, m in pairs):.1f} | {unit} | {ratio:.2f}x |")
    print(f"\n| workload | robot | task | 1 process | {args.procs} processes | unit | speed-up (median of {args.repeats}) |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
