"""Physics cost per robot: the env's physics rate against MuJoCo's raw rate for the same model, side by side.

For each robot, measured in one run (interleaved repeats, median ratio, so a shared machine's load hits
both sides alike):

- **env**: ``pick_place`` with ``ee_delta``, the scripted expert acting; physics steps/s = env.step rate ×
  substeps (2 ms steps, as the env runs them).
- **MuJoCo**: ``mj_step`` of the same vendor model at 2 ms: for menagerie models their own ``scene*.xml``
  (floor and contacts; the file beside the card's MJCF that includes it), for URDF robots MuJoCo
  compiling the converted URDF (collision meshes as the env uses them) with a floor added; where MuJoCo
  cannot compile a model the row says so and gives PyBullet alone.
- **profile** (where PyBullet spends a step): links (fixed frames included), collision shapes, broad-phase
  overlapping pairs is not exposed by PyBullet, so the contact points per physics step are counted instead
  (robot–robot, robot–world), and the solver iterations.

- **split** (``--split``): the raw ``stepSimulation`` rate of the env's own client after a reset, as built
  and with one cost taken away at a time — solver iterations 50 → 10, the robot's collision shapes
  disabled, and then also every joint motor (the position-motor constraint rows) — so the share of the
  step each costs is measured rather than guessed. The physics with these removed is not the env's:
  the columns are a profile, not a setting.

- **weld** (``--weld``): the env again with ``sim.weld_idle=true`` (the joints no controller drives on the
  fixed base welded at their default pose and the legs folded, :mod:`humanoid_ground.robots.weld`), in the
  same repeats; ``--sim KEY=VALUE`` adds physics settings to that second env (e.g. fewer solver iterations).

Usage: python scripts/bench_physics.py [--robots unitree_h1,unitree_g1] [--steps 150] [--repeats 3] [--split] [--weld]
       [--sim solver_iterations=20]
"""
from __future__ import annotations

import argparse
import re
import statistics
import time
from pathlib import Path

import numpy as np

import humanoid_ground as hg
from humanoid_ground.robots import get_card, load_asset, robot_names
from humanoid_ground.robots._pybullet import p
from humanoid_ground.robots.resolve import model_path


def env_rate(robot: str, steps: int, sim: dict | None = None) -> tuple[float, dict]:
    """Physics steps/s of the env (pick_place, expert) and its profile (``sim``: physics settings)."""
    env = hg.make("pick_place", robot=robot, sim=sim)
    u = env.unwrapped
    pol = hg.tasks.expert(env)
    obs, _ = env.reset(seed=0)
    for _ in range(5):  # warm-up (kernels, caches)
        obs, *_ = env.step(pol(obs))
    contacts, t = [], 0.0
    for _ in range(steps):
        a = pol(obs)
        t0 = time.perf_counter()
        obs, _, term, trunc, _ = env.step(a)
        t += time.perf_counter() - t0
        contacts.append(len(p.getContactPoints(bodyA=u.robot.id, physicsClientId=u.cid)))
        if term or trunc:
            obs, _ = env.reset(seed=1)
    rid, cid = u.robot.id, u.cid
    n_links = p.getNumJoints(rid, physicsClientId=cid) + 1
    shapes = sum(len(p.getCollisionShapeData(rid, link, physicsClientId=cid)) for link in range(-1, n_links - 1))
    fixed = sum(1 for j in range(n_links - 1) if p.getJointInfo(rid, j, physicsClientId=cid)[2] == p.JOINT_FIXED)
    prof = {"links": n_links, "fixed_links": fixed, "dof": u.robot.n, "collision_shapes": shapes,
            "contacts_per_step": float(np.mean(contacts)), "solver_iterations": u.sim_cfg.solver_iterations}
    rate = steps * u.sim_cfg.substeps / t
    env.close()
    return rate, prof


def split_rates(robot: str, steps: int = 400) -> dict[str, float]:
    """Raw physics steps/s of the env's client: as built, then with solver iterations, robot collision and
    joint motors taken away one after the other (a profile; see the module docstring)."""
    env = hg.make("pick_place", robot=robot)
    u = env.unwrapped
    env.reset(seed=0)
    cid, rid = u.sim.cid, u.robot.id

    def rate() -> float:
        t0 = time.perf_counter()
        for _ in range(steps):
            p.stepSimulation(physicsClientId=cid)
        return steps / (time.perf_counter() - t0)

    out = {"as built": rate()}
    p.setPhysicsEngineParameter(numSolverIterations=10, physicsClientId=cid)
    out["10 iterations"] = rate()
    p.setPhysicsEngineParameter(numSolverIterations=50, physicsClientId=cid)
    n = p.getNumJoints(rid, physicsClientId=cid)
    for link in range(-1, n):
        p.setCollisionFilterGroupMask(rid, link, 0, 0, physicsClientId=cid)
    out["no robot collision"] = rate()
    p.setJointMotorControlArray(rid, list(range(n)), p.VELOCITY_CONTROL, forces=[0.0] * n, physicsClientId=cid)
    out["no collision, no motors"] = rate()
    env.close()
    return out


