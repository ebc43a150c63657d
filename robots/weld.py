"""Welding idle joints: a bench robot's joints that nothing drives become fixed joints at their default pose.

With the base held in place (bench work), the joints that are neither on the path from the root to an arm,
the hands, the torso or the head camera nor in a hand are *idle*: the controllers only ever hold them at
the default pose, and — the root being fixed — their branches (the legs, usually) are dynamically decoupled
from the arms. PyBullet still solves a position-motor row per idle joint and integrates its degree of
freedom at every physics step, which is most of a step's cost on legged humanoids (``scripts/bench_physics.py
--split``). Welding them (URDF ``fixed`` joints whose origin carries the default angle) takes that cost
away, and a welded subtree with nothing else movable in it (a leg) is folded into the link it hangs from
(:func:`welded_urdf`'s ``merge``), since PyBullet also pays per link. The links a card names and the joint
order stay as they were, and the body keeps reporting the welded joints at their default positions with
zero velocity, so every observation keeps its shape. What reads the body's links one by one reads the
model as shipped: the workspace places the bench by the unfolded links' boxes (``envs/workspace.py``), and
a folded link's collision-filter pairs move to the link that holds its geometry (``robots/body.py``).

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


def welded_urdf(asset: "RobotAsset", angles: dict[str, float], merge: bool = False) -> Path:
    """The asset's URDF with the joints in ``angles`` fixed at those positions (rad, or m for prismatic
    joints), written once beside the asset (the file name is a hash of the joints, angles, ``merge`` and this module's code).

    :param merge: also fold every welded subtree that holds no other movable joint and no link the card
        names into the link it hangs from (:func:`fold_subtree`): PyBullet pays per link, fixed or not.
        The envs fold (``sim.weld_idle``); the workspace reads the unfolded model's links, since one
        pelvis box that spans the feet would move the bench (GR1-T2: 2.5 cm).
    """
    code = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()  # a change to this module writes the file again
    key = repr((sorted((k, round(float(v), 12)) for k, v in angles.items()), merge, code))
    tag = hashlib.sha1(key.encode()).hexdigest()[:12]
    out = Path(asset.urdf_path).with_name(f"robot-welded-{tag}.urdf")
    if out.exists():
        return out
    tree = ET.parse(asset.urdf_path)
    root = tree.getroot()
    for j in root.findall("joint"):
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
    if merge:
        named = _card_links(asset.card)
        children: dict[str, list[ET.Element]] = {}
        for j in root.findall("joint"):
            children.setdefault(j.find("parent").get("link"), []).append(j)

        def foldable(link: str) -> bool:  # only fixed joints below, no link the card names
            return link not in named and all(c.get("type") == "fixed" and foldable(c.find("child").get("link"))
                                             for c in children.get(link, []))

        for j in list(root.findall("joint")):
            if j.get("name") in angles and any(x is j for x in root) and foldable(j.find("child").get("link")):
                fold_subtree(root, j)  # (a joint inside a subtree folded before is gone already)
    tmp = out.with_name(f"{out.name}.{os.getpid()}.tmp")  # vec-env workers may write it at once: rename is atomic
    tree.write(tmp, encoding="unicode", xml_declaration=True)
    os.replace(tmp, out)
    return out


def _card_links(card) -> set[str]:
    """Links a card refers to by name (they must survive a fold)."""
    out = {card.torso_link, card.head_camera.link}
    for arm in card.arms.values():
        out.add(arm.ee_link)
        if getattr(arm, "wrist_camera", None) is not None:
            out.add(arm.wrist_camera.link)
    return out


def _inertial(link: ET.Element) -> tuple[float, np.ndarray, np.ndarray]:
    """Mass, centre of mass and inertia tensor about it, in the link frame."""
    el = link.find("inertial")
    if el is None:
        return 0.0, np.zeros(3), np.zeros((3, 3))
    m_el, i_el = el.find("mass"), el.find("inertia")
    m = float(m_el.get("value", 0) or 0) if m_el is not None else 0.0
    T = origin_T(el)
    g = (lambda k: float(i_el.get(k, 0) or 0)) if i_el is not None else (lambda k: 0.0)  # noqa: E731
    Ic = np.array([[g("ixx"), g("ixy"), g("ixz")], [g("ixy"), g("iyy"), g("iyz")], [g("ixz"), g("iyz"), g("izz")]])
    R = T[:3, :3]
    return m, T[:3, 3], R @ Ic @ R.T


def _set_inertial(link: ET.Element, m: float, c: np.ndarray, I: np.ndarray) -> None:
    """Write mass, centre of mass and inertia (link frame) as a principal-axes <inertial> (PyBullet reads
    only the diagonal of the tensor, in the inertial frame's orientation)."""
    from .geometry import fmt, matrix_to_rpy

    w, V = np.linalg.eigh(0.5 * (I + I.T))
    if np.linalg.det(V) < 0:
        V[:, 0] = -V[:, 0]
    el = link.find("inertial")
    if el is None:
        el = ET.SubElement(link, "inertial")
    for child in list(el):
        el.remove(child)
    ET.SubElement(el, "origin", xyz=fmt(c), rpy=fmt(matrix_to_rpy(V)))
    ET.SubElement(el, "mass", value=f"{m:.9g}")
    ET.SubElement(el, "inertia", ixx=f"{max(w[0], 0):.9g}", ixy="0", ixz="0", iyy=f"{max(w[1], 0):.9g}", iyz="0",
                  izz=f"{max(w[2], 0):.9g}")


def fold_subtree(root: ET.Element, joint: ET.Element) -> None:
    """Fold a fixed joint's child link, and every link below it (all hung by fixed joints), into the
    joint's parent link: their visuals and collisions move there (origins composed), their masses and
    inertias combine (parallel-axis theorem), and the links and joints disappear."""
    links = {lk.get("name"): lk for lk in root.findall("link")}
    below: dict[str, list[ET.Element]] = {}
    for j in root.findall("joint"):
        below.setdefault(j.find("parent").get("link"), []).append(j)
    parent = links[joint.find("parent").get("link")]
    m0, c0, I0 = _inertial(parent)
    masses, coms, inertias = [m0], [c0], [I0]
    stack = [(joint, origin_T(joint))]
    while stack:
        j, T = stack.pop()  # T: the child link's frame in the parent's
        child = links[j.find("child").get("link")]
        for tag in ("visual", "collision"):
            for el in child.findall(tag):
                set_origin(el, T @ origin_T(el))
                parent.append(el)
        m, c, I = _inertial(child)
        if m > 0:
            masses.append(m)
            coms.append(T[:3, :3] @ c + T[:3, 3])
            inertias.append(T[:3, :3] @ I @ T[:3, :3].T)
        for k in below.get(child.get("name"), []):
            stack.append((k, T @ origin_T(k)))
        root.remove(j)
        root.remove(child)
    M = float(sum(masses))
    if M > 0:
        C = sum(m * c for m, c in zip(masses, coms)) / M
        I = sum(Ii + m * ((d @ d) * np.eye(3) - np.outer(d, d)) for m, Ii, d in
                zip(masses, inertias, (c - C for c in coms)))
        _set_inertial(parent, M, C, I)
