"""Repairs of what vendor models evidently get wrong by accident (each one reported as a warning).

- **Inertia noise:** exporters write ``ixx="-5.42101e-20"`` for a zero; negative moments within
  :data:`NOISE_INERTIA` of zero read as zero. A clearly negative moment is still refused.
- **Missing inertia:** a link with a mass but a zero or singular inertia tensor gets the inertia of its
  collision geometry at its mass (as MuJoCo's ``inertiafromgeom`` does), about the link's stated
  centre of mass; with no collision geometry its visual geometry, and with none at all a sphere of
  water density.
- **Dummy roots:** a ``base_link`` joined to the model's root only through fixed joints becomes the
  root: the links above it are merged into it (their inertials, visuals, collisions and child joints
  carried over with their poses), as a vendor's ``base_link → fixed → root_link`` frame pair needs.
"""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np

from .geometry import _floats, fmt, origin_T, set_origin

#: kg·m²: inertia entries this close to zero are floating-point noise (a 10 g link 1 cm across has ~1e-7)
NOISE_INERTIA = 1e-9
#: a tensor whose smallest principal moment is below this fraction of its largest is singular
SINGULAR = 1e-9
_KEYS = ("ixx", "iyy", "izz", "ixy", "ixz", "iyz")


def tensor(I) -> np.ndarray:
    ixx, iyy, izz, ixy, ixz, iyz = I
    return np.array([[ixx, ixy, ixz], [ixy, iyy, iyz], [ixz, iyz, izz]], dtype=float)


def denoise(I: list[float]) -> tuple[list[float], bool]:
    """``I`` with negative principal entries (ixx, iyy, izz) within :data:`NOISE_INERTIA` of zero set to
    zero (products of inertia may be negative: they are left alone); whether any changed."""
    out = [0.0 if (k < 3 and -NOISE_INERTIA <= x < 0.0) else x for k, x in enumerate(I)]
    return out, out != list(I)


def singular(I) -> bool:
    """A zero, singular (or, within noise, semi-definite) tensor: one to take from the geometry."""
    ev = np.linalg.eigvalsh(tensor(I))
    return bool(ev.max() <= NOISE_INERTIA or abs(ev.min()) <= max(SINGULAR * ev.max(), NOISE_INERTIA))


def _geometry_meshes(link: ET.Element, kind: str):
    import trimesh

    meshes = []
    for el in link.findall(kind):
        g = el.find("geometry")
        if g is None or len(g) == 0:
            continue
        s = g[0]
        try:
            if s.tag == "box":
                m = trimesh.creation.box(extents=_floats(s.get("size"), 3))
            elif s.tag == "cylinder":
                m = trimesh.creation.cylinder(radius=float(s.get("radius")), height=float(s.get("length")))
            elif s.tag == "sphere":
                m = trimesh.creation.icosphere(subdivisions=2, radius=float(s.get("radius")))
            elif s.tag == "capsule":
                m = trimesh.creation.capsule(radius=float(s.get("radius")), height=float(s.get("length")))
            elif s.tag == "mesh":
                m = trimesh.load(s.get("filename"), force="mesh")
                if s.get("scale"):
                    m.apply_scale(_floats(s.get("scale"), 3))
            else:
                continue
        except Exception:  # an unreadable piece of geometry is skipped; the fallbacks below still apply
            continue
        if not m.is_watertight or m.volume <= 0:
            m = m.bounding_box_oriented  # meshes that enclose no volume: their oriented box
        m.apply_transform(origin_T(el))
        meshes.append(m)
    return meshes


def geometry_inertia(link: ET.Element, mass: float, frame: np.ndarray) -> tuple[list[float], str]:
    """(ixx, iyy, izz, ixy, ixz, iyz) of ``link``'s geometry at ``mass`` in ``frame`` (4×4, the link's
    inertial frame: origin at its stated centre of mass), and what it was computed from."""
    import trimesh

    for kind in ("collision", "visual"):
        meshes = _geometry_meshes(link, kind)
        if meshes:
            m = trimesh.util.concatenate(meshes)
            m.density = mass / m.volume
            I = m.moment_inertia_frame(frame)
            return [I[0, 0], I[1, 1], I[2, 2], I[0, 1], I[0, 2], I[1, 2]], f"its {kind} geometry"
    r = (3 * mass / (4 * math.pi * 1000.0)) ** (1 / 3)
    i = 0.4 * mass * r * r
    return [i, i, i, 0.0, 0.0, 0.0], f"a sphere of water density (r = {r:.3f} m; the link has no geometry)"


