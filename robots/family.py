"""A procedural family of humanoids, each a vendor-style URDF plus its card, drawn from a seed.

What a vendor could bring, varied on purpose so the project is proven on bodies it was never tuned for:
heights 0.5–2 m, random upper-arm and forearm lengths, 4–7-joint arms, 0–3-joint necks whose axes
point either way (a torso-mounted camera when there is no neck), legged, wheeled and fixed bases, a
dummy root frame above the real base on some bodies, and exporter noise in the inertias (a ``-5e-20``
moment, a mass with an all-zero tensor) that the importer repairs. Everything is plain URDF with
primitive geometry, so a body is cheap to build.

    from humanoid_ground.robots.family import write_body
    card_path = write_body(7, out_dir)          # out_dir/fam_07/fam_07.urdf + out_dir/fam_07.yaml
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

#: (axis name, unit vector) of the arm joints in order: shoulder pitch, roll, yaw, elbow, wrist yaw, pitch, roll
_ARM_AXES = (("pitch", "0 1 0"), ("roll", "1 0 0"), ("yaw", "0 0 1"), ("elbow", "0 1 0"), ("wrist_yaw", "0 0 1"),
             ("wrist_pitch", "0 1 0"), ("wrist_roll", "1 0 0"))
BASES = ("legged", "wheeled", "fixed")


@dataclass
class Draw:
    seed: int
    height: float  # m, overall (0.5–2)
    arm_joints: int  # 4–7
    neck: list[tuple[str, str]]  # (role, axis) per neck joint, 0–3
    base: str
    upper: float  # upper-arm length factor
    fore: float  # forearm length factor
    dummy_root: bool
    noisy_inertia: bool


def draw(seed: int) -> Draw:
    """The body of ``seed``: every 3rd seed has each base type; arms cycle 4..7 joints; necks 0..3 joints."""
    rng = np.random.default_rng(1000 + seed)
    roles = [("yaw", "0 0 1"), ("pitch", "0 1 0"), ("roll", "1 0 0")]
    k = seed % 4
    neck = [roles[i] for i in sorted(rng.permutation(3)[:k])] if k else []
    neck = [(r, a if rng.random() < 0.5 else " ".join(str(-int(x)) for x in a.split())) for r, a in neck]  # axes either way
    return Draw(seed=seed, height=float(rng.uniform(0.5, 2.0)), arm_joints=4 + (seed // 2) % 4, neck=neck, base=BASES[seed % 3],
                upper=float(rng.uniform(0.85, 1.15)), fore=float(rng.uniform(0.85, 1.15)), dummy_root=bool(seed % 5 == 1),
                noisy_inertia=bool(seed % 2 == 0))


def _box_inertia(m, x, y, z):
    return m * (y * y + z * z) / 12, m * (x * x + z * z) / 12, m * (x * x + y * y) / 12


def _link(name, mass, geom, origin="0 0 0", inertia=None, visual=True, collision=True):
    ixx, iyy, izz = inertia or (1e-4, 1e-4, 1e-4)
    g = f'<origin xyz="{origin}" rpy="0 0 0"/><geometry>{geom}</geometry>'
    inert = (f'<inertial><origin xyz="{origin}" rpy="0 0 0"/><mass value="{mass:.6g}"/>'
             f'<inertia ixx="{ixx:.6g}" iyy="{iyy:.6g}" izz="{izz:.6g}" ixy="0" ixz="0" iyz="0"/></inertial>') if mass else ""
    vis = f"<visual>{g}</visual>" if visual else ""
    col = f"<collision>{g}</collision>" if collision else ""
    return f'<link name="{name}">{inert}{vis}{col}</link>'


def _joint(name, parent, child, xyz, jtype="revolute", axis="0 1 0", lo=-2.0, hi=2.0, effort=50.0):
    lim = (f'<limit lower="{lo:.4g}" upper="{hi:.4g}" effort="{effort:.4g}" velocity="6"/>' if jtype == "revolute"
           else f'<limit effort="{effort:.4g}" velocity="10"/>' if jtype == "continuous" else "")
    ax = f'<axis xyz="{axis}"/>' if jtype != "fixed" else ""
    return (f'<joint name="{name}" type="{jtype}"><parent link="{parent}"/><child link="{child}"/>'
            f'<origin xyz="{xyz}" rpy="0 0 0"/>{ax}{lim}</joint>')


def body_urdf(d: Draw) -> tuple[str, dict]:
    """(URDF text, card fields) of a drawn body."""
    s = d.height / 1.7
    m3 = s ** 3
    links, joints, pose, legs = [], [], {}, {}
    eff = 60 * m3 + 5
    # --- base: pelvis on legs, a wheeled chassis on the floor, or a fixed pedestal ---------------------
    if d.base == "legged":
        leg = 0.48 * d.height
        standing, torso_z = leg + 0.04 * s, 0.08 * s
        links.append(_link("pelvis", 8 * m3, f'<box size="{0.22 * s:.4g} {0.28 * s:.4g} {0.12 * s:.4g}"/>',
                           inertia=_box_inertia(8 * m3, 0.22 * s, 0.28 * s, 0.12 * s)))
        for side, y in (("left", 0.09 * s), ("right", -0.09 * s)):
            names = [f"{side}_hip", f"{side}_knee", f"{side}_ankle"]
            parent, off = "pelvis", f"0 {y:.4g} {-0.06 * s:.4g}"
            for i, (jn, ln) in enumerate(zip(names, [f"{side}_thigh", f"{side}_shin", f"{side}_foot"])):
                L = leg * 0.45 if i < 2 else 0.04 * s
                geom = (f'<cylinder radius="{0.045 * s:.4g}" length="{L:.4g}"/>' if i < 2 else
                        f'<box size="{0.2 * s:.4g} {0.09 * s:.4g} {0.04 * s:.4g}"/>')
                m = (4 if i == 0 else 2.5 if i == 1 else 1) * m3
                links.append(_link(ln, m, geom, f"0 0 {-L / 2:.4g}", _box_inertia(m, 0.09 * s, 0.09 * s, L)))
                joints.append(_joint(jn, parent, ln, off, lo=-1.5, hi=1.5, effort=eff * 2))
                parent, off = ln, f"0 0 {-L:.4g}"
            legs[side] = names
        base = "pelvis"
    else:
        standing = 0.0
        torso_z = 0.5 * d.height
        col = f'<box size="{0.16 * s:.4g} {0.16 * s:.4g} {torso_z:.4g}"/>'
        if d.base == "wheeled":
            links.append(_link("chassis", 20 * m3, f'<box size="{0.5 * s:.4g} {0.4 * s:.4g} {0.1 * s:.4g}"/>', f"0 0 {0.1 * s:.4g}",
                               _box_inertia(20 * m3, 0.5 * s, 0.4 * s, 0.1 * s)))
            for side, y in (("left", 0.23 * s), ("right", -0.23 * s)):
                links.append(_link(f"{side}_wheel", 1.0 * m3, f'<sphere radius="{0.06 * s:.4g}"/>', inertia=(4e-3 * m3,) * 3))
                joints.append(_joint(f"{side}_wheel_joint", "chassis", f"{side}_wheel", f"0 {y:.4g} {0.06 * s:.4g}",
                                     "continuous", axis="0 1 0", effort=eff))
            base = "chassis"
        else:
            links.append(_link("pedestal", 30 * m3, f'<box size="{0.4 * s:.4g} {0.4 * s:.4g} {0.04 * s:.4g}"/>', f"0 0 {0.02 * s:.4g}",
                               _box_inertia(30 * m3, 0.4 * s, 0.4 * s, 0.04 * s)))
            base = "pedestal"
        links.append(_link("column", 5 * m3, col, f"0 0 {torso_z / 2:.4g}", _box_inertia(5 * m3, 0.16 * s, 0.16 * s, torso_z)))
        joints.append(_joint("column_fix", base, "column", "0 0 0", "fixed"))
    # --- torso (a waist yaw on every other body) ----------------------------------------------------------
    tw, td, th = 0.30 * s, 0.20 * s, 0.40 * s
    torso_I = (0.0, 0.0, 0.0) if d.noisy_inertia else _box_inertia(12 * m3, td, tw, th)  # a mass with a zero tensor
    links.append(_link("torso", 12 * m3, f'<box size="{td:.4g} {tw:.4g} {th:.4g}"/>', f"0 0 {th / 2:.4g}", torso_I))
    parent = "pelvis" if d.base == "legged" else "column"
    joints.append(_joint("waist", parent, "torso", f"0 0 {torso_z:.4g}", "fixed"))
    # --- arms --------------------------------------------------------------------------------------------
    L1, L2 = 0.26 * s * d.upper, 0.24 * s * d.fore
    arms = {}
    for side, sg in (("left", 1.0), ("right", -1.0)):
        names, par = [], "torso"
        for i, (role, axis) in enumerate(_ARM_AXES[:3] + _ARM_AXES[3:4] + _ARM_AXES[4:d.arm_joints]):
            jn, ln = f"{side}_{role}", f"{side}_{role}_link"
            if i == 0:
                off = f"0 {sg * (tw / 2 + 0.05 * s):.4g} {th - 0.06 * s:.4g}"
            elif role == "elbow":
                off = f"0 0 {-L1:.4g}"
            elif role == "wrist_yaw":
                off = f"0 0 {-L2:.4g}"
            else:
                off = "0 0 0"
            seg = L1 if role == "yaw" else L2 if role == "elbow" else 0.0
            if seg:
                geom, org = f'<cylinder radius="{0.035 * s:.4g}" length="{seg * 0.8:.4g}"/>', f"0 0 {-seg / 2:.4g}"
                m = (1.5 if role == "yaw" else 1.0) * m3
                I = _box_inertia(m, 0.07 * s, 0.07 * s, seg)
            else:
                geom, org, m = f'<sphere radius="{0.03 * s:.4g}"/>', "0 0 0", 0.3 * m3
                I = (0.4 * m * (0.03 * s) ** 2,) * 3
            lo, hi = (-3.0, 1.5) if role == "pitch" else (-2.6, 0.0) if role == "elbow" else (-1.6, 1.6)
            if role == "roll":
                lo, hi = (-0.3, 2.0) if sg > 0 else (-2.0, 0.3)
            links.append(_link(ln, m, geom, org, I))
            joints.append(_joint(jn, par, ln, off, axis=axis, lo=lo, hi=hi, effort=eff))
            names.append(jn)
            par = ln
        hand = f"{side}_hand"
        r_hand = 0.035 * max(s, 0.6)
        links.append(_link(hand, 0.4 * m3, f'<box size="{r_hand:.4g} {r_hand * 1.4:.4g} {0.08 * s:.4g}"/>', f"0 0 {-0.04 * s:.4g}",
                           _box_inertia(0.4 * m3, r_hand, r_hand, 0.08 * s)))
        hoff = f"0 0 {-L2:.4g}" if d.arm_joints == 4 else f"0 0 {-0.02 * s:.4g}"
        joints.append(_joint(f"{side}_hand_fix", par, hand, hoff, "fixed"))
        pose.update({f"{side}_pitch": -0.45, f"{side}_roll": sg * 0.12, f"{side}_elbow": -1.35})
        arms[side] = {"joints": names, "ee_link": hand, "tcp_xyz": [0.0, 0.0, round(-0.08 * s, 4)],
                      "grasp": {"type": "assisted", "hold": "rigid" if d.arm_joints >= 6 else "gimbal"}}
    # --- neck and head camera ------------------------------------------------------------------------------
    head_joints = {}
    if d.neck:
        par, off = "torso", f"0 0 {th:.4g}"
        for i, (role, axis) in enumerate(d.neck):
            ln = f"neck_{i}"
            links.append(_link(ln, 0.2 * m3, f'<sphere radius="{0.03 * s:.4g}"/>', inertia=(1e-4 * m3 + 1e-6,) * 3))
            joints.append(_joint(f"neck_{role}", par, ln, off, axis=axis, lo=-1.2, hi=1.2, effort=eff / 2))
            if role in ("yaw", "pitch"):
                head_joints[role] = f"neck_{role}"
            par, off = ln, f"0 0 {0.03 * s:.4g}"
        links.append(_link("head", 1.5 * m3, f'<sphere radius="{0.09 * s:.4g}"/>', f"0 0 {0.09 * s:.4g}", (4.9e-3 * m3 + 1e-6,) * 3))
        joints.append(_joint("head_fix", par, "head", off, "fixed"))
        links.append(_link("camera", None, f'<sphere radius="{0.01 * s:.4g}"/>', visual=False))
        joints.append(_joint("camera_fix", "head", "camera", f"{0.09 * s:.4g} 0 {0.1 * s:.4g}", "fixed"))
    else:  # a torso-mounted camera
        links.append(_link("camera", None, f'<sphere radius="{0.01 * s:.4g}"/>', visual=False))
        joints.append(_joint("camera_fix", "torso", "camera", f"{td / 2 + 0.01 * s:.4g} 0 {th:.4g}", "fixed"))
    root = base
    if d.dummy_root:  # a vendor's dummy frame above the real base
        links.insert(0, _link("base_link", None, '<sphere radius="0.001"/>', visual=False, collision=False))
        joints.insert(0, _joint("base_link_to_base", "base_link", base, "0 0 0", "fixed"))
    if d.noisy_inertia:  # exporter noise: a principal moment of -5e-20 on the first upper arm
        links = [ln.replace('ixx="', 'ixx="-5.42101e-20" orig="', 1) if 'name="left_yaw_link"' in ln else ln for ln in links]
    urdf = f'<?xml version="1.0"?>\n<robot name="fam_{d.seed:02d}">\n' + "\n".join(links + joints) + "\n</robot>\n"
    card = {"base_link": root, "torso_link": "torso", "base_type": d.base, "standing_height": round(standing, 4),
            "default_pose": pose, "arms": arms, "legs": legs or None, "head_joints": head_joints or None,
            "head_camera": {"link": "camera", "xyz": [0.0, 0.0, 0.0], "rpy": [0.0, 0.6, 0.0], "fov": 70},
            "pd": {"kp": round(300 * m3 + 30, 2), "kd": round(10 * m3 + 1, 3)}}
    return urdf, card


def write_body(seed: int, out: str | Path) -> Path:
    """Write body ``seed`` as ``out/fam_<seed>/fam_<seed>.urdf`` and its card ``out/fam_<seed>.yaml``; the card's path."""
    d = draw(seed)
    urdf, fields = body_urdf(d)
    name = f"fam_{seed:02d}"
    out = Path(out)
    (out / name).mkdir(parents=True, exist_ok=True)
    (out / name / f"{name}.urdf").write_text(urdf)
    card = {"name": name, "vendor": "Procedural", "license": "CC0-1.0",
            "model": (f"{d.height:.2f} m, {d.base} base, {d.arm_joints}-joint arms, {len(d.neck)}-joint neck"
                      + (", dummy root" if d.dummy_root else "") + (", noisy inertias" if d.noisy_inertia else "")),
            "source": {"urdf": {"file": f"{name}/{name}.urdf"}}, "collision": "convex"}
    card.update({k: v for k, v in fields.items() if v is not None})
    path = out / f"{name}.yaml"
    path.write_text(yaml.safe_dump(card, sort_keys=False))
    return path
