"""Small robot models written by the tests themselves (URDF with package:// meshes and a GLB visual, MJCF)."""
from __future__ import annotations

from pathlib import Path

import yaml


def _box_obj(path: Path, sx: float, sy: float, sz: float) -> None:
    import trimesh

    trimesh.creation.box(extents=(sx, sy, sz)).export(str(path))


def _glb(path: Path) -> None:
    import trimesh

    trimesh.creation.cylinder(radius=0.03, height=0.2).export(str(path))


def link(name: str, mass: float | str | None = 1.0, geom: str = '<box size="0.1 0.1 0.1"/>', inertia: str | None = None,
         visual: str | None = None, com: str = "0 0 0") -> str:
    inert = ""
    if mass is not None:
        inertia = inertia or 'ixx="0.01" iyy="0.01" izz="0.01" ixy="0" ixz="0" iyz="0"'
        inert = f'<inertial><origin xyz="{com}"/><mass value="{mass}"/><inertia {inertia}/></inertial>'
    vis = f"<visual><geometry>{visual}</geometry></visual>" if visual else ""
    return f'<link name="{name}">{inert}{vis}<collision><geometry>{geom}</geometry></collision></link>'


def joint(name: str, parent: str, child: str, xyz: str, jtype: str = "revolute", axis: str = "0 1 0",
          lower: float = -2.0, upper: float = 2.0, effort: float = 50.0) -> str:
    lim = f'<limit lower="{lower}" upper="{upper}" effort="{effort}" velocity="5"/>' if jtype != "fixed" else ""
    ax = f'<axis xyz="{axis}"/>' if jtype != "fixed" else ""
    return (f'<joint name="{name}" type="{jtype}"><parent link="{parent}"/><child link="{child}"/>'
            f'<origin xyz="{xyz}" rpy="0 0 0"/>{ax}{lim}</joint>')


def write_vendor_robot(root: Path, name: str = "acme_bot", effort: float = 50.0, **overrides) -> Path:
    """A two-arm vendor robot in a ROS-style package folder ``acme_description/`` with
    ``package://`` mesh URIs, an OBJ collision mesh and a GLB visual. Returns the card path.

    ``overrides`` replace pieces of the URDF text: ``links``/``joints`` lists, or ``raw`` for the whole file.
    """
    pkg = root / "acme_description"
    (pkg / "meshes").mkdir(parents=True, exist_ok=True)
    (pkg / "urdf").mkdir(exist_ok=True)
    _box_obj(pkg / "meshes" / "forearm.obj", 0.05, 0.05, 0.25)
    _glb(pkg / "meshes" / "forearm.glb")
    fore_col = '<mesh filename="package://acme_description/meshes/forearm.obj"/>'
    fore_vis = '<mesh filename="package://acme_description/meshes/forearm.glb"/>'
    links = [
        link("pelvis", 8.0, '<box size="0.3 0.25 0.15"/>'),
        link("torso", 10.0, '<box size="0.25 0.3 0.4"/>'),
        link("head", 1.0, '<sphere radius="0.08"/>'),
        link("camera_frame", None, '<sphere radius="0.01"/>'),  # no <inertial>: must be reported
    ]
    joints = [
        joint("waist", "pelvis", "torso", "0 0 0.3", "fixed"),
        joint("neck", "torso", "head", "0 0 0.3", "fixed"),
        joint("cam", "head", "camera_frame", "0.08 0 0", "fixed"),
    ]
    for side, y in (("left", 0.22), ("right", -0.22)):
        links += [link(f"{side}_upper", 1.2, '<cylinder radius="0.04" length="0.25"/>', com="0 0 -0.15"),
                  link(f"{side}_forearm", 0.8, fore_col, visual=fore_vis, com="0 0 -0.12")]
        joints += [joint(f"{side}_shoulder", "torso", f"{side}_upper", f"0 {y} 0.12", effort=effort),
                   joint(f"{side}_elbow", f"{side}_upper", f"{side}_forearm", "0 0 -0.3", lower=-2.5, upper=0.0, effort=effort)]
    links = overrides.get("links", links)
    joints = overrides.get("joints", joints)
    urdf = overrides.get("raw") or f'<?xml version="1.0"?>\n<robot name="{name}">\n' + "\n".join(links + joints) + "\n</robot>\n"
    (pkg / "urdf" / f"{name}.urdf").write_text(urdf)
    card = {
        "name": name, "vendor": "Acme Robotics", "model": "Bot-1", "license": "MIT",
        "source": {"urdf": {"file": f"acme_description/urdf/{name}.urdf"}},
        "base_link": "pelvis", "torso_link": "torso", "standing_height": 0.9,
        "default_pose": {"left_shoulder": -0.8, "right_shoulder": -0.8, "left_elbow": -0.5, "right_elbow": -0.5},
        "head_camera": {"link": "camera_frame", "xyz": [0.0, 0.0, 0.0], "rpy": [0.0, 0.4, 0.0], "fov": 60},
        "arms": {s: {"joints": [f"{s}_shoulder", f"{s}_elbow"], "ee_link": f"{s}_forearm", "tcp_xyz": [0, 0, -0.15]}
                 for s in ("left", "right")},
        "pd": {"kp": 100, "kd": 5},
        "collision": "convex",
    }
    for k, v in overrides.get("card", {}).items():
        card[k] = v
    for k in overrides.get("drop_card_keys", []):
        card.pop(k, None)
    path = root / f"{name}.yaml"
    path.write_text(yaml.safe_dump(card, sort_keys=False))
    return path