def set_inertia(inertial: ET.Element, I: list[float]) -> None:
    el = inertial.find("inertia")
    if el is None:
        el = ET.SubElement(inertial, "inertia")
    for k, v in zip(_KEYS, I):
        el.set(k, f"{v:.9g}")


# --- dummy roots --------------------------------------------------------------------------------------
def fixed_path(root: ET.Element, top: str, base: str) -> list[ET.Element] | None:
    """The joints from link ``top`` down to link ``base`` if every one is fixed, else None."""
    parent = {j.find("child").get("link"): j for j in root.findall("joint")}
    path, cur = [], base
    while cur != top:
        j = parent.get(cur)
        if j is None or j.get("type") != "fixed":
            return None
        path.append(j)
        cur = j.find("parent").get("link")
    return path[::-1]


def _inertial(el: ET.Element | None):
    """(mass, com pose 4×4 in the link frame, 3×3 inertia in that pose) or None."""
    if el is None or el.find("mass") is None:
        return None
    m = float(el.find("mass").get("value", "0"))
    i = el.find("inertia")
    I = tensor([float(i.get(k, "0")) for k in _KEYS]) if i is not None else np.zeros((3, 3))
    return m, origin_T(el), I


def _combine(parts):
    """Mass, centre of mass and inertia (about the com, base axes) of inertials given in one frame."""
    M = sum(m for m, _, _ in parts)
    c = sum(m * T[:3, 3] for m, T, _ in parts) / M
    I = np.zeros((3, 3))
    for m, T, Ii in parts:
        R, d = T[:3, :3], T[:3, 3] - c
        I += R @ Ii @ R.T + m * (np.dot(d, d) * np.eye(3) - np.outer(d, d))
    return M, c, I


def merge_dummy_root(root: ET.Element, top: str, base: str, warnings: list[str]) -> bool:
    """Make ``base`` the root by merging the links above it into it, when only fixed joints join them."""
    path = fixed_path(root, top, base)
    if not path:
        return False
    links = {l.get("name"): l for l in root.findall("link")}
    B = links[base]
    # pose of each dummy link in the base frame: inverse of the chain below it
    chain = [j.find("parent").get("link") for j in path]
    pose_in_base, X = {}, np.eye(4)
    for j, name in zip(reversed(path), reversed(chain)):
        X = origin_T(j) @ X  # base pose in `name`'s frame
        pose_in_base[name] = np.linalg.inv(X)
    parts = []
    bi = _inertial(B.find("inertial"))
    if bi and bi[0] > 0:
        parts.append(bi)
    for name in chain:
        L, T = links[name], pose_in_base[name]
        li = _inertial(L.find("inertial"))
        if li and li[0] > 1e-3:  # a real mass rides on the dummy link: it joins the base's
            parts.append((li[0], T @ li[1], li[2]))
        for kind in ("visual", "collision"):
            for el in L.findall(kind):
                set_origin(el, T @ origin_T(el))
                B.append(el)
        for j in root.findall("joint"):
            if j.find("parent").get("link") == name and j not in path:
                j.find("parent").set("link", base)
                set_origin(j, T @ origin_T(j))
        root.remove(L)
    for j in path:
        root.remove(j)
    if len(parts) > 1 or (parts and bi is None):
        M, c, I = _combine(parts)
        old = B.find("inertial")
        if old is not None:
            B.remove(old)
        el = ET.Element("inertial")
        ET.SubElement(el, "origin", xyz=fmt(c), rpy="0 0 0")
        ET.SubElement(el, "mass", value=f"{M:.9g}")
        B.insert(0, el)
        set_inertia(el, [I[0, 0], I[1, 1], I[2, 2], I[0, 1], I[0, 2], I[1, 2]])
    warnings.append(f"base_link '{base}' is joined to the model root '{top}' by fixed joints only: merged "
                    f"{', '.join(repr(n) for n in chain)} into it (the dummy root frame is gone; poses kept)")
    return True
