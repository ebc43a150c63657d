"""Cross-embodiment training: the embodiment descriptor, multi-robot runs, held-out grouping, variants."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import run_cli

TINY = ["task.max_episode_steps=25", "algo.params.batch_size=64", "algo.params.n_steps=128", "algo.params.n_epochs=2",
        "eval.video_episodes=0", "progress=false"]
ROBOTS = "robots=[unitree_h1,fourier_gr1t2,robotis_op3]"


def _embodiment(robot: str, seeds=(0, 7)) -> list[np.ndarray]:
    import humanoid_ground as hg

    env = hg.make("reach", robot=robot)
    try:
        return [env.reset(seed=s)[0]["embodiment"].copy() for s in seeds]
    finally:
        env.close()


def test_embodiment_is_constant_per_robot_and_differs_between_robots(tmp_path):
    from humanoid_ground.envs.embodiment import DIM, FIELDS, describe

    a0, a1 = _embodiment("unitree_h1")
    b0, _ = _embodiment("fourier_gr1t2")
    assert a0.shape == (DIM,) and a0.dtype == np.float32 and np.isfinite(a0).all()
    np.testing.assert_array_equal(a0, a1)  # same for every episode and seed
    assert not np.array_equal(a0, b0)
    d = describe(a0)
    assert list(d) == [f[0] for f in FIELDS] and all(text for _, _, text in FIELDS)  # every field documented
    assert d["left.present"] == [1.0] and d["right.hold"] == [0.0, 0.0, 1.0]  # H1: gimbal hold (4-joint arms)
    assert describe(b0)["right.joints"] == [1.0]  # GR1-T2: 7-joint arms


def test_embodiment_for_registered_robot_and_variant(tmp_path):
    from robot_files import write_vendor_robot

    card = write_vendor_robot(tmp_path)
    assert run_cli("robots", "register", str(card), "--quick").returncode == 0
    (e,) = _embodiment("acme_bot", seeds=(0,))
    assert np.isfinite(e).all() and e[0] == 1.0
    v0, v1 = _embodiment("unitree_h1-m3")
    h, _ = _embodiment("unitree_h1")
    np.testing.assert_array_equal(v0, v1)
    assert not np.allclose(v0, h)


def test_variants_are_deterministic_cached_and_checked():
    from humanoid_ground.robots import check_robot, get_card, load_asset
    from humanoid_ground.robots.morph import draw, variant_names

    a, b = get_card("fourier_gr1t2-m5"), get_card("fourier_gr1t2-m5")
    assert a.standing_height == b.standing_height != get_card("fourier_gr1t2").standing_height
    first = load_asset(a)
    again = load_asset(b)
    assert again.from_cache and again.key == first.key and again.key != load_asset(get_card("fourier_gr1t2")).key
    d = draw(5)
    assert 0.8 <= d.scale <= 1.2 and 0.8 <= d.upper <= 1.2 and 0.8 <= d.fore <= 1.2
    assert abs(first.total_mass / load_asset(get_card("fourier_gr1t2")).total_mass - d.scale ** 3) < 0.25
    rep = check_robot(a)
    assert rep.ok, [(c.name, c.detail) for c in rep.checks if c.status == "fail"]
    assert variant_names(["a", "b"], 3, seed=10) == ["a-m10", "b-m11", "a-m12"]


def test_expert_works_on_variants():
    from humanoid_ground.tasks import expert_success

    assert expert_success("reach", "apptronik_apollo-m2", range(3)) == 3
    assert expert_success("pick_place", "unitree_h1-m4", range(2)) == 2


def test_round_robin_gives_every_robot_a_fair_share():
    from humanoid_ground.training.wrappers import MultiRobotEnv

    class Fake:
        observation_space = action_space = type("S", (), {"shape": (3,)})()

        def __init__(self, name):
            self.name = name

        def reset(self, seed=None, options=None):
            return self.name, {}

        def close(self):
            pass

    robots = ["a", "b", "c"]
    for n_envs in (1, 2, 4):
        counts = {r: 0 for r in robots}
        for rank in range(n_envs):
            env = MultiRobotEnv(Fake, robots, rank)
            env.reset(seed=rank)
            for _ in range(10):
                counts[env.reset()[0]] += 1
        assert max(counts.values()) - min(counts.values()) <= n_envs, (n_envs, counts)
    # more robots than envs kept alive: a sliding window, still an equal share over each full cycle
    many = [f"r{i}" for i in range(20)]
    counts = {r: 0 for r in many}
    for rank in range(2):
        env = MultiRobotEnv(Fake, many, rank, max_envs=8)
        for _ in range(20 * 8 * 2):
            counts[env.reset()[0]] += 1
            assert len(env.envs) <= 8
    assert set(counts.values()) == {32}, counts


def test_success_sampling_gives_failing_robots_more_episodes():
    """env.robot_sampling=success: a robot the policy always solves keeps a tenth of the share of one it
    always fails on; draws are reproducible from the reset seed."""
    from humanoid_ground.training.wrappers import MultiRobotEnv

    class Episode:  # one-step episodes: robot "solved" succeeds, "hard" fails
        observation_space = action_space = type("S", (), {"shape": (3,)})()

        def __init__(self, name):
            self.name = name

        def reset(self, seed=None, options=None):
            return self.name, {}

        def step(self, action):
            return self.name, 0.0, True, False, {"is_success": self.name == "solved"}

        def close(self):
            pass

    def draws(seed):
        env = MultiRobotEnv(Episode, ["solved", "hard"], sampling="success")
        env.reset(seed=seed)
        out = []
        for _ in range(600):
            out.append(env.reset()[0])
            env.step(None)
        return out, env

    seq, env = draws(0)
    assert seq == draws(0)[0] and seq != draws(1)[0]
    assert env.success["solved"] > 0.99 and env.success["hard"] == 0.0
    share = seq[100:].count("hard") / len(seq[100:])
    assert abs(share - 1 / 1.1) < 0.05, share  # weights max(1 - s, 0.1): 1 against 0.1
    with pytest.raises(Exception, match="max_envs_per_worker"):
        MultiRobotEnv(Episode, [f"r{i}" for i in range(10)], max_envs=8, sampling="success")


def _scalars(run: Path) -> set[str]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run / "tb"))
    acc.Reload()
    return set(acc.Tags()["scalars"])


def test_multi_robot_run_metrics_checkpoint_grouping_and_resume(tmp_path):
    runs = tmp_path / "runs"
    r = run_cli("train", f"out_root={runs}", ROBOTS, *TINY, "n_envs=2", "total_timesteps=768", "eval.freq=512",
                "eval.episodes=1", "checkpoint_freq=512")
    assert r.returncode == 0, r.stdout + r.stderr
    run = next(runs.glob("*_3robots_reach_ppo_s0"))
    robots = ["unitree_h1", "fourier_gr1t2", "robotis_op3"]
    tags = _scalars(run)
    for rb in robots:
        assert f"eval/{rb}/success_rate" in tags and f"rollout/{rb}/success_rate" in tags, (rb, sorted(tags))
    summary = json.loads((run / "summary.json").read_text())
    assert summary["robots"] == robots and set(summary["final_eval"]["per_robot"]) == set(robots)
    assert set(summary["rollout_success"]) == set(robots)
    evals = [json.loads(x) for x in (run / "evaluations.jsonl").read_text().splitlines()]
    assert set(evals[0]["per_robot"]) == set(robots)
    assert abs(evals[0]["success_rate"] - np.mean([v["success_rate"] for v in evals[0]["per_robot"].values()])) < 1e-9
    with zipfile.ZipFile(run / "final_model.zip") as z:
        assert json.loads(z.read("hground/meta.json"))["robots"] == robots
    assert "unitree_h1, fourier_gr1t2, robotis_op3" in r.stdout  # the final line names every robot
    # the normaliser is fitted to all robots but leaves the embodiment descriptor unscaled (an unseen body
    # would otherwise read as ±10 std): on a held-out robot's observation those entries pass through
    import humanoid_ground as hg
    from humanoid_ground.training.checkpoint import load_checkpoint

    ck = load_checkpoint(run / "final_model.zip")
    assert ck.meta["raw_obs_keys"] == ["embodiment"] and ck.obs_keys[-1] == "embodiment"
    assert ck.inputs == "scaled" and "inputs: scaled" in (run / "config.yaml").read_text()  # env.inputs=auto, 3 robots
    env = hg.make("reach", robot="booster_t1")
    x = ck.view().flatten(env.reset(seed=0)[0])[None]
    z = ck.normalize(x)
    env.close()
    assert np.array_equal(z[0, -37:], x[0, -37:]) and not np.allclose(z[0, :-37], x[0, :-37])

    for robot, group in (("fourier_gr1t2", "in_distribution"), ("booster_t1", "held_out")):
        r = run_cli("eval", f"checkpoint={run}", "episodes=1", f"robot={robot}", f"out={tmp_path / robot}")
        assert r.returncode == 0, r.stderr
        assert json.loads((tmp_path / robot / "eval.json").read_text())["group"] == group
        assert group.replace("_", "-") in r.stdout

    r = run_cli("bench", "suite=cross_embodiment_v1", f"policy={run}", "robots=[unitree_h1,booster_t1]", f"out={tmp_path / 'b'}")
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path / "b" / "results.json").read_text())
    assert res["policy"]["trained_on"] == robots
    groups = res["aggregates"]["groups"]
    assert groups["in_distribution"]["cells"] == 1 and groups["held_out"]["cells"] == 1

    r = run_cli("train", f"resume={run}", "total_timesteps=1024", "progress=false")
    assert r.returncode == 0, r.stderr
    summary = json.loads((run / "summary.json").read_text())
    assert summary["steps"] >= 1024 and summary["robots"] == robots


def test_relative_inputs_leave_out_positions_in_training_and_eval(tmp_path):
    """env.inputs=relative: the policy's input has no torso-frame point (a held-out body's scene may stand
    anywhere); the checkpoint records it, and eval on another robot applies the same masks."""
    import humanoid_ground as hg
    from humanoid_ground.training.checkpoint import load_checkpoint
    from humanoid_ground.training.wrappers import FlattenObs

    runs = tmp_path / "runs"
    r = run_cli("train", f"out_root={runs}", "robots=[unitree_h1,fourier_gr1t2]", "env.inputs=relative", *TINY, "n_envs=1",
                "total_timesteps=128", "eval.freq=128", "eval.episodes=1", "checkpoint_freq=0")
    assert r.returncode == 0, r.stdout + r.stderr
    run = next(runs.glob("*_s0"))
    ck = load_checkpoint(run / "final_model.zip")
    assert ck.inputs == "relative" and ck.meta["observation_space"]["shape"] == [14 + 12 + 37]
    base = hg.make("reach", robot="booster_t1")
    full, _ = base.reset(seed=0)
    env = FlattenObs(base, ck.obs_keys, ck.view())
    obs = env.observation(full)
    # the kept numbers are the non-position ones, in order (TCP orientations, grips, camera orientation, ...)
    assert np.array_equal(obs[:14], np.concatenate([full["canonical"][3:8], full["canonical"][11:16], full["canonical"][19:23]]))
    env.close()
    r = run_cli("eval", f"checkpoint={run}", "episodes=1", "robot=booster_t1", f"out={tmp_path / 'ev'}")
    assert r.returncode == 0, r.stderr
    r = run_cli("train", f"out_root={tmp_path / 'bad'}", "env.inputs=relativ", "total_timesteps=64")
    assert r.returncode == 2 and "Did you mean 'relative'" in r.stderr and not (tmp_path / "bad").exists()


def test_one_robot_list_is_the_plain_robot(tmp_path):
    runs = tmp_path / "runs"
    r = run_cli("train", f"out_root={runs}", "robots=[fourier_gr1t2]", *TINY, "n_envs=1", "total_timesteps=128",
                "eval.episodes=0", "checkpoint_freq=0")
    assert r.returncode == 0, r.stderr
    run = next(runs.glob("*_s0"))
    assert "_fourier_gr1t2_reach_ppo_s0" in run.name
    cfg = (run / "config.yaml").read_text()
    assert "name: fourier_gr1t2" in cfg and "robots: null" in cfg and "inputs: all" in cfg  # env.inputs=auto, one robot


@pytest.mark.parametrize("args, needle", [
    (["robots=[unitree_h1,fourier_gr1t1]"], "Did you mean 'fourier_gr1t2'"),
    (["robots=[unitree_h1,berkeley_humanoid]"], "berkeley_humanoid"),
    (["robots=[]"], "empty"),
    (["robot=unitree_g1", "robots=[unitree_h1,booster_t1]"], "disagree"),
    (["robots=[unitree_h1,unitree_g1]", "control=joint_pos"], "ee_delta"),
    (["robots=[unitree_h1,unitree_g1]", "env.robot_sampling=succes"], "Did you mean 'success'"),
])
def test_bad_robot_lists_are_one_line_and_leave_no_folder(tmp_path, args, needle):
    r = run_cli("train", f"out_root={tmp_path / 'runs'}", *args)
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "runs").exists()
