"""Procedurally perturbed bodies: variants of any robot card, for training beyond the bodies vendors ship.

A variant is named ``<robot>-m<seed>`` (``unitree_h1-m3``) and usable wherever a robot name is: it is
the robot's card and processed model with, drawn from ``seed``:

- an overall scale ``s`` (every length, mesh and offset × s; masses × s³, inertias × s⁵; standing
  height, TCP and camera offsets × s);
- two limb factors per body (the same on both arms, so the body stays symmetric): the upper arm's and
  the forearm's joint offsets (and their links' geometry) × ``upper`` / ``fore``, the TCP offset ×
  ``fore`` — the arm chain is split where its cumulative length passes half;
- joint ranges shrunk by up to :attr:`Morph.limits` of their width around their centre (never past the
  default pose, which stays inside with a margin);
- every link mass (and inertia) × a factor within ± :attr:`Morph.mass`;
- PD gains (kp, kd) × one factor within ± :attr:`Morph.pd`.

The variant's asset is written to the asset cache under a key that hashes the base asset's key, the
perturbation and this module's source, so it is built once and reused like any robot.
"""
from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

NAME = re.compile(r"^(?P<base>[a-z0-9_]+)-m(?P<seed>[0-9]+)$")


@dataclass(frozen=True)
class Morph:
    """Ranges of the perturbation (fractions: 0.2 = ±20 %)."""

    scale: float = 0.2
    limb: float = 0.2
    limits: float = 0.2
    mass: float = 0.2
    pd: float = 0.2


@dataclass(frozen=True)
class Draw:
    """One variant's drawn factors."""

    seed: int
    scale: float
    upper: float
    fore: float
    limits: float
    pd: float
    mass_seed: int


def draw(seed: int, m: Morph = Morph()) -> Draw:
    rng = np.random.default_rng([seed, 0x6D6F7270])
    u = lambda r: float(1.0 + rng.uniform(-r, r))  # noqa: E731
    return Draw(seed=int(seed), scale=u(m.scale), upper=u(m.limb), fore=u(m.limb), limits=float(rng.uniform(0, m.limits)),
                pd=u(m.pd), mass_seed=int(rng.integers(2**31)))


def split_name(name: str) -> tuple[str, int] | None:
    """``"unitree_h1-m3"`` -> ``("unitree_h1", 3)``; None for a plain name."""
    m = NAME.match(str(name))
    return (m["base"], int(m["seed"])) if m else None


def variant_names(robots: list[str], n: int, seed: int = 0) -> list[str]:
    """``n`` variant names spread over ``robots`` in turn: variant i of robot ``robots[i % R]`` has seed
    ``seed + i``."""
    return [f"{robots[i % len(robots)]}-m{seed + i}" for i in range(int(n))]


def _scale3(text: str | None, f: float, default: str = "0 0 0") -> str:
    return " ".join(f"{float(x) * f:.9g}" for x in (text or default).split())


def _arm_factors(card, joints_by_child: dict[str, ET.Element], d: Draw) -> dict[str, float]:
    """Joint name -> limb factor for the arm chains (the first joint of each arm stays: the shoulder
    sits where the torso puts it)."""
    by_name = {j.get("name"): j for j in joints_by_child.values()}
    out: dict[str, float] = {}
    for arm in card.arms.values():
        # the URDF chain from the first arm joint to the ee link
        chain, link = [], arm.ee_link
        first = by_name.get(arm.joints[0])
        while link in joints_by_child:
            j = joints_by_child[link]
            chain.append(j)
            if j is first:
                break
            link = j.find("parent").get("link")
        chain.reverse()
        if not chain or chain[0] is not first:
            continue
        lengths = [float(np.linalg.norm([float(x) for x in (j.find("origin").get("xyz", "0 0 0") if j.find("origin") is not None
                                                             else "0 0 0").split()])) for j in chain[1:]]
        total, acc = sum(lengths) or 1.0, 0.0
        for j, ln in zip(chain[1:], lengths):
            out[j.get("name")] = d.upper if acc + ln / 2 <= total / 2 else d.fore
            acc += ln
    return out


