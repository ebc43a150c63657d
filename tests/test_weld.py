"""Welded idle joints (``sim.weld_idle``): which joints, the welded model's geometry, the interface, fidelity."""
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import humanoid_ground as hg
from humanoid_ground.errors import HGroundError
from humanoid_ground.robots import get_card, load_asset
from humanoid_ground.robots._pybullet import p
from humanoid_ground.robots.weld import idle_joints


def _ancestors(asset, link):
    up = {j.child: j for j in asset.joints}
    out = set()
    while link in up:
        out.add(up[link].name)
        link = up[link].parent
    return out


@pytest.mark.parametrize("robot", ["unitree_h1", "apptronik_apollo", "unitree_g1"])
def test_idle_joints_are_the_undriven_ones(robot):
    asset = load_asset(get_card(robot))
    card = asset.card
    idle = set(idle_joints(asset))
    driven = set()
    for arm in card.arms.values():
        driven |= set(arm.joints) | set(arm.grasp.joints) | _ancestors(asset, arm.ee_link)
    driven |= _ancestors(asset, card.torso_link) | _ancestors(asset, card.head_camera.link)
    assert idle and not idle & driven
    assert all(any(k in n.lower() for k in ("hip", "knee", "ankle", "thigh", "shank", "foot", "waist", "head", "torso"))
               for n in idle), sorted(idle)  # legs (and undriven waist/head axes), on these bodies


@pytest.mark.parametrize("robot", ["unitree_h1", "apptronik_apollo"])
def test_welded_model_keeps_geometry_interface_and_motion(robot):
    """The welded body has the default pose's geometry, the same observation, and follows the same expert
    motion to about a millimetre; welded joints read their default position with zero velocity."""
    envs = {w: hg.make("pick_place", robot=robot, sim={"weld_idle": w}) for w in (False, True)}
    try:
        obs = {w: e.reset(seed=0)[0] for w, e in envs.items()}
        for k in obs[False]:
            assert obs[False][k].shape == obs[True][k].shape, k
        np.testing.assert_allclose(obs[True]["canonical"], obs[False]["canonical"], atol=1e-6)
        r0, r1 = envs[False].unwrapped.robot, envs[True].unwrapped.robot
        welded = r1.body.welded
        assert welded.sum() == len(idle_joints(r1.asset)) and not r0.body.welded.any()
        assert r1.body.folded and (r1.body.q_index[welded] < 0).any()  # the legs folded into the pelvis
        # the bench reads the model's own links (a folded pelvis box would move it), and the folded body
        # has no self-contact the model does not have (filter pairs moved with the folded geometry)
        from humanoid_ground.envs.workspace import _body_boxes

        arms = lambda r: set(sum((r.arm_links(s) for s in r.arms), []))  # noqa: E731
        np.testing.assert_allclose(sorted(_body_boxes(r1, arms(r1))), sorted(_body_boxes(r0, arms(r0))), atol=1e-6)
        assert r0.body.self_contacts() == [] and r1.body.self_contacts() == []
        assert r1.body.joint_names == r0.body.joint_names  # the interface's joint order
        assert r1.body.urdf_path != r0.body.urdf_path
        # every link left sits where it does in the unwelded body's default pose (the origins carry the angles)
        for name, k in r1.body.link_index.items():
            if k < 0:
                continue
            a = p.getLinkState(r0.id, r0.body.link_index[name], computeForwardKinematics=1, physicsClientId=r0.cid)
            b = p.getLinkState(r1.id, k, computeForwardKinematics=1, physicsClientId=r1.cid)
            np.testing.assert_allclose(a[4], b[4], atol=1e-6)
            assert abs(abs(np.dot(a[5], b[5])) - 1) < 1e-6
        for i in r1.body.q_index[welded]:  # a welded joint that was not folded away is a fixed joint
            assert i < 0 or p.getJointInfo(r1.id, int(i), physicsClientId=r1.cid)[2] == p.JOINT_FIXED
        pols = {w: hg.tasks.expert(e) for w, e in envs.items()}
        tcp = {w: [] for w in envs}
        for _ in range(60):
            for w, e in envs.items():
                obs[w] = e.step(pols[w](obs[w]))[0]
                tcp[w].append(e.unwrapped.robot.tcp_position("right").copy())
        assert np.abs(np.array(tcp[True]) - np.array(tcp[False])).max() < 3e-3
        q, qd = r1.body.joint_state()
        np.testing.assert_array_equal(q[welded], r1.body.default_q[welded])
        assert not qd[welded].any() and np.array_equal(r1.q[welded], r1.body.default_q[welded])
    finally:
        for e in envs.values():
            e.close()


