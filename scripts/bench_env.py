"""Env overhead benchmark: env.step rate vs raw stepSimulation rate ÷ substeps for the same scene.

Both are measured side by side in one run, on the env's own client (same robot, same scene, the same
motion: the raw loop replays the joint targets the env commanded), so the ratio is robust to a shared,
noisy machine. The arms move at random with open hands (a hand closing on a part would attach it:
task physics the bare loop cannot replay). Goal: ratio ≥ 0.9.

Usage: python scripts/bench_env.py [--steps 300] [--robots unitree_h1,unitree_g1,fourier_gr1t2] [--tasks reach,pick_place]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import humanoid_ground as hg
from humanoid_ground.robots._pybullet import p


def measure(task: str, robot: str, steps: int, obs: str = "state", control: str = "ee_delta") -> dict:
    """env.step rate, and the rate of a bare PyBullet loop that drives the same robot through the same
    motion (the joint targets the env commanded, replayed with one motor call and the substeps per
    control step): the ratio is the share of time left to physics, the env's own overhead removed."""
    env = hg.make(task, robot=robot, obs=obs, image_size=96, control=control)
    u = env.unwrapped
    rng = np.random.default_rng(0)
    actions = rng.uniform(-0.3, 0.3, (steps, env.action_space.shape[0])).astype(np.float32)
    # hands stay open: a closed hand touching a part takes it (a grasp constraint and a carried part are
    # task physics the bare loop cannot replay, and would be charged to the env's overhead)
    actions[:, [6, 13] if control == "ee_delta" else slice(u.robot.n, None)] = -1.0
    sub = u.sim_cfg.substeps
    env.reset(seed=0)
    targets = []
    for a in actions:  # record the commanded joint targets
        env.step(a)
        targets.append(u.robot.q_target.tolist())
    body = u.robot.body
    motor = body.motor_args()
    rates_env, rates_raw = [], []
    for _ in range(5):  # interleave the two measurements
        env.reset(seed=0)
        t = time.perf_counter()
        for a in actions:
            env.step(a)
        rates_env.append(steps / (time.perf_counter() - t))
        env.reset(seed=0)
        t = time.perf_counter()
        for q in targets:
            p.setJointMotorControlArray(body.id, targetPositions=q, **motor)
            for _ in range(sub):
                p.stepSimulation(physicsClientId=u.cid)
        rates_raw.append(steps / (time.perf_counter() - t))
    env.close()
    env_rate, raw_rate = max(rates_env), max(rates_raw)
    return {"task": task, "robot": robot, "obs": obs, "control": control, "env_steps_per_s": env_rate,
            "raw_per_substeps": raw_rate, "ratio": env_rate / raw_rate}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--robots", default="unitree_h1,unitree_g1,fourier_gr1t2,apptronik_apollo")
    ap.add_argument("--tasks", default="reach,pick_place")
    ap.add_argument("--camera", action="store_true", help="also measure obs='rgb' (96x96 head camera)")
    ap.add_argument("--controls", default="ee_delta,joint_pos", help="control modes to measure")
    args = ap.parse_args()
    print(f"{'task':12} {'robot':18} {'obs':6} {'control':10} {'env steps/s':>12} {'raw/substeps':>13} {'ratio':>6}")
    for task in args.tasks.split(","):
        for robot in args.robots.split(","):
            for obs in (["state", "rgb"] if args.camera else ["state"]):
                for control in args.controls.split(","):
                    r = measure(task, robot, args.steps, obs, control)
                    print(f"{r['task']:12} {r['robot']:18} {r['obs']:6} {r['control']:10} {r['env_steps_per_s']:12.1f} "
                          f"{r['raw_per_substeps']:13.1f} {r['ratio']:6.2f}", flush=True)


if __name__ == "__main__":
    main()