def mujoco_model(robot: str):
    """(MjModel at 2 ms, where it came from) or (None, why not)."""
    import mujoco

    card = get_card(robot)
    if card.source.kind == "mjcf":
        src = Path(model_path(card))
        for scene in sorted(src.parent.glob("scene*.xml")):
            if re.search(rf'file="{re.escape(src.name)}"', scene.read_text()):
                m = mujoco.MjModel.from_xml_path(str(scene))
                m.opt.timestep = 0.002
                return m, f"menagerie {scene.name}"
        m = mujoco.MjModel.from_xml_path(str(src))
        m.opt.timestep = 0.002
        return m, f"{src.name} (no scene file)"
    asset = load_asset(card)
    try:
        spec = mujoco.MjSpec.from_file(str(asset.urdf_path))
        spec.worldbody.add_geom(type=mujoco.mjtGeom.mjGEOM_PLANE, size=[5, 5, 0.1])
        m = spec.compile()
    except Exception as e:  # MuJoCo's URDF compiler refuses some models
        return None, f"MuJoCo cannot compile the converted URDF ({str(e).splitlines()[0][:80]})"
    m.opt.timestep = 0.002
    return m, "MuJoCo-compiled URDF + floor"


def mujoco_rate(m, steps: int) -> float:
    import mujoco

    d = mujoco.MjData(m)
    if m.nkey:
        mujoco.mj_resetDataKeyframe(m, d, 0)
    for _ in range(50):
        mujoco.mj_step(m, d)
    t0 = time.perf_counter()
    for _ in range(steps):
        mujoco.mj_step(m, d)
    return steps / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--robots", default=",".join(r for r in robot_names() if get_card(r).arms))
    ap.add_argument("--steps", type=int, default=150, help="env steps per repeat (× substeps physics steps)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--split", action="store_true", help="also the cost split (solver iterations, collision, motors)")
    ap.add_argument("--weld", action="store_true", help="also the env with sim.weld_idle=true (idle joints welded), "
                    "measured in the same repeats")
    ap.add_argument("--sim", action="append", default=[], metavar="KEY=VALUE",
                    help="a physics setting of that second env (repeatable; with or without --weld), e.g. solver_iterations=20")
    args = ap.parse_args()
    import yaml

    variant = ({"weld_idle": True} if args.weld else {}) | {k: yaml.safe_load(v) for k, v in (a.split("=", 1) for a in args.sim)}
    label = "welded" if variant == {"weld_idle": True} else "variant"
    if variant and label == "variant":
        print(f"variant: sim={variant}", flush=True)
    rows = []
    for robot in args.robots.split(","):
        m, where = mujoco_model(robot)
        env_r, weld_r, mj_r, prof = [], [], [], {}
        for _ in range(args.repeats):
            r, prof = env_rate(robot, args.steps)
            env_r.append(r)
            if variant:
                weld_r.append(env_rate(robot, args.steps, variant)[0])
            if m is not None:
                mj_r.append(mujoco_rate(m, args.steps * 10))
        e = statistics.median(env_r)
        mj = statistics.median(mj_r) if mj_r else None
        ratios = [a / b for a, b in zip(env_r, mj_r)]
        welded = None
        if variant:  # the variant's (welded) rate, its ratio to MuJoCo and its speed-up over as built (medians of per-repeat ratios)
            welded = (statistics.median(weld_r), statistics.median([a / b for a, b in zip(weld_r, mj_r)]) if mj_r else None,
                      statistics.median([a / b for a, b in zip(weld_r, env_r)]))
        rows.append((robot, e, mj, statistics.median(ratios) if ratios else None, where, prof, welded))
        print(f"{robot}: env {e:.0f} physics steps/s ({e / 10:.0f} env steps/s), MuJoCo {'—' if mj is None else f'{mj:.0f}'} "
              f"({where}), ratio {'—' if mj is None else f'{statistics.median(ratios):.3f}'}"
              + ("" if welded is None else f"; {label} {welded[0]:.0f} ({welded[2]:.2f}× as built)") + f"; {prof}", flush=True)
    extra = f" {label} physics steps/s | {label} ratio | {label} / as built |" if variant else ""
    print("\n| robot | env physics steps/s | env steps/s | MuJoCo steps/s | ratio | MuJoCo model | links (fixed) | DOF | "
          "collision shapes | contacts/step |" + extra)
    print("|---|---|---|---|---|---|---|---|---|---|" + ("---|---|---|" if variant else ""))
    for robot, e, mj, ratio, where, pr, welded in rows:
        w = "" if welded is None else (f" {welded[0]:.0f} | {'—' if welded[1] is None else f'{welded[1]:.2f}'} | "
                                       f"{welded[2]:.2f}× |")
        print(f"| `{robot}` | {e:.0f} | {e / 10:.0f} | {'—' if mj is None else f'{mj:.0f}'} | {'—' if ratio is None else f'{ratio:.2f}'} | "
              f"{where} | {pr['links']} ({pr['fixed_links']}) | {pr['dof']} | {pr['collision_shapes']} | {pr['contacts_per_step']:.1f} |" + w)
    if args.split:
        print("\nRaw stepSimulation rate of the env's client (physics steps/s; median of the repeats; a profile, "
              "not a setting):\n")
        print("| robot | as built | 10 solver iterations | no robot collision | no collision, no motors |")
        print("|---|---|---|---|---|")
        for robot, *_ in rows:
            runs = [split_rates(robot) for _ in range(args.repeats)]
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(f"| `{robot}` | " + " | ".join(f"{v:.0f} ({v / med['as built']:.2f}×)" for v in med.values()) + " |", flush=True)


if __name__ == "__main__":
    main()
