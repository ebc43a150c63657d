"""``hground robots check``: validation of a robot card and its model, as a list of named checks."""
from __future__ import annotations

import difflib

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Literal

import numpy as np


from .asset import RobotAsset, load_asset
from .card import RobotCard

Status = Literal["pass", "warn", "fail", "skip"]

HOLD_SECONDS = 2.0
HOLD_TOLERANCE = 0.05  # rad RMS
STAND_SECONDS = 5.0
DT = 0.002


@dataclass
class Check:
    name: str
    status: Status
    detail: str


@dataclass
class Report:
    robot: str
    checks: list[Check] = field(default_factory=list)
    summary: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(c.status == "fail" for c in self.checks)

    def get(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_dict(self) -> dict:
        return {"robot": self.robot, "ok": self.ok, "checks": [asdict(c) for c in self.checks], "summary": self.summary}


def _tree(asset: RobotAsset) -> tuple[dict[str, str], dict[str, str]]:
    """child link -> parent link, child link -> joint name."""
    return {j.child: j.parent for j in asset.joints}, {j.child: j.name for j in asset.joints}


def role_problems(card: RobotCard, asset: RobotAsset) -> list[str]:
    """Every link/joint the card names must exist in the model; each problem names the card key."""
    links = set(asset.links)
    joints = {j.name for j in asset.joints}
    movable = {j.name for j in asset.movable_joints}
    out: list[str] = []

    def hint(name: str, choices) -> str:
        close = difflib.get_close_matches(name, sorted(choices), n=1, cutoff=0.5)
        return f" (did you mean '{close[0]}'?)" if close else ""

    def link(key: str, name: str) -> None:
        if name not in links:
            out.append(f"{key} names link '{name}', which the model does not have{hint(name, links)}")

    def joint(key: str, name: str) -> None:
        if name not in joints:
            out.append(f"{key} names joint '{name}', which the model does not have{hint(name, movable)}")
        elif name not in movable:
            out.append(f"{key} names joint '{name}', which is fixed (not movable)")

    link("base_link", card.base_link)
    if card.base_link in links and card.base_link != asset.root_link:
        out.append(f"base_link is '{card.base_link}' but the model's root link is '{asset.root_link}'")
    link("torso_link", card.torso_link)
    link("head_camera.link", card.head_camera.link)
    for side, arm in card.arms.items():
        for jn in arm.joints:
            joint(f"arms.{side}.joints", jn)
        link(f"arms.{side}.ee_link", arm.ee_link)
        for jn in arm.grasp.joints:
            joint(f"arms.{side}.grasp.joints", jn)
        if arm.wrist_camera:
            link(f"arms.{side}.wrist_camera.link", arm.wrist_camera.link)
    if card.head_joints:
        for k in ("yaw", "pitch"):
            jn = getattr(card.head_joints, k)
            if jn:
                joint(f"head_joints.{k}", jn)
    for side, js in (card.legs or {}).items():
        for jn in js:
            joint(f"legs.{side}", jn)
    for jn in card.default_pose:
        joint("default_pose", jn)
    for jn in card.pd.overrides:
        joint("pd.overrides", jn)
    return out


def _chain_problems(card: RobotCard, asset: RobotAsset) -> list[str]:
    parent, joint_of = _tree(asset)
    out = []
    for side, arm in card.arms.items():
        path_joints, cur = [], arm.ee_link
        ancestors = {cur}
        while cur in parent:
            path_joints.append(joint_of[cur])
            cur = parent[cur]
            ancestors.add(cur)
        if card.torso_link not in ancestors:
            out.append(f"arms.{side}: ee_link '{arm.ee_link}' is not below torso_link '{card.torso_link}'")
            continue
        off = [j for j in arm.joints if j not in path_joints]
        if off:
            out.append(f"arms.{side}: joints {off} are not on the chain from the root to ee_link '{arm.ee_link}'")
    return out


def _inertia_problems(asset: RobotAsset) -> tuple[list[str], list[str]]:
    fails, warns = [], []
    for name, d in asset.links.items():
        m = d["mass"]
        ixx, iyy, izz, ixy, ixz, iyz = d["inertia"]
        if not (m > 0 and math.isfinite(m)):
            fails.append(f"link '{name}' mass {m}")
            continue
        I = np.array([[ixx, ixy, ixz], [ixy, iyy, iyz], [ixz, iyz, izz]])
        ev = np.linalg.eigvalsh(I)
        if ev.min() <= 0:
            fails.append(f"link '{name}' inertia not positive-definite (eigenvalues {np.round(ev, 9).tolist()})")
            continue
        a, b, c = sorted(ev)
        if a + b < c * (1 - 1e-6):
            fails.append(f"link '{name}' principal moments {a:.3g}, {b:.3g}, {c:.3g} violate the triangle inequality")
        if d.get("placeholder"):
            warns.append(name)
    return fails, warns


def _hold(asset: RobotAsset) -> tuple[float, float]:
    """Fixed base, gravity on, PD to the default pose for HOLD_SECONDS: (RMS error rad, max error rad)."""
    from ._pybullet import new_client, p
    from .body import RobotBody

    cid = new_client()
    try:
        p.setGravity(0, 0, -9.81, physicsClientId=cid)
        p.setTimeStep(DT, physicsClientId=cid)
        body = RobotBody(asset, cid, fixed_base=True, dt=DT)
        errs = []
        for _ in range(int(HOLD_SECONDS / DT)):
            p.stepSimulation(physicsClientId=cid)
        q, _ = body.joint_state()
        errs = q - body.default_q
        return float(np.sqrt(np.mean(errs ** 2))), float(np.max(np.abs(errs)))
    finally:
        p.disconnect(cid)


def _stand(asset: RobotAsset) -> float:
    """Floating base on a floor, PD to the default pose: seconds until the base drops below 0.6 × standing height."""
    from ._pybullet import new_client, p
    from .body import RobotBody

    cid = new_client()
    try:
        p.setGravity(0, 0, -9.81, physicsClientId=cid)
        p.setTimeStep(DT, physicsClientId=cid)
        plane = p.createCollisionShape(p.GEOM_PLANE, physicsClientId=cid)
        p.createMultiBody(0, plane, physicsClientId=cid)
        body = RobotBody(asset, cid, fixed_base=False, dt=DT)
        h, legged = asset.card.standing_height, asset.card.base_type == "legged"
        for k in range(int(STAND_SECONDS / DT)):
            p.stepSimulation(physicsClientId=cid)
            if k % 25 == 0:
                pos, (x, y, _, _) = body.base_pose()
                if (pos[2] < 0.6 * h) if legged else (1.0 - 2.0 * (x * x + y * y) < math.cos(math.radians(45))):
                    return (k + 1) * DT
        return STAND_SECONDS
    finally:
        p.disconnect(cid)


def check_robot(card: RobotCard, progress: Callable[[str], None] | None = None, physics: bool = True) -> Report:
    """Run every validation check on a card.

    :param card: the robot card.
    :param progress: called with each check's name before it runs (for a progress display).
    :param physics: run the simulated checks (hold and stand); off for a quick structural check.
    :raises HGroundError: when the model cannot be imported at all (malformed XML, missing mesh, ...).
    """
    rep = Report(card.name)
    say = progress or (lambda s: None)
    add = rep.checks.append

    say("import")
    t0 = time.perf_counter()
    asset = load_asset(card)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    asset = load_asset(card)  # second load: must come from the cache
    cached_s = time.perf_counter() - t0
    add(Check("parses", "pass", f"{card.source.kind.upper()} {asset.card.source.ref.path or asset.card.source.ref.file} -> {asset.dof} movable joints, {len(asset.links)} links"))
    c = asset.counts
    hulls = f"; V-HACD: {sum(asset.hull_counts.values())} convex hulls for {len(asset.hull_counts)} meshes" if asset.hull_counts else ""
    add(Check("meshes", "pass", f"{c['visual_meshes']} visual and {c['collision_meshes']} collision meshes found and readable, {c['collision_primitives']} collision primitives ({card.collision} collision model){hulls}"))
    add(Check("cache", "pass" if asset.from_cache else "fail", f"first load {build_s:.2f} s, cached load {cached_s * 1000:.1f} ms"))

    say("roles")
    probs = role_problems(card, asset)
    add(Check("roles", "fail" if probs else "pass", "; ".join(probs) if probs else
              f"base, torso, head camera, {len(card.arms)} arm(s), legs, default pose and PD overrides all name existing links/joints"))
    if probs:
        rep.summary = _summary(asset)
        return rep

    fails, warns = _inertia_problems(asset)
    add(Check("inertials", "fail" if fails else ("warn" if warns else "pass"),
              "; ".join(fails) if fails else (f"all masses > 0 and inertias physical; {len(warns)} link(s) without <inertial> given a placeholder: {', '.join(warns[:5])}" if warns else "all masses > 0 and inertias positive-definite and physical")))

    # continuous joints (wheels, endless wrists) are unbounded by definition: controlled over [-π, π]
    cont = [j.name for j in asset.movable_joints if j.type == "continuous"]
    bad = [f"{j.name} ({j.type}, [{j.lower}, {j.upper}])" for j in asset.movable_joints if j.type != "continuous" and (
           j.lower is None or j.upper is None or not (math.isfinite(j.lower) and math.isfinite(j.upper) and j.lower < j.upper))]
    ok = f"{asset.dof - len(cont)} joints with finite, ordered limits" + (
        f"; {len(cont)} continuous ({', '.join(cont[:4])}{' ...' if len(cont) > 4 else ''}: unbounded, joint_pos targets over [-π, π])" if cont else "")
    add(Check("joint_limits", "fail" if bad else "pass",
              f"unbounded or unordered: {', '.join(bad[:6])}{' ...' if len(bad) > 6 else ''}; bound them with the card's joint_limits" if bad else ok))
    if bad:
        rep.summary = _summary(asset)
        return rep

    chain = _chain_problems(card, asset)
    add(Check("arm_chains", "fail" if chain else "pass", "; ".join(chain) if chain else
              (f"{', '.join(card.arms)} arm chain(s) reach their ee_link" if card.arms else "no arms in the card")))

    say("self-collision")
    from ._pybullet import new_client, p
    from .body import RobotBody

    cid = new_client()
    try:
        body = RobotBody(asset, cid, fixed_base=True)
        contacts = body.self_contacts()
    finally:
        p.disconnect(cid)
    add(Check("self_collision", "fail" if contacts else "pass",
              f"default pose has {len(contacts)} self-contact(s): {contacts[:4]}" if contacts else f"no self-contact in the default pose ({len(asset.filter_pairs)} adjacent/touching link pairs filtered)"))

    iw = [w for w in asset.warnings if "no <inertial>" not in w]
    add(Check("importer_warnings", "warn" if iw else "pass", "; ".join(iw[:5]) + (f" (+{len(iw) - 5} more)" if len(iw) > 5 else "") if iw else "none"))

    if physics:
        say("fixed-base hold")
        rms, mx = _hold(asset)
        add(Check("fixed_base_hold", "pass" if rms <= HOLD_TOLERANCE else "fail",
                  f"PD holds the default pose for {HOLD_SECONDS:.0f} s: RMS error {rms:.4f} rad (max {mx:.4f}), tolerance {HOLD_TOLERANCE}"))
        say("floating-base stand")
        if card.base_type == "fixed":
            add(Check("floating_base_stand", "pass", "base_type fixed: the base is held in both env modes"))
        else:
            secs = _stand(asset)
            fall = "below 0.6 x standing height" if card.base_type == "legged" else "over 45°"
            add(Check("floating_base_stand", "pass" if secs >= STAND_SECONDS else "warn",
                      f"stood the full {STAND_SECONDS:.0f} s under PD" if secs >= STAND_SECONDS else f"base fell {fall} after {secs:.2f} s (PD alone, no balance controller)"))
    m = asset.total_mass
    add(Check("total_mass", "pass" if 0.5 <= m <= 500 else "warn", f"{m:.2f} kg"))
    rep.summary = _summary(asset) | {"first_load_s": round(build_s, 3), "cached_load_ms": round(cached_s * 1000, 2)}
    return rep


def _summary(asset: RobotAsset) -> dict:
    card = asset.card
    return {"dof": asset.dof, "links": len(asset.links), "total_mass_kg": round(asset.total_mass, 3),
            "model_hash": asset.model_hash, "collision": card.collision, "urdf": str(asset.urdf_path)}