@pytest.mark.parametrize("robot", ["unitree_h1", "apptronik_apollo"])
def test_folded_model_keeps_mass_joint_order_and_link_poses(robot):
    """welded_urdf(merge=True): the legs folded into the pelvis — fewer links, the same total mass, the
    same joint order, and every remaining link where the unwelded default pose puts it."""
    from humanoid_ground.robots import RobotBody
    from humanoid_ground.robots._pybullet import new_client
    from humanoid_ground.robots.body import _default_position
    from humanoid_ground.robots.weld import welded_urdf

    asset = load_asset(get_card(robot))
    idle = idle_joints(asset)
    by_name = {j.name: j for j in asset.movable_joints}
    folded = welded_urdf(asset, {n: _default_position(asset.card, by_name[n]) for n in idle}, merge=True)
    mass = lambda path: sum(float(m.get("value")) for m in ET.parse(path).getroot().iter("mass"))  # noqa: E731
    assert abs(mass(folded) - mass(asset.urdf_path)) < 1e-6 * mass(asset.urdf_path)
    cid = new_client()
    try:
        b0 = RobotBody(asset, cid)
        n0 = p.getNumJoints(b0.id, physicsClientId=cid)
        b1 = p.loadURDF(str(folded), [3, 0, asset.card.standing_height], useFixedBase=True, physicsClientId=cid)
        assert p.getNumJoints(b1, physicsClientId=cid) <= n0 - len(idle)
        names = {p.getJointInfo(b1, k, physicsClientId=cid)[12].decode(): k for k in range(p.getNumJoints(b1, physicsClientId=cid))}
        for k in names.values():  # the live joints at the default pose, as RobotBody puts b0's
            j = p.getJointInfo(b1, k, physicsClientId=cid)[1].decode()
            if j in by_name:
                p.resetJointState(b1, k, _default_position(asset.card, by_name[j]), physicsClientId=cid)
        assert not set(idle) & {p.getJointInfo(b1, k, physicsClientId=cid)[1].decode() for k in names.values()}
        def root(body):  # the root link's URDF frame (PyBullet's base pose is its inertial frame)
            pos, orn = p.getBasePositionAndOrientation(body, physicsClientId=cid)
            dyn = p.getDynamicsInfo(body, -1, physicsClientId=cid)
            return np.array(p.multiplyTransforms(pos, orn, *p.invertTransform(dyn[3], dyn[4]))[0])

        for name, k in names.items():
            a = p.getLinkState(b0.id, b0.link_index[name], computeForwardKinematics=1, physicsClientId=cid)
            b = p.getLinkState(b1, k, computeForwardKinematics=1, physicsClientId=cid)
            np.testing.assert_allclose(np.array(b[4]) - root(b1), np.array(a[4]) - root(b0.id), atol=1e-6)
    finally:
        p.disconnect(physicsClientId=cid)


def test_weld_needs_fixed_base_and_ee_control():
    with pytest.raises(HGroundError, match="fixed base"):
        hg.make("reach", robot="unitree_h1", base="floating", sim={"weld_idle": True})
    with pytest.raises(HGroundError, match="control=ee_delta"):
        hg.make("reach", robot="unitree_h1", control="joint_pos", sim={"weld_idle": True})
