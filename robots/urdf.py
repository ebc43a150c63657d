"""URDF post-processing shared by both importers.

Takes a parsed URDF (from a vendor file, or written by the MJCF importer) and makes it safe for
PyBullet: structure checked, mesh URIs resolved to absolute paths, unreadable formats converted,
missing or bad inertials reported, collision geometry turned into the card's collision model.
"""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from humanoid_ground.errors import HGroundError

from .geometry import _floats, fmt, origin_T, set_origin
from .mesh import MeshConverter
from .repair import NOISE_INERTIA, denoise, geometry_inertia, set_inertia, singular
from .resolve import resolve_uri

#: mass given to links that have no <inertial> (instead of PyBullet's silent 1 kg)
PLACEHOLDER_MASS = 1e-3
PLACEHOLDER_INERTIA = 1e-6


def parse_urdf(path: Path) -> ET.ElementTree:
    """Parse a URDF file; malformed XML is a one-line error with the line number."""
    try:
        tree = ET.parse(path)
    except ET.ParseError as err:
        line, col = err.position
        raise HGroundError(f"{path}: malformed XML at line {line}, column {col}: {err.msg if hasattr(err, 'msg') else err}; fix the file") from None
    root = tree.getroot()
    if root.tag != "robot":
        raise HGroundError(f"{path}: root element is <{root.tag}>, expected <robot>; is this a URDF file?")
    return tree


def check_structure(root: ET.Element, path: Path) -> str:
    """Links named once, joints naming existing links, one root, a tree. Returns the root link name."""
    links = [l.get("name") for l in root.findall("link")]
    if not links:
        raise HGroundError(f"{path}: the URDF has no <link>; is this a robot description?")
    seen: set[str] = set()
    for n in links:
        if not n:
            raise HGroundError(f"{path}: a <link> has no name attribute; name every link")
        if n in seen:
            raise HGroundError(f"{path}: link '{n}' is defined twice; rename one of them")
        seen.add(n)
    children: dict[str, str] = {}
    for j in root.findall("joint"):
        jn = j.get("name") or "?"
        par, chi = j.find("parent"), j.find("child")
        if par is None or chi is None:
            raise HGroundError(f"{path}: joint '{jn}' lacks a <parent> or <child> element; add both")
        pl, cl = par.get("link"), chi.get("link")
        if pl not in seen:
            raise HGroundError(f"{path}: joint '{jn}' names parent link '{pl}', which does not exist; fix <parent link=...> or add the link")
        if cl not in seen:
            raise HGroundError(f"{path}: joint '{jn}' names child link '{cl}', which does not exist; fix <child link=...> or add the link")
        if cl in children:
            raise HGroundError(f"{path}: link '{cl}' is the child of two joints ('{children[cl]}' and '{jn}'); a URDF must be a tree")
        children[cl] = jn
        jt = j.get("type")
        if jt not in {"revolute", "continuous", "prismatic", "fixed", "floating", "planar"}:
            raise HGroundError(f"{path}: joint '{jn}' has unknown type '{jt}'; use revolute, continuous, prismatic or fixed")
        if jt in {"revolute", "prismatic"}:
            lim = j.find("limit")
            if lim is None:
                raise HGroundError(f"{path}: {jt} joint '{jn}' has no <limit>; add lower/upper/effort/velocity")
    roots = [n for n in links if n not in children]
    if len(roots) != 1:
        raise HGroundError(f"{path}: the URDF must have exactly one root link, found {len(roots)} ({', '.join(roots[:5])}); connect them with joints")
    return roots[0]


def check_inertials(root: ET.Element, path: Path, warnings: list[str]) -> dict[str, dict]:
    """Reject non-finite or negative masses/inertias; give links without <inertial> a tiny placeholder.

    Returns per-link {mass, inertia: [ixx, iyy, izz, ixy, ixz, iyz], placeholder}.
    """
    out: dict[str, dict] = {}
    for link in root.findall("link"):
        name = link.get("name")
        inert = link.find("inertial")
        if inert is None:
            inert = ET.SubElement(link, "inertial")
            ET.SubElement(inert, "origin", xyz="0 0 0", rpy="0 0 0")
            ET.SubElement(inert, "mass", value=f"{PLACEHOLDER_MASS}")
            ET.SubElement(inert, "inertia", ixx=f"{PLACEHOLDER_INERTIA}", iyy=f"{PLACEHOLDER_INERTIA}", izz=f"{PLACEHOLDER_INERTIA}", ixy="0", ixz="0", iyz="0")
            warnings.append(f"link '{name}' has no <inertial>: given {PLACEHOLDER_MASS} kg (PyBullet would silently use 1 kg); add an inertial to the model")
            out[name] = {"mass": PLACEHOLDER_MASS, "inertia": [PLACEHOLDER_INERTIA] * 3 + [0.0] * 3, "placeholder": True}
            continue
        m_el, i_el = inert.find("mass"), inert.find("inertia")
        try:
            mass = float(m_el.get("value")) if m_el is not None else float("nan")
        except (TypeError, ValueError):
            mass = float("nan")
        if not math.isfinite(mass) or mass < 0:
            raise HGroundError(f"{path}: link '{name}': mass {m_el.get('value') if m_el is not None else '(missing)'} is not a finite non-negative number; fix <mass value=...>")
        keys = ["ixx", "iyy", "izz", "ixy", "ixz", "iyz"]
        try:
            I = [float(i_el.get(k, "0")) for k in keys] if i_el is not None else [float("nan")] * 6
        except ValueError:
            I = [float("nan")] * 6
        noisy = False
        if all(math.isfinite(x) for x in I):
            I, noisy = denoise(I)
            if noisy:
                set_inertia(inert, I)
        if not all(math.isfinite(x) for x in I) or min(I[:3]) < 0:
            raise HGroundError(f"{path}: link '{name}': inertia {dict(zip(keys, I))} has a NaN/inf or negative diagonal; fix <inertia>")
        if mass == 0:
            mass = PLACEHOLDER_MASS
            m_el.set("value", f"{mass}")
            if max(I[:3]) <= 0:
                for k in keys[:3]:
                    i_el.set(k, f"{PLACEHOLDER_INERTIA}")
                I[:3] = [PLACEHOLDER_INERTIA] * 3
            warnings.append(f"link '{name}' has zero mass: given {PLACEHOLDER_MASS} kg (PyBullet treats 0 as 1 kg on moving links)")
        out[name] = {"mass": mass, "inertia": I, "placeholder": False}
        if mass > PLACEHOLDER_MASS and singular(I):
            out[name]["repair"] = "noise" if noisy else True  # by repair_inertias, once the meshes are readable
        elif noisy:
            warnings.append(f"link '{name}': inertia entries within {NOISE_INERTIA:g} of zero (floating-point noise) read as 0")
    return out


