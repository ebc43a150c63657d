"""Env overhead benchmark: env.step rate vs raw stepSimulation rate ÷ substeps for the same scene.

Both are measured side by side in one run, on the env's own client (same robot, same scene, the same
motion: the raw loop replays the joint targets the env commanded), so the ratio is robust to a shared,
noisy machine: the timed runs come in back-to-back triples (env, bare loop, reads loop) and the ratio is
the median over triples, with its interquartile range. The arms move at random with open hands (a hand
closing on a part would attach it: task physics the bare loop cannot replay). Goal: ratio ≥ 0.9.

The *reads floor* is the ratio of a loop that adds to the bare loop only the PyBullet state reads any
env must make to observe the robot (joint states and the link frames of the canonical interface,
converted to arrays): the best any PyBullet env observing this robot can reach.

Usage: python scripts/bench_env.py [--steps 200] [--pairs 9] [--robots unitree_h1,unitree_g1,fourier_gr1t2] [--tasks reach,pick_place]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import humanoid_ground as hg
from humanoid_ground.robots._pybullet import p


def measure(task: str, robot: str, steps: int, obs: str = "state", control: str = "ee_delta", pairs: int = 9) -> dict:
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

    def run_env() -> float:
        env.reset(seed=0)
        t = time.perf_counter()
        for a in actions:
            env.step(a)
        return time.perf_counter() - t

    r = u.robot
    joints, links, n = r._q_index, r._wanted, r.n

    def run_bare(reads: bool) -> float:
        """The bare loop; with ``reads``, plus the state reads every env observing the robot needs."""
        env.reset(seed=0)
        t = time.perf_counter()
        for q in targets:
            p.setJointMotorControlArray(body.id, targetPositions=q, **motor)
            for _ in range(sub):
                p.stepSimulation(physicsClientId=u.cid)
            if reads:
                st = p.getJointStates(body.id, joints, physicsClientId=u.cid)
                np.fromiter((s[0] for s in st), float, n), np.fromiter((s[1] for s in st), float, n)
                np.array([s[4] + s[5] for s in p.getLinkStates(body.id, links, computeForwardKinematics=1,
                                                               physicsClientId=u.cid)])
        return time.perf_counter() - t

    # measurements back to back and in alternating order, so a burst of load on the shared machine hits
    # all runs of a triple; the median ratio ignores the triples a burst split
    t = {"env": [], "raw": [], "reads": []}
    runs = {"env": run_env, "raw": lambda: run_bare(False), "reads": lambda: run_bare(True)}
    for k in range(pairs):
        for name in (("env", "raw", "reads") if k % 2 == 0 else ("reads", "raw", "env")):
            t[name].append(runs[name]())
    env.close()
    t_env, t_raw, t_reads = (np.array(t[k]) for k in ("env", "raw", "reads"))
    return {"task": task, "robot": robot, "obs": obs, "control": control, "env_steps_per_s": steps / np.median(t_env),
            "raw_per_substeps": steps / np.median(t_raw), "ratio": float(np.median(t_raw / t_env)),
            "ratio_iqr": tuple(np.percentile(t_raw / t_env, [25, 75]).round(2)),
            "reads_floor": float(np.median(t_raw / t_reads))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200, help="control steps per timed run")
    ap.add_argument("--pairs", type=int, default=9, help="back-to-back (env, bare loop, reads loop) runs per configuration")
    ap.add_argument("--robots", default="unitree_h1,unitree_g1,fourier_gr1t2,apptronik_apollo")
    ap.add_argument("--tasks", default="reach,pick_place")
    ap.add_argument("--camera", action="store_true", help="also measure obs='rgb' (96x96 head camera)")
    ap.add_argument("--controls", default="ee_delta,joint_pos", help="control modes to measure")
    args = ap.parse_args()
    print(f"{'task':12} {'robot':18} {'obs':6} {'control':10} {'env steps/s':>12} {'raw/substeps':>13} {'ratio':>6} {'ratio IQR':>12} {'reads floor':>12}")
    for task in args.tasks.split(","):
        for robot in args.robots.split(","):
            for obs in (["state", "rgb"] if args.camera else ["state"]):
                for control in args.controls.split(","):
                    r = measure(task, robot, args.steps, obs, control, args.pairs)
                    print(f"{r['task']:12} {r['robot']:18} {r['obs']:6} {r['control']:10} {r['env_steps_per_s']:12.1f} "
                          f"{r['raw_per_substeps']:13.1f} {r['ratio']:6.2f} {r['ratio_iqr'][0]:5.2f}–{r['ratio_iqr'][1]:.2f} {r['reads_floor']:12.2f}", flush=True)


if __name__ == "__main__":
    main()
