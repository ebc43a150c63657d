"""Welding idle joints: a bench robot's joints that nothing drives become fixed joints at their default pose.

With the base held in place (bench work), the joints that are neither on the path from the root to an arm,
the hands, the torso or the head camera nor in a hand are *idle*: the controllers only ever hold them at
the default pose, and — the root being fixed — their branches (the legs, usually) are dynamically decoupled
from the arms. PyBullet still solves a position-motor row per idle joint and integrates its degree of
freedom at every physics step, which is most of a step's cost on legged humanoids (``scripts/bench_physics.py
--split``). Welding them (URDF ``fixed`` joints whose origin carries the default angle) takes that cost
away; link names and joint order stay as they were, and the body keeps reporting the welded joints at their
default positions with zero velocity, so every observation keeps its shape.

What changes physically: the welded links no longer flex under their motors' finite stiffness (they are
rigid at the default pose). The fidelity is measured in ``tests/test_weld.py`` and the README.
"""
from __future__ import annotations

import hashlib
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .geometry import _floats, make_T, origin_T, set_origin

if TYPE_CHECKING:
    from .asset import RobotAsset


def _rotation(axis, angle: float) -> np.ndarray:
    a = np.asarray(axis, dtype=float)
    a = a / max(np.linalg.norm(a), 1e-12)
    K = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + np.sin(angle) * K + (1 - np.cos(angle)) * K @ K


def idle_joints(asset: "RobotAsset") -> list[str]:
    """Movable joints that nothing drives on a fixed base (asset order): not on the root path of an arm's
    end-effector, the torso or the head camera, not in a hand (everything below the rigid group that holds
    an end-effector link), not a card's arm, finger or head joint."""
    card = asset.card
    up = {j.child: j for j in asset.joints}  # link -> the joint to its parent
    down: dict[str, list] = {}
    for j in asset.joints:
        down.setdefault(j.parent, []).append(j)
    keep: set[str] = set()

    def to_root(link: str) -> None:
        while link in up:
            keep.add(up[link].name)
            link = up[link].parent

    def below(link: str) -> None:
        for j in down.get(link, []):
            keep.add(j.name)
            below(j.child)

    for arm in card.arms.values():
        to_root(arm.ee_link)
        top = arm.ee_link
        while top in up and up[top].type == "fixed":  # a bare TCP frame: its hand is its rigid group's
            top = up[top].parent
        below(top)
        keep.update(arm.joints)
        keep.update(arm.grasp.joints)
    to_root(card.torso_link)
    to_root(card.head_camera.link)
    if card.head_joints is not None:
        keep.update(n for n in (card.head_joints.yaw, card.head_joints.pitch) if n)
    return [j.name for j in asset.movable_joints if j.name not in keep]


def welded_urdf(asset: "RobotAsset", angles: dict[str, float]) -> Path:
    """The asset's URDF with the joints in ``angles`` fixed at those positions (rad, or m for prismatic
    joints), written once beside the asset (the file name is a hash of the joints and angles)."""
    tag = hashlib.sha1(repr(sorted((k, round(float(v), 12)) for k, v in angles.items())).encode()).hexdigest()[:12]
    out = Path(asset.urdf_path).with_name(f"robot-welded-{tag}.urdf")
    if out.exists():
        return out
    tree = ET.parse(asset.urdf_path)
    for j in tree.getroot().findall("joint"):
        name = j.get("name")
        if name not in angles:
            continue
        axis_el = j.find("axis")
        xyz = axis_el.get("xyz") if axis_el is not None else None
        axis = _floats(xyz, 3) if xyz else np.array([1.0, 0.0, 0.0])  # URDF's default axis
        q = float(angles[name])
        motion = make_T(axis * q) if j.get("type") == "prismatic" else make_T(R=_rotation(axis, q))
        set_origin(j, origin_T(j) @ motion)
        j.set("type", "fixed")
    tmp = out.with_name(f"{out.name}.{os.getpid()}.tmp")  # vec-env workers may write it at once: rename is atomic
    tree.write(tmp, encoding="unicode", xml_declaration=True)
    os.replace(tmp, out)
    return out
