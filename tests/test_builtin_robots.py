"""Every built-in robot loads, validates and holds its default pose with a fixed base."""
from __future__ import annotations

import pytest

from humanoid_ground.robots import check_robot, get_card, robot_names
from humanoid_ground.robots.registry import _builtin_files

BUILTIN = sorted(_builtin_files())


def test_registry_breadth():
    cards = [get_card(n) for n in BUILTIN]
    assert len(cards) >= 10
    assert len({c.vendor for c in cards}) >= 7
    for required in ("unitree_h1", "unitree_g1", "booster_t1", "apptronik_apollo", "robotis_op3", "berkeley_humanoid",
                     "fourier_gr1t2", "fourier_gr1t2_hand", "fourier_gr2t2", "fourier_gr3", "openloong_qinglong"):
        assert required in BUILTIN
    assert get_card("unitree_g1").has_hands and get_card("fourier_gr1t2_hand").has_hands
    # every robot with arms has both mapped; the legs-only Berkeley humanoid has none
    for c in cards:
        assert set(c.arms) == (set() if c.name == "berkeley_humanoid" else {"left", "right"}), c.name


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_robot_checks(name):
    rep = check_robot(get_card(name))
    failed = [(c.name, c.detail) for c in rep.checks if c.status == "fail"]
    assert rep.ok, failed
    hold = rep.get("fixed_base_hold")
    assert hold is not None and hold.status == "pass", hold
    assert rep.get("self_collision").status == "pass"
    assert rep.get("cache").status == "pass"
    assert rep.summary["dof"] > 0 and rep.summary["total_mass_kg"] > 1.0


def test_unknown_robot_name_suggests():
    from humanoid_ground.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="Did you mean 'unitree_h1'"):
        get_card("unitree_h2")
    assert "unitree_h1" in robot_names()
