"""Importer details: MJCF through MuJoCo's compiled model, URDF mesh handling, the cache."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from humanoid_ground.robots import load_asset, load_card
from humanoid_ground.robots._pybullet import new_client, p
from humanoid_ground.robots.body import RobotBody

from robot_files import write_mjcf_robot, write_vendor_robot


def test_mjcf_import_keeps_physics(tmp_path):
    import mujoco

    card = load_card(write_mjcf_robot(tmp_path))
    asset = load_asset(card)
    root = ET.parse(asset.urdf_path).getroot()
    links = {l.get("name"): l for l in root.findall("link")}
    # free-joint body is the root; scenery welded to the world is dropped; no massless world link
    assert asset.root_link == "pelvis" and "world" not in links and "scenery" not in links
    assert asset.free_base
    # collision geoms of every kind survive (box, capsule, cylinder, mesh, sphere)
    shapes = [c.find("geometry")[0].tag for l in links.values() for c in l.findall("collision")]
    assert sorted(shapes) == sorted(["box", "capsule", "cylinder", "mesh", "sphere"])
    # masses match MuJoCo's compiled model
    m = mujoco.MjModel.from_xml_path(str(tmp_path / "mj_bot.xml"))
    for b in ("pelvis", "torso", "arm", "hand"):
        assert asset.links[b]["mass"] == pytest.approx(m.body(b).mass[0], rel=1e-6)
    j = {x.name: x for x in asset.joints}
    assert (j["shoulder"].lower, j["shoulder"].upper) == (-2.0, 2.0)
    assert j["shoulder"].damping == pytest.approx(0.7) and j["shoulder"].armature == pytest.approx(0.02)
    assert j["shoulder"].effort == pytest.approx(40.0) and j["wrist"].effort == pytest.approx(7.0)


def test_mjcf_kinematics_match_mujoco(tmp_path):
    """Forward kinematics of the converted model equal MuJoCo's at a random joint configuration."""
    import mujoco

    card = load_card(write_mjcf_robot(tmp_path))
    asset = load_asset(card)
    m = mujoco.MjModel.from_xml_path(str(tmp_path / "mj_bot.xml"))
    d = mujoco.MjData(m)
    q = {"shoulder": 0.7, "wrist": -0.4}
    d.qpos[:3] = [0, 0, 0.9]
    d.qpos[3:7] = [1, 0, 0, 0]
    for n, v in q.items():
        d.qpos[m.joint(n).qposadr[0]] = v
    mujoco.mj_kinematics(m, d)
    cid = new_client()
    try:
        body = RobotBody(asset, cid, base_pos=(0, 0, 0.9), fixed_base=True)
        body.reset_pose(np.array([q[n] for n in body.joint_names]))
        st = p.getLinkState(body.id, body.link_index["hand"], computeForwardKinematics=True, physicsClientId=cid)
        # URDF link frame of 'hand' is the MuJoCo body frame (its joint sits at the body origin)
        np.testing.assert_allclose(st[4], d.xpos[m.body("hand").id], atol=1e-6)
    finally:
        p.disconnect(cid)


def test_urdf_package_uri_glb_and_placeholder_inertial(tmp_path):
    card = load_card(write_vendor_robot(tmp_path))
    asset = load_asset(card)
    text = asset.urdf_path.read_text()
    assert "package://" not in text and ".glb" not in text  # resolved, and the GLB became OBJ
    assert any("converted 1 mesh" in w for w in asset.warnings)
    assert asset.links["camera_frame"]["placeholder"] and asset.links["camera_frame"]["mass"] < 0.01
    assert any("camera_frame" in w and "no <inertial>" in w for w in asset.warnings)


def test_second_load_hits_cache(tmp_path):
    card = load_card(write_vendor_robot(tmp_path))
    first = load_asset(card)
    mtime = first.urdf_path.stat().st_mtime_ns
    second = load_asset(card)
    assert not first.from_cache and second.from_cache
    assert second.urdf_path.stat().st_mtime_ns == mtime
    assert second.key == first.key


@pytest.mark.parametrize("mode", ["primitive", "convex", "mesh"])
def test_collision_models(tmp_path, mode):
    card = load_card(write_vendor_robot(tmp_path, card={"collision": mode}))
    asset = load_asset(card)
    assert asset.counts["collision_meshes"] == (0 if mode == "primitive" else 2)
    if mode == "mesh":
        assert asset.hull_counts and all(n >= 1 for n in asset.hull_counts.values())
        from humanoid_ground.robots import check_robot

        assert "V-HACD" in check_robot(card, physics=False).get("meshes").detail
    cid = new_client()
    try:
        body = RobotBody(asset, cid)
        assert body.self_contacts() == []
    finally:
        p.disconnect(cid)


def test_pybullet_output_is_captured(capfd):
    from humanoid_ground.robots import get_card

    asset = load_asset(get_card("fourier_gr2t2"))
    cid = new_client()
    RobotBody(asset, cid)
    p.disconnect(cid)
    out, err = capfd.readouterr()
    assert out == "" and "b3" not in err and "pybullet build time" not in err
