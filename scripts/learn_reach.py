"""Proof that the harness learns: PPO on `reach` (ee_delta) on unitree_h1 and fourier_gr1t2, then
each policy evaluated on its own robot and on the other one (cross-embodiment transfer).

    python scripts/learn_reach.py [--steps 300000] [--episodes 50] [--out runs/learn_reach]

Prints eval success (95 % Wilson interval) and wall time per robot, and the transfer matrix.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROBOTS = ("unitree_h1", "fourier_gr1t2")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=300_000)
    ap.add_argument("--episodes", type=int, default=50)
    ap.add_argument("--n-envs", type=int, default=2)
    ap.add_argument("--out", default="runs/learn_reach")
    ap.add_argument("--robots", nargs="+", default=list(ROBOTS))
    args = ap.parse_args()
    out = Path(args.out)
    runs, walls = {}, {}
    for robot in args.robots:
        t = time.time()
        cmd = [sys.executable, "-m", "humanoid_ground", "train", f"robot={robot}", "task=reach", "algo=ppo",
               f"total_timesteps={args.steps}", f"n_envs={args.n_envs}", f"out_root={out}", "eval.freq=50000", "progress=false"]
        subprocess.run(cmd, check=True)
        walls[robot] = time.time() - t
        runs[robot] = sorted(out.glob(f"*_{robot}_reach_ppo_s0"))[-1]
    table = {}
    for src, run in runs.items():
        for dst in args.robots:
            ev = out / "eval" / f"{src}_on_{dst}"
            subprocess.run([sys.executable, "-m", "humanoid_ground", "eval", f"checkpoint={run}", f"episodes={args.episodes}",
                            f"robot={dst}", f"out={ev}"], check=True, stdout=subprocess.DEVNULL)
            table[(src, dst)] = json.loads((ev / "eval.json").read_text())["summary"]
    print(f"\nPPO reach (ee_delta), {args.steps} steps, n_envs={args.n_envs}; eval {args.episodes} episodes (best model)")
    for src in args.robots:
        for dst in args.robots:
            s = table[(src, dst)]
            lo, hi = s["success_ci95"]
            kind = "trained" if src == dst else "transfer"
            print(f"  {kind:8s} {src:>15s} -> {dst:<15s} success {100 * s['success_rate']:5.1f}% [{100 * lo:.0f}, {100 * hi:.0f}]"
                  + (f"   wall {walls[src] / 60:.1f} min" if src == dst else ""))
    (out / "learn_reach.json").write_text(json.dumps({f"{a}->{b}": v for (a, b), v in table.items()} | {"wall_s": walls}, indent=2))


if __name__ == "__main__":
    main()
