"""Vendor models as found (#17): inertia noise and missing inertias repaired, a dummy root merged away,
continuous joints and wheeled / fixed bases accepted; the broken corpus is still refused."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from robot_files import joint, link, write_vendor_robot

from humanoid_ground.errors import HGroundError
from humanoid_ground.robots import check_robot, load_asset
from humanoid_ground.robots.card import load_card
from humanoid_ground.robots.repair import merge_dummy_root

NOISY = 'ixx="0.01" iyy="0.01" izz="-5.42101e-20" ixy="0" ixz="3e-21" iyz="0"'
SINGULAR_NOISY = 'ixx="-5.42101e-20" iyy="0.01" izz="0.01" ixy="0" ixz="0" iyz="0"'
ZERO = 'ixx="0" iyy="0" izz="0" ixy="0" ixz="0" iyz="0"'


def _vendor_as_found(tmp_path, **card):
    """acme_bot with a noisy inertia (torso), a 2.2 kg link with an all-zero tensor (left_upper, a
    cylinder), and a dummy root frame above the real base (base_link → fixed → pelvis)."""
    links = [
        link("base_link", None, '<sphere radius="0.005"/>'),
        link("pelvis", 8.0, '<box size="0.3 0.25 0.15"/>'),
        link("torso", 10.0, '<box size="0.25 0.3 0.4"/>', inertia=NOISY),
        link("head", 1.0, '<sphere radius="0.08"/>', inertia=SINGULAR_NOISY),
        link("camera_frame", 0.1),
        link("left_upper", 2.2, '<cylinder radius="0.04" length="0.25"/>', inertia=ZERO, com="0 0 -0.15"),
        link("left_forearm", 0.8), link("right_upper", 1.2, '<cylinder radius="0.04" length="0.25"/>', com="0 0 -0.15"),
        link("right_forearm", 0.8),
    ]
    joints = [
        joint("root_fix", "base_link", "pelvis", "0 0 0.05", "fixed"),
        joint("waist", "pelvis", "torso", "0 0 0.3", "fixed"), joint("neck", "torso", "head", "0 0 0.3", "fixed"),
        joint("cam", "head", "camera_frame", "0.08 0 0", "fixed"),
    ]
    for side, y in (("left", 0.22), ("right", -0.22)):
        joints += [joint(f"{side}_shoulder", "torso", f"{side}_upper", f"0 {y} 0.12"),
                   joint(f"{side}_elbow", f"{side}_upper", f"{side}_forearm", "0 0 -0.3", lower=-2.5, upper=0.0)]
    return load_card(write_vendor_robot(tmp_path, links=links, joints=joints, card=card))


def test_noisy_and_missing_inertias_repaired_with_one_warning_per_link(tmp_path):
    asset = load_asset(_vendor_as_found(tmp_path))
    torso = asset.links["torso"]["inertia"]
    # izz noise read as 0 leaves a singular tensor: the torso gets its box's inertia, with one warning
    assert torso[2] == pytest.approx(10.0 * (0.25 ** 2 + 0.3 ** 2) / 12, rel=0.01) and torso[4] == 0.0
    assert sum("'torso'" in w for w in asset.warnings) == 1 and any("'torso'" in w and "noise" in w for w in asset.warnings)
    # the head's ixx is noise, leaving a singular tensor: it gets its sphere's inertia (one warning)
    head = [w for w in asset.warnings if "'head'" in w]
    assert len(head) == 1 and "noise" in head[0] and "collision geometry" in head[0]
    assert asset.links["head"]["inertia"][0] == pytest.approx(0.4 * 1.0 * 0.08 ** 2, rel=0.05)
    up = asset.links["left_upper"]
    I = np.array(up["inertia"][:3])
    # a solid cylinder r = 4 cm, l = 25 cm at 2.2 kg, about a com 15 cm below its centre (parallel axis)
    r, length, m = 0.04, 0.25, 2.2
    ixx = m * (3 * r * r + length * length) / 12 + m * 0.15 ** 2
    assert I[2] == pytest.approx(m * r * r / 2, rel=0.05) and I[0] == pytest.approx(ixx, rel=0.05)
    assert sum("'left_upper'" in w and "collision geometry" in w for w in asset.warnings) == 1


def test_dummy_root_merged_and_card_passes(tmp_path):
    card = _vendor_as_found(tmp_path, base_link="pelvis")
    asset = load_asset(card)
    assert asset.root_link == "pelvis"
    root = ET.parse(asset.urdf_path).getroot()
    assert "base_link" not in {l.get("name") for l in root.findall("link")}
    assert any("merged 'base_link'" in w for w in asset.warnings)
    rep = check_robot(card, physics=False)
    assert rep.get("roles").status == "pass" and rep.get("inertials").status == "pass", rep.get("inertials").detail


def test_merge_keeps_poses_and_mass():
    urdf = ET.fromstring(
        '<robot name="r">'
        '<link name="world_frame"><inertial><origin xyz="0 0 0"/><mass value="2"/>'
        '<inertia ixx="0.1" iyy="0.1" izz="0.1" ixy="0" ixz="0" iyz="0"/></inertial>'
        '<visual><origin xyz="0 0 0.5"/><geometry><box size="1 1 1"/></geometry></visual></link>'
        '<link name="base"><inertial><origin xyz="0 0 0"/><mass value="2"/>'
        '<inertia ixx="0.1" iyy="0.1" izz="0.1" ixy="0" ixz="0" iyz="0"/></inertial></link>'
        '<link name="arm"/>'
        '<joint name="f" type="fixed"><parent link="world_frame"/><child link="base"/><origin xyz="0 0 1" rpy="0 0 0"/></joint>'
        '<joint name="side" type="fixed"><parent link="world_frame"/><child link="arm"/><origin xyz="1 0 0" rpy="0 0 0"/></joint>'
        '</robot>')
    w: list[str] = []
    assert merge_dummy_root(urdf, "world_frame", "base", w)
    base = next(l for l in urdf.findall("link") if l.get("name") == "base")
    assert base.find("visual/origin").get("xyz").split() == ["0", "0", "-0.5"]
    side = next(j for j in urdf.findall("joint") if j.get("name") == "side")
    assert side.find("parent").get("link") == "base" and side.find("origin").get("xyz").split() == ["1", "0", "-1"]
    inert = base.find("inertial")
    assert float(inert.find("mass").get("value")) == 4.0
    assert [float(x) for x in inert.find("origin").get("xyz").split()] == [0, 0, -0.5]
    # each 2 kg point 0.5 m from the joint com: 0.1 + 2·0.25 per body about x
    assert float(inert.find("inertia").get("ixx")) == pytest.approx(2 * (0.1 + 0.5))


def test_movable_joint_above_base_still_refused(tmp_path):
    links = [link("base_link", 1.0), link("pelvis", 8.0), link("torso", 10.0), link("camera_frame", 0.1),
             link("left_upper", 1.0), link("left_forearm", 1.0), link("right_upper", 1.0), link("right_forearm", 1.0)]
    joints = [joint("slide", "base_link", "pelvis", "0 0 0.05", "prismatic", axis="0 0 1"),
              joint("waist", "pelvis", "torso", "0 0 0.3", "fixed"), joint("cam", "torso", "camera_frame", "0 0 0.3", "fixed")]
    for side, y in (("left", 0.2), ("right", -0.2)):
        joints += [joint(f"{side}_shoulder", "torso", f"{side}_upper", f"0 {y} 0"),
                   joint(f"{side}_elbow", f"{side}_upper", f"{side}_forearm", "0 0 -0.3")]
    card = load_card(write_vendor_robot(tmp_path, links=links, joints=joints))
    rep = check_robot(card, physics=False)
    assert rep.get("roles").status == "fail" and "root link is 'base_link'" in rep.get("roles").detail


def test_clearly_negative_inertia_still_refused(tmp_path):
    links = [link("pelvis", 8.0, inertia='ixx="-0.01" iyy="0.01" izz="0.01" ixy="0" ixz="0" iyz="0"'), link("torso", 10.0),
             link("camera_frame", 0.1), link("left_upper", 1.0), link("left_forearm", 1.0), link("right_upper", 1.0),
             link("right_forearm", 1.0)]
    joints = [joint("waist", "pelvis", "torso", "0 0 0.3", "fixed"), joint("cam", "torso", "camera_frame", "0 0 0.3", "fixed")]
    for side, y in (("left", 0.2), ("right", -0.2)):
        joints += [joint(f"{side}_shoulder", "torso", f"{side}_upper", f"0 {y} 0"),
                   joint(f"{side}_elbow", f"{side}_upper", f"{side}_forearm", "0 0 -0.3")]
    with pytest.raises(HGroundError, match="pelvis.*negative diagonal"):
        load_asset(load_card(write_vendor_robot(tmp_path, links=links, joints=joints)))


def _wheeled(tmp_path, base_type="wheeled", height=0.0):
    """A wheeled two-arm humanoid: base at floor level, two continuous wheel joints."""
    links = [link("base", 20.0, '<box size="0.5 0.4 0.1"/>'), link("torso", 10.0, '<box size="0.25 0.3 0.4"/>'),
             link("camera_frame", 0.1), link("wheel_l", 1.0, '<cylinder radius="0.08" length="0.04"/>'),
             link("wheel_r", 1.0, '<cylinder radius="0.08" length="0.04"/>'),
             link("left_upper", 1.2, '<cylinder radius="0.04" length="0.25"/>', com="0 0 -0.15"), link("left_forearm", 0.8),
             link("right_upper", 1.2, '<cylinder radius="0.04" length="0.25"/>', com="0 0 -0.15"), link("right_forearm", 0.8)]
    joints = [joint("lift", "base", "torso", "0 0 1.0", "fixed"), joint("cam", "torso", "camera_frame", "0.1 0 0.35", "fixed"),
              '<joint name="wl" type="continuous"><parent link="base"/><child link="wheel_l"/>'
              '<origin xyz="0 0.25 0.03" rpy="1.5708 0 0"/><axis xyz="0 0 1"/><limit effort="20" velocity="10"/></joint>',
              '<joint name="wr" type="continuous"><parent link="base"/><child link="wheel_r"/>'
              '<origin xyz="0 -0.25 0.03" rpy="1.5708 0 0"/><axis xyz="0 0 1"/><limit effort="20" velocity="10"/></joint>']
    for side, y in (("left", 0.22), ("right", -0.22)):
        joints += [joint(f"{side}_shoulder", "torso", f"{side}_upper", f"0 {y} 0.12"),
                   joint(f"{side}_elbow", f"{side}_upper", f"{side}_forearm", "0 0 -0.3", lower=-2.5, upper=0.0)]
    return write_vendor_robot(tmp_path, links=links, joints=joints,
                              card={"base_link": "base", "standing_height": height, "base_type": base_type})


def test_wheeled_base_at_floor_with_continuous_joints(tmp_path):
    card = load_card(_wheeled(tmp_path))
    rep = check_robot(card)
    lim = rep.get("joint_limits")
    assert lim.status == "pass" and "2 continuous" in lim.detail
    assert rep.get("floating_base_stand").status == "pass", rep.get("floating_base_stand").detail
    import humanoid_ground as hg

    for base in ("fixed", "floating"):
        env = hg.make("reach", robot=str(card.card_path), base=base)
        env.reset(seed=0)
        for _ in range(20):
            _, _, term, _, info = env.step(np.zeros(16, dtype=np.float32))
        assert not info["fell"] and not term
        env.close()


def test_legged_base_needs_a_height(tmp_path):
    with pytest.raises(HGroundError, match="legged base stands above the floor.*base_type: wheeled or fixed"):
        load_card(_wheeled(tmp_path, base_type="legged"))


def _with_neck(tmp_path, axis: str, **card):
    """acme_bot whose neck is a revolute joint about ``axis``, mapped as the head's yaw."""
    path = write_vendor_robot(tmp_path, card=dict({"head_joints": {"yaw": "neck"}}, **card))
    urdf = tmp_path / "acme_description" / "urdf" / "acme_bot.urdf"
    text = urdf.read_text()
    old = next(ln for ln in text.splitlines() if 'name="neck"' in ln)
    urdf.write_text(text.replace(old, old.replace('type="fixed"', 'type="revolute"').replace(
        "</joint>", f'<axis xyz="{axis}"/><limit lower="-1" upper="1" effort="10" velocity="5"/></joint>')))
    return load_card(path)