def repair_inertias(root: ET.Element, links: dict[str, dict], warnings: list[str]) -> None:
    """Links with a mass but a zero or singular inertia (marked by :func:`check_inertials`) get the
    inertia of their geometry at their mass (see :mod:`.repair`); call after :func:`process_meshes`."""
    for link in root.findall("link"):
        d = links.get(link.get("name"))
        why = d.pop("repair", False) if d else False
        if not why:
            continue
        inert = link.find("inertial")
        Ig, how = geometry_inertia(link, d["mass"], origin_T(inert))
        was = d["inertia"]
        d["inertia"] = [float(x) for x in Ig]
        set_inertia(inert, d["inertia"])
        warnings.append(f"link '{link.get('name')}': mass {d['mass']:g} kg with a zero or singular inertia "
                        f"{[float(f'{x:.3g}') for x in was]}{' (entries within noise of 0 read as 0)' if why == 'noise' else ''}: given the inertia of {how} at that mass; check the model's <inertial>")


def process_meshes(root: ET.Element, model_file: Path, package_paths: list[str], card_dir: Path,
                   conv: MeshConverter, collision: str) -> dict[str, int]:
    """Resolve every mesh, convert formats, and apply the collision model. Returns counts."""
    counts = {"visual_meshes": 0, "collision_meshes": 0, "collision_primitives": 0}
    for link in root.findall("link"):
        lname = link.get("name")
        for kind in ("visual", "collision"):
            for i, el in enumerate(link.findall(kind)):
                g = el.find("geometry")
                if g is None or len(g) == 0:
                    raise HGroundError(f"{model_file}: link '{lname}' <{kind}> #{i} has no <geometry>; add one or remove the element")
                shape = g[0]
                if shape.tag != "mesh":
                    if kind == "collision":
                        counts["collision_primitives"] += 1
                    continue
                uri = shape.get("filename")
                what = f"link '{lname}' <{kind}> mesh"
                if not uri:
                    raise HGroundError(f"{model_file}: {what} has no filename; fix the <mesh> element")
                src = resolve_uri(uri, model_file, package_paths, card_dir, what)
                scale = _floats(shape.get("scale"), 3, 1.0) if shape.get("scale") else np.ones(3)
                if kind == "visual":
                    shape.set("filename", str(conv.readable(src, what)))
                    counts["visual_meshes"] += 1
                    continue
                if collision == "primitive":
                    T, ext = conv.obb(src, scale, what)
                    set_origin(el, origin_T(el) @ T)
                    g.remove(shape)
                    ET.SubElement(g, "box", size=fmt(ext))
                    counts["collision_primitives"] += 1
                    continue
                out = conv.hull(src, scale, what) if collision == "convex" else conv.decompose(src, scale, what)
                shape.set("filename", str(out))
                shape.attrib.pop("scale", None)
                counts["collision_meshes"] += 1
    return counts


def apply_joint_limits(root: ET.Element, limits: dict[str, tuple[float, float]], path: Path) -> None:
    """Card-given joint limits override (or add) the model's: for models that leave joints unlimited."""
    joints = {j.get("name"): j for j in root.findall("joint")}
    for name, (lo, hi) in limits.items():
        j = joints.get(name)
        if j is None:
            raise HGroundError(f"{path}: card joint_limits names joint '{name}', which the model does not have; fix the card")
        if j.get("type") == "continuous":
            j.set("type", "revolute")
        lim = j.find("limit")
        if lim is None:
            lim = ET.SubElement(j, "limit", effort="100", velocity="10")
        lim.set("lower", f"{lo}")
        lim.set("upper", f"{hi}")


def fix_efforts(root: ET.Element, warnings: list[str], default: float = 10.0) -> None:
    """Movable joints with a zero or missing effort limit would have powerless motors in PyBullet."""
    for j in root.findall("joint"):
        if j.get("type") not in ("revolute", "continuous", "prismatic"):
            continue
        lim = j.find("limit")
        if lim is None:
            lim = ET.SubElement(j, "limit", velocity="10")
        try:
            eff = float(lim.get("effort", "0"))
        except ValueError:
            eff = 0.0
        if not math.isfinite(eff) or eff <= 0:
            lim.set("effort", f"{default}")
            warnings.append(f"joint '{j.get('name')}' has no positive effort limit: using {default} N·m")
