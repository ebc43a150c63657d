"""Left-right mirror augmentation (training/mirror.py): the maps are involutions, a mirrored action moves the
other arm the mirrored way in the real simulation, and bc trains with it on a mirror-symmetric task."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from conftest import run_cli


def test_maps_are_involutions_and_swap_the_arms():
    from humanoid_ground.envs.layout import ACT_POS, action_field
    from humanoid_ground.training.mirror import action_map, observation_map

    perm, sign = observation_map("pick_place", None, 18)
    x = np.random.default_rng(0).normal(size=len(perm))
    np.testing.assert_allclose((x[perm] * sign)[perm] * sign, x)
    aperm, asign = action_map()
    a = np.random.default_rng(1).normal(size=16)
    m = a[aperm] * asign
    np.testing.assert_allclose(m[aperm] * asign, a)
    np.testing.assert_allclose(m[action_field(ACT_POS, 1)], a[action_field(ACT_POS, 0)] * [1, -1, 1])
    # the task's arm flag (left +1, right -1) is the last task number: it changes sign
    assert sign[23 + 17] == -1 and perm[23 + 17] == 23 + 17


def test_a_mirrored_action_is_the_mirrored_motion_in_simulation():
    """From the (symmetric) default pose, the left arm driven by a and the right arm driven by mirror(a) end in
    mirror-image states: the canonical state maps onto itself through the mirror."""
    import humanoid_ground as hg
    from humanoid_ground.training.mirror import action_map, field_map
    from humanoid_ground.envs.layout import STATE_FIELDS

    sp, ss = field_map(STATE_FIELDS)
    aperm, asign = action_map()
    a = np.zeros(16, np.float32)
    a[0:7] = [0.6, 0.5, 0.4, 0.3, -0.4, 0.5, 1.0]
    a[14] = 0.5  # head yaw
    states = []
    for act in (a, (a[aperm] * asign).astype(np.float32)):
        env = hg.make("pick_place", robot="unitree_h1")
        start, _ = env.reset(seed=0)
        for _ in range(8):
            obs, *_ = env.step(act)
        states.append(obs["canonical"].astype(float))
        env.close()
    left, right = states
    mirrored = left[sp] * ss
    # H1 is built symmetric: the states match to rounding (a wrong rotation sign is off by 7 mm and 0.03)
    np.testing.assert_allclose(right[[8, 9, 10]], mirrored[[8, 9, 10]], atol=0.002)  # right TCP ↔ mirrored left TCP
    q, mq = right[11:15], mirrored[11:15]
    assert min(np.abs(q - mq).max(), np.abs(q + mq).max()) < 0.005
    np.testing.assert_allclose(right[16:], mirrored[16:], atol=0.002)  # the camera turned the mirrored way
    assert np.linalg.norm(left[0:3] - start["canonical"][0:3]) > 0.02  # the left arm did move


def test_bc_trains_on_mirrored_demos(tmp_path):
    r = run_cli("collect", "robot=unitree_h1", "task=pick_place", "policy=expert", "episodes=2", "max_episode_steps=40",
                f"out={tmp_path / 'd'}")
    assert r.returncode == 0, r.stderr
    from humanoid_ground.training.imitation import load_demos
    from humanoid_ground.training.mirror import mirror_demos

    d = load_demos(tmp_path / "d")
    n = len(d.obs)
    m = mirror_demos(load_demos(tmp_path / "d"))
    assert m.episodes == 2 * d.episodes and len(m.obs) == 2 * n and m.ep_start[n] == n and m.ep_end[-1] == 2 * n
    # bc's default mirror=auto: on, since pick_place is mirror-symmetric
    r = run_cli("train", "algo=bc", f"dataset={tmp_path / 'd'}", f"out_root={tmp_path / 'runs'}", "total_timesteps=60",
                "eval.episodes=0", "progress=false", "algo.params.hidden=32", "algo.params.layers=1", "algo.params.batch_size=32")
    assert r.returncode == 0, r.stdout + r.stderr
    (run,) = (tmp_path / "runs").iterdir()
    with zipfile.ZipFile(run / "final_model.zip") as z:
        meta = json.loads(z.read("hground/meta.json"))
    assert meta["config"]["algo"]["params"]["mirror"] is True and meta["dataset"]["episodes"] == 4


@pytest.mark.parametrize("bad", ["algo.params.mirror=sometimes", "algo.params.mirror=true"])
def test_mirror_errors_are_one_line(tmp_path, bad):
    """A bad value, and mirroring a task that is not mirror-symmetric (reach: its arm one-hot and rotation error)."""
    r = run_cli("collect", "robot=unitree_h1", "task=reach", "policy=expert", "episodes=1", "max_episode_steps=10",
                f"out={tmp_path / 'd'}")
    assert r.returncode == 0, r.stderr
    r = run_cli("train", "algo=bc", f"dataset={tmp_path / 'd'}", f"out_root={tmp_path / 'runs'}", bad)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and "mirror" in lines[0], r.stderr
    assert not (tmp_path / "runs").exists()