MJCF = """<mujoco model="mj_bot">
  <compiler angle="radian"/>
  <default>
    <geom contype="0" conaffinity="0" group="2"/>
    <default class="col"><geom contype="1" conaffinity="1" group="3"/></default>
    <joint damping="0.7" armature="0.02"/>
  </default>
  <asset><mesh name="fist" vertex="0 0 0  0.05 0 0  0 0.05 0  0 0 0.05"/></asset>
  <worldbody>
    <body name="scenery" pos="3 0 0"><geom type="box" size="0.1 0.1 0.1" mass="0"/></body>
    <body name="pelvis" pos="0 0 0.9">
      <freejoint/>
      <geom class="col" type="box" size="0.15 0.12 0.08" mass="6"/>
      <geom type="box" size="0.15 0.12 0.08" mass="0" rgba="1 0 0 1"/>
      <body name="torso" pos="0 0 0.25">
        <geom class="col" type="capsule" size="0.1 0.15" mass="9"/>
        <body name="arm" pos="0 0.2 0.1">
          <joint name="shoulder" axis="0 1 0" range="-2 2" pos="0 0 0.02"/>
          <geom class="col" type="cylinder" size="0.04 0.12" pos="0 0 -0.12" mass="1.1"/>
          <body name="hand" pos="0 0 -0.26">
            <joint name="wrist" axis="1 0 0" range="-1 1"/>
            <geom class="col" type="mesh" mesh="fist" mass="0.3"/>
            <geom class="col" type="sphere" size="0.03" mass="0.1"/>
          </body>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator><motor joint="shoulder" ctrlrange="-40 40" gear="1"/><position joint="wrist" forcerange="-7 7" forcelimited="true"/></actuator>
</mujoco>
"""


def write_mjcf_robot(root: Path) -> Path:
    (root / "mj_bot.xml").write_text(MJCF)
    card = {
        "name": "mj_bot", "vendor": "Test", "model": "MJ", "license": "MIT",
        "source": {"mjcf": {"file": "mj_bot.xml"}},
        "base_link": "pelvis", "torso_link": "torso", "standing_height": 0.9,
        "head_camera": {"link": "torso", "xyz": [0.1, 0, 0.2]},
        "arms": {"left": {"joints": ["shoulder", "wrist"], "ee_link": "hand"}},
    }
    path = root / "mj_bot.yaml"
    path.write_text(yaml.safe_dump(card, sort_keys=False))
    return path
