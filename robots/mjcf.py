"""MJCF -> URDF through MuJoCo's own compiled model.

Compiling with MuJoCo resolves defaults, classes, includes, ``meshdir`` and frame conventions, so
what we write is what MuJoCo simulates: collision geoms (sphere, box, cylinder, capsule, mesh),
inertials, joint limits, damping, friction loss, armature (recorded), and actuator effort limits.
The body holding the free joint becomes the URDF root (PyBullet's floating base); bodies welded to
the world outside the robot's tree are dropped, so no massless ``world`` root is created.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from humanoid_ground.errors import HGroundError

from .geometry import fmt, make_T, matrix_to_rpy, quat_wxyz_to_matrix
from .mesh import write_obj

# mjtGeom / mjtJoint values (stable across MuJoCo 2.x-4.x)
PLANE, HFIELD, SPHERE, CAPSULE, ELLIPSOID, CYLINDER, BOX, MESH = 0, 1, 2, 3, 4, 5, 6, 7
FREE, BALL, SLIDE, HINGE = 0, 1, 2, 3
DUMMY_MASS, DUMMY_INERTIA = 1e-3, 1e-6


def compile_mjcf(path: Path):
    import mujoco

    try:
        return mujoco.MjModel.from_xml_path(str(path))
    except Exception as err:  # mujoco raises ValueError with a multi-line message
        first = str(err).strip().splitlines()
        msg = " ".join(first[:2]) if first else type(err).__name__
        raise HGroundError(f"{path}: MuJoCo cannot compile this MJCF: {msg}; fix the file") from None


def _name(m, objtype: str, i: int, fallback: str) -> str:
    n = getattr(m, objtype)(i).name
    return n if n else fallback


def _origin(parent: ET.Element, T: np.ndarray) -> None:
    ET.SubElement(parent, "origin", xyz=fmt(T[:3, 3]), rpy=fmt(matrix_to_rpy(T[:3, :3])))


def _trans(v) -> np.ndarray:
    return make_T(v)


def _effort(m, j: int, warnings: list[str], jname: str) -> float:
    if m.jnt_actfrclimited[j]:
        return float(max(abs(m.jnt_actfrcrange[j][0]), abs(m.jnt_actfrcrange[j][1])))
    for a in range(m.nu):
        if m.actuator_trntype[a] == 0 and m.actuator_trnid[a][0] == j:  # mjTRN_JOINT
            if m.actuator_forcelimited[a]:
                return float(max(abs(m.actuator_forcerange[a][0]), abs(m.actuator_forcerange[a][1])))
            if m.actuator_biastype[a] == 0 and m.actuator_ctrllimited[a]:  # a motor: ctrl * gear is torque
                return float(max(abs(m.actuator_ctrlrange[a][0]), abs(m.actuator_ctrlrange[a][1])) * abs(m.actuator_gear[a][0]))
    warnings.append(f"joint '{jname}' has no effort limit in the MJCF (no actuator force range): using 100 N·m")
    return 100.0


def mjcf_to_urdf(path: Path, mesh_dir: Path, warnings: list[str]) -> tuple[ET.ElementTree, dict]:
    """Convert an MJCF file. Returns the URDF tree and extra per-joint data (armature, ...)."""
    m = compile_mjcf(path)
    mesh_dir.mkdir(parents=True, exist_ok=True)
    children: dict[int, list[int]] = {}
    for b in range(1, m.nbody):
        children.setdefault(int(m.body_parentid[b]), []).append(b)
    top = children.get(0, [])
    free_roots = [b for b in top if m.body_jntnum[b] > 0 and m.jnt_type[m.body_jntadr[b]] == FREE]
    if free_roots:
        root_body = free_roots[0]
    else:
        cands = [b for b in top if m.body_subtreemass[b] > 0]
        if not cands:
            raise HGroundError(f"{path}: no body with mass under <worldbody>; nothing to import")
        root_body = max(cands, key=lambda b: m.body_subtreemass[b])
    dropped = [m.body(b).name for b in top if b != root_body]
    if dropped:
        warnings.append(f"MJCF bodies outside the robot tree dropped: {', '.join(dropped)}")

    robot = ET.Element("robot", name=m.names[: m.names.index(b"\0")].decode() if m.names else "robot")
    extra: dict = {"joints": {}, "root": _name(m, "body", root_body, "base")}
    exported_meshes: dict[int, str] = {}
    used_names: set[str] = set()
    anchor: dict[int, np.ndarray] = {}

    def link_el(name: str) -> ET.Element:
        used_names.add(name)
        return ET.SubElement(robot, "link", name=name)

    def add_inertial(link: ET.Element, mass: float, T: np.ndarray, I) -> None:
        inert = ET.SubElement(link, "inertial")
        _origin(inert, T)
        ET.SubElement(inert, "mass", value=f"{mass:.9g}")
        ET.SubElement(inert, "inertia", ixx=f"{I[0]:.9g}", iyy=f"{I[1]:.9g}", izz=f"{I[2]:.9g}", ixy="0", ixz="0", iyz="0")

    def mesh_file(dataid: int) -> str:
        if dataid not in exported_meshes:
            va, vn = m.mesh_vertadr[dataid], m.mesh_vertnum[dataid]
            fa, fn = m.mesh_faceadr[dataid], m.mesh_facenum[dataid]
            name = _name(m, "mesh", dataid, f"mesh{dataid}")
            out = mesh_dir / f"mj_{dataid}_{''.join(c if c.isalnum() or c in '-_' else '_' for c in name)}.obj"
            write_obj(m.mesh_vert[va: va + vn], m.mesh_face[fa: fa + fn], out)
            exported_meshes[dataid] = str(out)
        return exported_meshes[dataid]

    def add_geoms(link: ET.Element, b: int, off: np.ndarray) -> None:
        for g in range(m.ngeom):
            if m.geom_bodyid[g] != b:
                continue
            gt = int(m.geom_type[g])
            is_col = bool(m.geom_contype[g] or m.geom_conaffinity[g]) or m.geom_group[g] == 3
            is_vis = m.geom_group[g] <= 2 and m.geom_rgba[g][3] > 0
            if gt in (PLANE, HFIELD):
                warnings.append(f"geom '{_name(m, 'geom', g, str(g))}' ({'plane' if gt == PLANE else 'hfield'}) on a robot body is not supported: skipped")
                continue
            T = _trans(-off) @ make_T(m.geom_pos[g], quat_wxyz_to_matrix(m.geom_quat[g]))
            size = m.geom_size[g]
            for kind, on in (("collision", is_col), ("visual", is_vis)):
                if not on:
                    continue
                el = ET.SubElement(link, kind, name=_name(m, "geom", g, f"geom{g}"))
                _origin(el, T)
                geo = ET.SubElement(el, "geometry")
                if gt == SPHERE:
                    ET.SubElement(geo, "sphere", radius=f"{size[0]:.9g}")
                elif gt == CAPSULE:
                    ET.SubElement(geo, "capsule", radius=f"{size[0]:.9g}", length=f"{2 * size[1]:.9g}")
                elif gt == CYLINDER:
                    ET.SubElement(geo, "cylinder", radius=f"{size[0]:.9g}", length=f"{2 * size[1]:.9g}")
                elif gt == BOX:
                    ET.SubElement(geo, "box", size=fmt(2 * size))
                elif gt == ELLIPSOID:
                    ET.SubElement(geo, "sphere", radius=f"{float(np.mean(size)):.9g}")
                elif gt == MESH:
                    ET.SubElement(geo, "mesh", filename=mesh_file(int(m.geom_dataid[g])))
                if kind == "visual":
                    mat = ET.SubElement(el, "material", name=f"mat_{g}")
                    ET.SubElement(mat, "color", rgba=fmt(m.geom_rgba[g]))

    def visit(b: int, parent_link: str | None) -> None:
        bname = _name(m, "body", b, f"body{b}")
        jids = [j for j in range(m.body_jntadr[b], m.body_jntadr[b] + m.body_jntnum[b]) if m.jnt_type[j] != FREE] if m.body_jntnum[b] else []
        # expand ball joints into three hinges about the body axes
        hinges: list[tuple[int, np.ndarray, str, str]] = []  # (jid, axis, urdf type, name)
        for j in jids:
            jn = _name(m, "joint", j, f"joint{j}")
            if m.jnt_type[j] == BALL:
                warnings.append(f"ball joint '{jn}' expanded into three revolute joints (x, y, z)")
                for k, ax in enumerate(np.eye(3)):
                    hinges.append((j, ax, "ball", f"{jn}_{'xyz'[k]}"))
            else:
                hinges.append((j, np.asarray(m.jnt_axis[j]), "prismatic" if m.jnt_type[j] == SLIDE else "revolute", jn))
        T_body = make_T(m.body_pos[b], quat_wxyz_to_matrix(m.body_quat[b]))
        prev_anchor = anchor.get(int(m.body_parentid[b]), np.zeros(3))
        if parent_link is None:  # the root: its frame is the body frame
            anchor[b] = np.zeros(3)
            link = link_el(bname)
        else:
            chain_parent, chain_T = parent_link, _trans(-prev_anchor) @ T_body
            if not hinges:
                anchor[b] = np.zeros(3)
                j_el = ET.SubElement(robot, "joint", name=f"{bname}_fixed", type="fixed")
                _origin(j_el, chain_T)
                ET.SubElement(j_el, "parent", link=chain_parent)
                ET.SubElement(j_el, "child", link=bname)
                link = link_el(bname)
            else:
                last_pos = np.zeros(3)
                for k, (j, axis, jt, jn) in enumerate(hinges):
                    pos = np.asarray(m.jnt_pos[j])
                    T = chain_T @ _trans(pos) if k == 0 else _trans(pos - last_pos)
                    last = k == len(hinges) - 1
                    child = bname if last else f"{bname}__{jn}"
                    j_el = ET.SubElement(robot, "joint", name=jn, type="revolute" if jt == "ball" else jt)
                    _origin(j_el, T)
                    ET.SubElement(j_el, "parent", link=chain_parent)
                    ET.SubElement(j_el, "child", link=child)
                    ET.SubElement(j_el, "axis", xyz=fmt(axis))
                    limited = bool(m.jnt_limited[j]) and m.jnt_range[j][0] < m.jnt_range[j][1]
                    if jt == "ball":
                        lo, hi = (-m.jnt_range[j][1], m.jnt_range[j][1]) if limited else (-np.pi, np.pi)
                    else:
                        lo, hi = m.jnt_range[j] if limited else (None, None)
                    vel = 30.0
                    effort = _effort(m, j, warnings, jn)
                    if lo is None:
                        if jt == "revolute":
                            j_el.set("type", "continuous")
                        ET.SubElement(j_el, "limit", effort=f"{effort:.9g}", velocity=f"{vel}")
                        warnings.append(f"joint '{jn}' is unlimited in the MJCF: imported as continuous (the card's joint_limits can bound it)")
                    else:
                        ET.SubElement(j_el, "limit", lower=f"{lo:.9g}", upper=f"{hi:.9g}", effort=f"{effort:.9g}", velocity=f"{vel}")
                    dof = m.jnt_dofadr[j]
                    # MuJoCo integrates damping implicitly (with armature); PyBullet applies URDF damping
                    # explicitly, which blows up on light wrist links (d·dt/I >> 1). The values are kept in
                    # meta.json; the implicit joint motor supplies the damping in PyBullet.
                    ET.SubElement(j_el, "dynamics", damping="0", friction="0")
                    extra["joints"][jn] = {"armature": float(m.dof_armature[dof]), "damping": float(m.dof_damping[dof]),
                                           "frictionloss": float(m.dof_frictionloss[dof]), "effort": effort}
                    if not last:
                        dummy = link_el(child)
                        add_inertial(dummy, DUMMY_MASS, np.eye(4), [DUMMY_INERTIA] * 3)
                        chain_parent = child
                    last_pos = pos
                anchor[b] = last_pos
                link = robot.find(f"link[@name='{bname}']")
                if link is None:
                    link = link_el(bname)
        off = anchor[b]
        mass = float(m.body_mass[b])
        if mass > 0:
            Ti = _trans(-off) @ make_T(m.body_ipos[b], quat_wxyz_to_matrix(m.body_iquat[b]))
            add_inertial(link, mass, Ti, m.body_inertia[b])
        add_geoms(link, b, off)
        for c in children.get(b, []):
            visit(c, bname)

    visit(root_body, None)
    extra["free_base"] = bool(free_roots)
    return ET.ElementTree(robot), extra