def test_readiness_warns_on_a_swapped_neck_and_names_an_arm_that_cannot_reach(tmp_path):
    from humanoid_ground.envs.readiness import readiness_checks

    good = {c.name: c for c in readiness_checks(_with_neck(tmp_path / "a", "0 0 1"))}
    assert good["head_axes"].status == "pass" and good["bench_workspace"].status == "pass"
    swapped = {c.name: c for c in readiness_checks(_with_neck(tmp_path / "b", "0 1 0"))}
    assert swapped["head_axes"].status == "warn" and "head_joints.yaw" in swapped["head_axes"].detail
    assert "swapped" in swapped["head_axes"].detail and "+1.00" in swapped["head_axes"].detail
    stuck = _with_neck(tmp_path / "c", "0 0 1", joint_limits={"right_shoulder": [-0.801, -0.799], "right_elbow": [-0.501, -0.499]})
    bench = {c.name: c for c in readiness_checks(stuck)}["bench_workspace"]
    assert bench.status == "fail" and "the right arm reaches no bench position" in bench.detail and "missed by" in bench.detail
    assert "left" not in bench.detail.split(";")[0]


def test_inspection_setup_check(tmp_path):
    """The inspection scene is checked on the robot: a camera that sees the bench passes; one looking at
    the ceiling (a wrong head_camera rpy) gets a warning that names the geometry."""
    from humanoid_ground.tasks.readiness import inspection_check

    ok = _with_neck(tmp_path / "a", "0 0 1")
    c = inspection_check(str(ok.card_path))
    assert c.name == "inspection_setup" and c.status == "pass" and "inspects all 5 points" in c.detail
    path = write_vendor_robot(tmp_path / "b", card={"head_camera": {"link": "torso", "xyz": [0.1, 0, 0.3], "rpy": [0, -1.4, 0], "fov": 60}})
    bad = inspection_check(str(load_card(path).card_path))
    assert bad.status == "warn" and "above the bench" in bad.detail and "field of view 60°" in bad.detail
