"""What a cheaper physics setting costs in fidelity: the env as built against a variant, per robot.

Two measures the physics-cost issue names, side by side for each setting:

- **hold error**: from the `reach` reset (default pose), 100 control steps (2 s) of the zero action — the
  controller holds the pose — then how far each arm's TCP has drifted from where it started (mm, the
  larger arm) and the largest live arm-joint deviation from the default (mrad);
- **peg_insert** (1 mm clearance): the scripted expert over seeds 0..N-1 — success, and the peg–fixture
  contact force (the episode's peak, median and max over the seeds, N).

Usage:
    python scripts/physics_fidelity.py --robots apptronik_apollo,fourier_gr1t2 --seeds 10 \\
        --sim weld_idle=true --sim solver_iterations=20
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import yaml

import humanoid_ground as hg
from humanoid_ground.robots import get_card, robot_names
from humanoid_ground.robots._pybullet import quiet_stdout
from humanoid_ground.tasks.registry import task_class


def hold_error(robot: str, sim: dict | None, steps: int = 100) -> tuple[float, float]:
    """(TCP drift in mm, largest arm-joint deviation in mrad) after ``steps`` zero actions from the default pose."""
    env = hg.make("reach", robot=robot, sim=sim)
    try:
        env.reset(seed=0)
        r = env.unwrapped.robot
        start = {s: r.tcp_world(s)[0].copy() for s in r.arms}
        cols = np.concatenate([r.arms[s].cols for s in r.arms])
        a = np.zeros(env.action_space.shape, dtype=np.float32)
        for _ in range(steps):
            env.step(a)
        drift = max(float(np.linalg.norm(r.tcp_world(s)[0] - start[s])) for s in r.arms)
        dev = float(np.abs(r.q[cols] - r.body.default_q[cols]).max())
        return drift * 1000.0, dev * 1000.0
    finally:
        env.close()


def peg_insert(robot: str, sim: dict | None, seeds: int) -> tuple[int, list[float]]:
    """Expert successes over seeds 0..seeds-1 and each episode's peak peg–fixture force (N)."""
    infos = hg.tasks.expert_episodes("peg_insert", robot, range(seeds), sim=sim)
    return sum(bool(i["is_success"]) for i in infos), [float(i["task_metrics"]["max_contact_force"]) for i in infos]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--robots", default=",".join(r for r in robot_names() if get_card(r).arms))
    ap.add_argument("--seeds", type=int, default=10, help="peg_insert expert episodes per robot and setting")
    ap.add_argument("--sim", action="append", default=[], metavar="KEY=VALUE",
                    help="a physics setting of the variant (repeatable), e.g. weld_idle=true, solver_iterations=20")
    args = ap.parse_args()
    variant = {k: yaml.safe_load(v) for k, v in (a.split("=", 1) for a in args.sim)}
    settings = [("as built", None)] + ([(", ".join(f"{k}={v}" for k, v in variant.items()), variant)] if variant else [])
    print("| robot | setting | hold: TCP drift (mm) | hold: arm joint (mrad) | peg_insert expert | peak force median / max (N) | wall (s) |")
    print("|---|---|---|---|---|---|---|")
    for robot in args.robots.split(","):
        if task_class("peg_insert").unable(get_card(robot)) is not None:
            continue
        for name, sim in settings:
            t0 = time.perf_counter()
            with quiet_stdout():
                drift, dev = hold_error(robot, sim)
                wins, forces = peg_insert(robot, sim, args.seeds)
            print(f"| `{robot}` | {name} | {drift:.2f} | {dev:.1f} | {wins}/{args.seeds} | "
                  f"{statistics.median(forces):.1f} / {max(forces):.1f} | {time.perf_counter() - t0:.0f} |", flush=True)


if __name__ == "__main__":
    main()
