"""The robots CLI as a user runs it: list, show, check, register round trip, bad input."""
from __future__ import annotations

import json

import pytest

from conftest import run_cli
from robot_files import joint, link, write_vendor_robot

LIST_KEYS = {"name", "vendor", "model", "dof", "arms", "hands", "source", "license"}


def test_list_json_is_clean():
    r = run_cli("robots", "list", "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)  # nothing but JSON on stdout (no PyBullet chatter)
    assert len(rows) >= 10 and all(LIST_KEYS <= set(x) for x in rows)
    h1 = next(x for x in rows if x["name"] == "unitree_h1")
    assert h1["dof"] == 19 and h1["arms"] == 2 and h1["hands"] is False
    assert "pybullet" not in r.stderr.lower() and "b3" not in r.stderr


def test_show_and_check_json():
    r = run_cli("robots", "show", "unitree_g1")
    assert r.returncode == 0 and "left_hand_index_0_joint" in r.stdout and "canonical roles" in r.stdout
    r = run_cli("robots", "check", "booster_t1", "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    rep = json.loads(r.stdout)
    assert rep["ok"] is True
    names = {c["name"] for c in rep["checks"]}
    assert {"parses", "meshes", "inertials", "joint_limits", "roles", "arm_chains", "self_collision",
            "fixed_base_hold", "floating_base_stand", "total_mass"} <= names
    assert all(c["status"] in ("pass", "warn", "fail") for c in rep["checks"])


def test_register_round_trip(tmp_path, hground_home):
    card = write_vendor_robot(tmp_path)
    r = run_cli("robots", "register", str(card))
    assert r.returncode == 0, r.stdout + r.stderr
    assert (hground_home / "data" / "robots" / "acme_bot.yaml").is_file()
    rows = json.loads(run_cli("robots", "list", "--format", "json").stdout)
    acme = next(x for x in rows if x["name"] == "acme_bot")
    assert acme["vendor"] == "Acme Robotics" and acme["dof"] == 4 and acme["builtin"] is False
    # usable by name from anywhere, even another working directory
    r = run_cli("robots", "check", "acme_bot", "--format", "json", cwd=tmp_path.parent)
    rep = json.loads(r.stdout)
    assert r.returncode == 0 and rep["ok"]
    assert next(c for c in rep["checks"] if c["name"] == "inertials")["status"] == "warn"  # camera_frame placeholder
    r = run_cli("robots", "register", str(card))
    assert r.returncode == 2 and "already registered" in r.stderr
    r = run_cli("robots", "unregister", "acme_bot")
    assert r.returncode == 0
    assert "acme_bot" not in run_cli("robots", "list", "--format", "json").stdout


def test_weak_motors_fail_the_hold_check(tmp_path, hground_home):
    card = write_vendor_robot(tmp_path, effort=0.05)
    r = run_cli("robots", "register", str(card), "--format", "json")
    assert r.returncode == 1
    rep = json.loads(r.stdout)
    assert next(c for c in rep["checks"] if c["name"] == "fixed_base_hold")["status"] == "fail"
    assert "nothing was registered" in r.stderr
    assert not (hground_home / "data" / "robots" / "acme_bot.yaml").exists()


def _links_with(**repl):
    base = [
        link("pelvis", 8.0), link("torso", 10.0), link("camera_frame", 0.1),
        link("left_upper", 1.0), link("left_forearm", 1.0), link("right_upper", 1.0), link("right_forearm", 1.0),
    ]
    return [repl.get(l.split('"')[1], l) for l in base]


def _joints(parent_of_left_elbow="left_upper"):
    return [
        joint("waist", "pelvis", "torso", "0 0 0.3", "fixed"), joint("cam", "torso", "camera_frame", "0 0 0.3", "fixed"),
        joint("left_shoulder", "torso", "left_upper", "0 0.2 0"), joint("left_elbow", parent_of_left_elbow, "left_forearm", "0 0 -0.3"),
        joint("right_shoulder", "torso", "right_upper", "0 -0.2 0"), joint("right_elbow", "right_upper", "right_forearm", "0 0 -0.3"),
    ]


BROKEN = {
    "malformed_xml": (dict(raw='<?xml version="1.0"?>\n<robot name="x"><link name="a">\n</robot>'), ["malformed XML", "line"]),
    "missing_mesh": (dict(links=_links_with(left_forearm=link("left_forearm", 1.0, '<mesh filename="package://acme_description/meshes/nope.stl"/>')), joints=_joints()),
                     ["nope.stl", "left_forearm", "package_paths"]),
    "negative_mass": (dict(links=_links_with(left_upper=link("left_upper", -2.0)), joints=_joints()), ["left_upper", "mass -2.0"]),
    "nan_inertia": (dict(links=_links_with(torso=link("torso", 3.0, inertia='ixx="nan" iyy="0.1" izz="0.1" ixy="0" ixz="0" iyz="0"')), joints=_joints()),
                    ["torso", "inertia"]),
    "missing_parent_link": (dict(links=_links_with(), joints=_joints(parent_of_left_elbow="left_uper")), ["left_elbow", "parent link 'left_uper'"]),
    "unknown_joint_in_card": (dict(card={"arms": {"left": {"joints": ["left_shoulder", "left_elbo"], "ee_link": "left_forearm"},
                                                 "right": {"joints": ["right_shoulder", "right_elbow"], "ee_link": "right_forearm"}}}),
                              ["arms.left.joints", "left_elbo"]),
    "unknown_link_in_card": (dict(card={"torso_link": "chest"}), ["torso_link", "chest"]),
    "typo_key_in_card": (dict(card={"vendr": "Acme"}), ["unknown key 'vendr'"]),
    "typo_replacing_required_key": (dict(card={"vendr": "Acme"}, drop_card_keys=["vendor"]), ["unknown key 'vendr'", "did you mean 'vendor'"]),
    "missing_key_in_card": (dict(drop_card_keys=["head_camera"]), ["head_camera", "missing"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_bad_input_is_one_line_exit_2(tmp_path, hground_home, case):
    kwargs, needles = BROKEN[case]
    card = write_vendor_robot(tmp_path, **kwargs)
    for cmd in (["robots", "check", str(card)], ["robots", "register", str(card)]):
        r = run_cli(*cmd)
        assert r.returncode == 2, (cmd, r.stdout, r.stderr)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1, r.stderr
        assert "Traceback" not in r.stderr
        for n in needles:
            assert n in lines[0], (n, lines[0])
        assert str(card.name) in lines[0] or "acme_bot" in lines[0]
    assert not (hground_home / "data" / "robots" / "acme_bot.yaml").exists()


def test_unknown_robot_one_line():
    r = run_cli("robots", "check", "unitre_g1")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Did you mean 'unitree_g1'" in r.stderr


def test_debug_shows_traceback():
    r = run_cli("--debug", "robots", "show", "nope_bot")
    assert r.returncode != 0 and "Traceback" in r.stderr