def perturb_urdf(root: ET.Element, card, d: Draw) -> dict:
    """Apply the draw to a processed URDF tree in place; returns {joint: (lower, upper)} of the new limits."""
    s = d.scale
    joints_by_child = {j.find("child").get("link"): j for j in root.findall("joint")}
    limb = _arm_factors(card, joints_by_child, d)
    link_factor: dict[str, float] = {}
    for j in root.findall("joint"):
        f = s * limb.get(j.get("name"), 1.0)
        o = j.find("origin")
        if o is not None:
            o.set("xyz", _scale3(o.get("xyz"), f))
        if j.get("name") in limb:  # the link hanging from a scaled segment is stretched with it
            link_factor[j.find("child").get("link")] = limb[j.get("name")]
    rng = np.random.default_rng(d.mass_seed)
    for link in root.findall("link"):
        g = s * link_factor.get(link.get("name"), 1.0)
        for tag in ("visual", "collision"):
            for el in link.findall(tag):
                o = el.find("origin")
                if o is not None:
                    o.set("xyz", _scale3(o.get("xyz"), g))
                geo = el.find("geometry")
                if geo is None:
                    continue
                for shape in geo:
                    if shape.tag == "mesh":
                        shape.set("scale", _scale3(shape.get("scale"), g, "1 1 1"))
                    elif shape.tag == "box":
                        shape.set("size", _scale3(shape.get("size"), g))
                    elif shape.tag in ("cylinder", "capsule"):
                        shape.set("radius", f"{float(shape.get('radius')) * g:.9g}")
                        shape.set("length", f"{float(shape.get('length')) * g:.9g}")
                    elif shape.tag == "sphere":
                        shape.set("radius", f"{float(shape.get('radius')) * g:.9g}")
        inert = link.find("inertial")
        if inert is not None:
            mf = float(1.0 + rng.uniform(-0.2, 0.2))
            o = inert.find("origin")
            if o is not None:
                o.set("xyz", _scale3(o.get("xyz"), g))
            m = inert.find("mass")
            if m is not None:
                m.set("value", f"{float(m.get('value')) * s ** 3 * mf:.9g}")
            i = inert.find("inertia")
            if i is not None:
                for k in ("ixx", "iyy", "izz", "ixy", "ixz", "iyz"):
                    if i.get(k) is not None:
                        i.set(k, f"{float(i.get(k)) * s ** 5 * mf:.9g}")
    limits = {}
    for j in root.findall("joint"):
        lim = j.find("limit")
        if j.get("type") not in ("revolute", "prismatic") or lim is None or lim.get("lower") is None:
            continue
        lo, hi = float(lim.get("lower")), float(lim.get("upper"))
        c, h = (lo + hi) / 2, (hi - lo) / 2 * (1.0 - d.limits)
        q0 = float(card.default_pose.get(j.get("name"), 0.0))
        nlo, nhi = min(c - h, q0 - 0.1), max(c + h, q0 + 0.1)  # the default pose stays inside with a margin
        nlo, nhi = max(nlo, lo), min(nhi, hi)
        lim.set("lower", f"{nlo:.9g}")
        lim.set("upper", f"{nhi:.9g}")
        limits[j.get("name")] = (nlo, nhi)
    return limits


def variant_card(base, seed: int, m: Morph = Morph()):
    """The card of variant ``seed`` of ``base``: scaled offsets, standing height and PD gains."""
    d = draw(seed, m)
    data = base.model_dump(mode="json", exclude_none=True)
    data["name"] = f"{base.name}-m{seed}"
    data["model"] = f"{base.model} (variant m{seed}: scale {d.scale:.2f}, upper arm {d.upper:.2f}, forearm {d.fore:.2f})"
    data["description"] = f"Procedural variant {seed} of {base.name}; see humanoid_ground.robots.morph."
    data["standing_height"] = base.standing_height * d.scale
    for arm in data.get("arms", {}).values():
        arm["tcp_xyz"] = [x * d.scale * d.fore for x in arm.get("tcp_xyz", [0, 0, 0])]
        if "wrist_camera" in arm:
            arm["wrist_camera"]["xyz"] = [x * d.scale * d.fore for x in arm["wrist_camera"]["xyz"]]
    data["head_camera"]["xyz"] = [x * d.scale for x in data["head_camera"]["xyz"]]
    pd = data.setdefault("pd", {})
    pd["kp"] = pd.get("kp", 200.0) * d.pd
    pd["kd"] = pd.get("kd", 10.0) * d.pd
    for o in pd.get("overrides", {}).values():
        for k in ("kp", "kd"):
            if o.get(k):
                o[k] *= d.pd
    from .card import parse_card

    card = parse_card(data, where=f"variant {data['name']}", card_path=base.card_path, builtin=base.builtin)
    card.morph_of = (base, d)
    return card


def morph_key(base_key: str, d: Draw) -> str:
    h = hashlib.sha256()
    h.update(base_key.encode())
    h.update(json.dumps(asdict(d), sort_keys=True).encode())
    h.update(Path(__file__).read_bytes())  # the code that makes the variant is part of its identity
    return h.hexdigest()[:24]
