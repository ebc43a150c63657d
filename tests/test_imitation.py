"""Imitation learning from datasets: bc and diffusion through the harness, on a tiny dataset collected here."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import run_cli

FAST = ["task.max_episode_steps=60", "eval.episodes=1", "eval.video_episodes=0", "progress=false",
        "algo.params.hidden=64", "algo.params.layers=2", "algo.params.batch_size=64", "algo.params.warmup_steps=20"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """Two robots' expert reach episodes, merged (what a user does before training)."""
    root = tmp_path_factory.mktemp("demos")
    for robot in ("unitree_h1", "fourier_gr1t2"):
        r = run_cli("collect", f"robot={robot}", "task=reach", "policy=expert", "episodes=3", "max_episode_steps=60",
                    f"out={root / robot}")
        assert r.returncode == 0, r.stderr
    r = run_cli("data", "merge", str(root / "unitree_h1"), str(root / "fourier_gr1t2"), "--out", str(root / "both"))
    assert r.returncode == 0, r.stderr
    return root / "both"


def _train(tmp_path: Path, dataset: Path, *args: str) -> Path:
    r = run_cli("train", f"dataset={dataset}", f"out_root={tmp_path / 'runs'}", *FAST, *args)
    assert r.returncode == 0, r.stdout + r.stderr
    return sorted((tmp_path / "runs").glob("*_s*"))[-1]


def test_dataset_feeds_a_torch_dataset_with_chunks(dataset):
    import torch

    from humanoid_ground.training.imitation import Normalizer, chunk_dataset, load_demos

    d = load_demos(dataset)
    assert d.robots == ["unitree_h1", "fourier_gr1t2"] and d.task == "reach" and d.episodes == 6
    assert d.obs.shape == (360, 23 + 15 + 37) and d.act.shape == (360, 16)
    norm = Normalizer(d.stats)
    # the embodiment descriptor (constant per robot) passes unscaled; the state is standardised
    assert np.array_equal(norm.obs(d.obs)[:, -37:], d.obs[:, -37:]) and not np.allclose(norm.obs(d.obs)[:, :38], d.obs[:, :38])
    ds = chunk_dataset(d, norm, n_obs=2, horizon=8)
    o, a, m = ds[[0, 59, 60]]
    assert o.shape == (3, 2, 75) and a.shape == (3, 8, 16)
    assert torch.equal(o[0, 0], o[0, 1])  # the first frame has no past: repeated
    assert m[1].tolist() == [True] + [False] * 7 and m[2].all()  # the chunk stops at the episode's end
    assert float(a.abs().max()) <= 1.0 + 1e-6  # actions normalised to [-1, 1] from meta/stats.json
    loader = torch.utils.data.DataLoader(ds, batch_size=32, shuffle=True)
    ob, ab, mb = next(iter(loader))
    assert ob.shape == (32, 2, 75) and ab.shape == (32, 8, 16) and mb.dtype == torch.bool
    fast = torch.utils.data.DataLoader(ds, sampler=torch.utils.data.BatchSampler(torch.utils.data.RandomSampler(ds), 32, False),
                                       batch_size=None)
    ob, ab, mb = next(iter(fast))
    assert ob.shape == (32, 2, 75) and ab.shape == (32, 8, 16)


@pytest.mark.parametrize("algo", ["bc", "diffusion"])
def test_train_eval_bench_collect_resume(tmp_path, dataset, algo):
    run = _train(tmp_path, dataset, f"algo={algo}", "total_timesteps=300", "eval.freq=300", "checkpoint_freq=150")
    assert run.name.endswith(f"_2robots_reach_{algo}_s0")  # task and robots from the dataset
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run / "tb"))
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    for t in ("train/loss", "train/lr", "eval/unitree_h1/success_rate", "eval/fourier_gr1t2/success_rate"):
        assert t in tags, (t, sorted(tags))
    loss = [e.value for e in acc.Scalars("train/loss")]
    assert loss[-1] < loss[0]  # it learns
    with zipfile.ZipFile(run / "best_model.zip") as z:
        meta = json.loads(z.read("hground/meta.json"))
    assert meta["robots"] == ["unitree_h1", "fourier_gr1t2"] and meta["config"]["algo"]["name"] == algo
    # the default embodiment=auto (bc and diffusion), decided at training (2 bodies: out) and kept in the checkpoint
    assert meta["config"]["algo"]["params"]["embodiment"] is False

    r = run_cli("eval", f"checkpoint={run}", "episodes=1", "robot=booster_t1", f"out={tmp_path / 'ev'}")
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "ev" / "eval.json").read_text())["group"] == "held_out"
    r = run_cli("bench", "suite=smoke", f"policy={run}", f"out={tmp_path / 'b'}")
    assert r.returncode == 0, r.stderr
    r = run_cli("collect", "robot=unitree_h1", "task=reach", f"policy={run / 'final_model.zip'}", "episodes=1",
                "max_episode_steps=20", f"out={tmp_path / 'c'}")
    assert r.returncode == 0, r.stderr

    r = run_cli("train", f"resume={run}", "total_timesteps=400", "progress=false")
    assert r.returncode == 0, r.stderr
    assert json.loads((run / "summary.json").read_text())["steps"] == 400


@pytest.mark.parametrize("inputs", ["relative", "scaled"])
def test_relative_inputs_leave_out_torso_frame_points(tmp_path, dataset, inputs):
    """inputs=relative|scaled: the policy sees no position field of the canonical or task state (and no
    embodiment with embodiment=false); scaled divides the vector fields by the body's scale; eval on
    another robot rebuilds the same view from the checkpoint."""
    import humanoid_ground as hg
    from humanoid_ground.envs.embodiment import describe
    from humanoid_ground.envs.layout import STATE_FIELDS
    from humanoid_ground.tasks.registry import task_class
    from humanoid_ground.training.imitation import imitation_view
    from humanoid_ground.training.inputs import scale_index

    cls = task_class("reach")
    fields = STATE_FIELDS + cls.observation_fields(cls.Params())
    view = imitation_view({"inputs": inputs}, "reach", None, 15)
    kinds = [kind for _, n, kind in fields for _ in range(n)]
    assert np.concatenate([view.keep["canonical"], view.keep["task"]]).tolist() == [k != "position" for k in kinds]
    env = hg.make("reach", robot="robotis_op3")  # the smallest body: scale far from 1
    obs, _ = env.reset(seed=0)
    env.close()
    x = np.concatenate([obs["canonical"], obs["task"], obs["embodiment"]])
    v = view.apply(x, [23, 15, 37])
    kept = [k for k in kinds if k != "position"]
    vec = np.array([k == "vector" for k in kept])
    raw = x[:38][[k != "position" for k in kinds]]
    s = obs["embodiment"][scale_index()]
    assert abs(s - describe(obs["embodiment"])["scale"][0]) < 1e-4 and s < 0.6
    np.testing.assert_allclose(v[:len(kept)][vec], raw[vec] / (s if inputs == "scaled" else 1.0), rtol=1e-5)
    assert np.array_equal(v[:len(kept)][~vec], raw[~vec]) and np.array_equal(v[len(kept):], obs["embodiment"])
    assert not imitation_view({"inputs": inputs, "embodiment": False}, "reach", None, 15).keep["embodiment"].any()

    run = _train(tmp_path, dataset, "algo=bc", "total_timesteps=100", "eval.episodes=0", f"algo.params.inputs={inputs}",
                 "algo.params.embodiment=false")
    with zipfile.ZipFile(run / "final_model.zip") as z:
        meta = json.loads(z.read("hground/meta.json"))
    assert meta["obs_dim"] == 23 - 9 + 15 - 3
    r = run_cli("eval", f"checkpoint={run}", "episodes=1", "robot=booster_t1", f"out={tmp_path / 'ev'}")
    assert r.returncode == 0, r.stderr


def test_noisy_expert_collection_keeps_expert_labels(tmp_path):
    """action_noise: the env runs perturbed actions, the dataset keeps the expert's (DART-style data)."""
    from humanoid_ground.data.lerobot import iter_episodes, read_info

    r = run_cli("collect", "robot=unitree_h1", "task=reach", "policy=expert", "episodes=1", "max_episode_steps=30",
                "action_noise=0.3", f"out={tmp_path / 'n'}")
    assert r.returncode == 0, r.stderr
    assert read_info(tmp_path / "n")["hground"]["action_noise"] == 0.3
    (ep,) = list(iter_episodes(tmp_path / "n", images=False))
    # the labels are the expert's own actions, within [-1, 1]
    assert np.abs(ep["action"]).max() <= 1.0 and ep["action"].shape == (30, 16)


def test_fixed_seed_gives_identical_weights(tmp_path, dataset):
    import io

    import torch

    def weights(run: Path):
        with zipfile.ZipFile(run / "final_model.zip") as z:
            return torch.load(io.BytesIO(z.read("policy.pt")), weights_only=False)["model"]

    a = weights(_train(tmp_path / "a", dataset, "algo=bc", "total_timesteps=120", "eval.episodes=0"))
    b = weights(_train(tmp_path / "b", dataset, "algo=bc", "total_timesteps=120", "eval.episodes=0"))
    c = weights(_train(tmp_path / "c", dataset, "algo=bc", "total_timesteps=120", "eval.episodes=0", "seed=1"))
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_bad_datasets_and_robots_are_one_line(tmp_path, dataset):
    def one_line(r, needle):
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2 and len(lines) == 1 and needle in lines[0], r.stdout + r.stderr

    one_line(run_cli("train", "algo=bc", f"dataset={tmp_path}", f"out_root={tmp_path / 'runs'}"), "not a LeRobot v3 dataset")
    one_line(run_cli("train", "algo=bc", f"dataset={dataset}", "robots=[unitree_h1,booster_t1]", f"out_root={tmp_path / 'runs'}"),
             "booster_t1")
    one_line(run_cli("train", "algo=bc", f"out_root={tmp_path / 'runs'}"), "dataset=PATH")
    broken = tmp_path / "broken"
    (broken / "meta").mkdir(parents=True)
    info = json.loads((dataset / "meta" / "info.json").read_text())
    info["features"].pop("action")
    (broken / "meta" / "info.json").write_text(json.dumps(info))
    one_line(run_cli("train", "algo=bc", f"dataset={broken}", f"out_root={tmp_path / 'runs'}"), "action")
    one_line(run_cli("train", "algo=bc", f"dataset={dataset}", "algo.params.embodiment=sometimes", f"out_root={tmp_path / 'runs'}"),
             "true, false or auto")
    one_line(run_cli("train", "algo=bc", f"dataset={dataset}", "algo.params.actions=metres", f"out_root={tmp_path / 'runs'}"),
             "algo.params.actions")
    assert not (tmp_path / "runs").exists()


def test_embodiment_auto_is_decided_by_the_number_of_training_bodies():
    from humanoid_ground.training.imitation import AUTO_EMBODIMENT_BODIES, resolve_embodiment

    p = {"embodiment": "auto"}
    assert resolve_embodiment(p) == "auto"  # undecided until the data is read
    assert resolve_embodiment(p, AUTO_EMBODIMENT_BODIES - 1) is False and resolve_embodiment(p, AUTO_EMBODIMENT_BODIES) is True
    assert resolve_embodiment({"embodiment": False}, 50) is False and resolve_embodiment({"embodiment": "true"}, 1) is True


def test_checkpoint_of_another_schema_is_refused_by_eval(tmp_path, dataset):
    run = _train(tmp_path, dataset, "algo=bc", "total_timesteps=60", "eval.episodes=0")
    r = run_cli("eval", f"checkpoint={run}", "episodes=1", "task=pick_place")
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and "key 'task'" in lines[0], r.stderr


def test_success_tail_trims_each_episode_after_its_first_success(dataset):
    from humanoid_ground.common.lerobot_read import read_columns
    from humanoid_ground.training.imitation import load_demos

    cols = read_columns(dataset, ["next.success"])
    ep, ok = cols["episode_index"].reshape(-1), cols["next.success"].reshape(-1).astype(bool)
    first = {int(e): int(np.argmax(ok[ep == e])) for e in np.unique(ep) if ok[ep == e].any()}
    assert first, "the reach experts succeed within 60 steps"
    d = load_demos(dataset, success_tail=3)
    lengths = np.diff(np.r_[np.unique(d.ep_start), len(d.obs)])
    want = [min(int((ep == e).sum()), first[e] + 1 + 3) if e in first else int((ep == e).sum()) for e in np.unique(ep)]
    assert lengths.tolist() == want and len(d.obs) < len(load_demos(dataset).obs)


def test_success_only_leaves_out_failed_episodes(tmp_path):
    from humanoid_ground.training.imitation import load_demos

    for policy in ("expert", "random"):  # a random policy never reaches the target in 30 steps
        r = run_cli("collect", "robot=unitree_h1", "task=reach", f"policy={policy}", "episodes=2", "max_episode_steps=30",
                    f"out={tmp_path / policy}")
        assert r.returncode == 0, r.stderr
    r = run_cli("data", "merge", str(tmp_path / "expert"), str(tmp_path / "random"), "--out", str(tmp_path / "both"))
    assert r.returncode == 0, r.stderr
    every, kept = load_demos(tmp_path / "both"), load_demos(tmp_path / "both", success_only=True)
    assert every.episodes == 4 and kept.episodes == 2 and len(kept.obs) < len(every.obs)



def test_ema_checkpoints_hold_the_averaged_weights_and_resume(tmp_path, dataset):
    import io

    import torch

    def blob(path: Path):
        with zipfile.ZipFile(path) as z:
            return torch.load(io.BytesIO(z.read("policy.pt")), weights_only=False)

    run = _train(tmp_path, dataset, "algo=bc", "total_timesteps=120", "eval.episodes=0", "algo.params.ema=0.9",
                 "checkpoint_freq=60")
    b = blob(run / "final_model.zip")
    assert set(b) >= {"model", "train_model"}
    assert not all(torch.equal(b["model"][k], b["train_model"][k]) for k in b["model"])  # the average, not the last step
    # resuming from the 60-step checkpoint gives the uninterrupted run's weights, average included
    import shutil

    (run / "summary.json").unlink()
    for f in ("final_model.zip", "checkpoints/step_000000120.zip"):
        (run / f).unlink()
    r = run_cli("train", f"resume={run}", "progress=false")
    assert r.returncode == 0, r.stderr
    c = blob(run / "final_model.zip")
    for key in ("model", "train_model"):
        assert all(torch.allclose(b[key][k], c[key][k], atol=1e-6) for k in b[key]), key
    r = run_cli("eval", f"checkpoint={run / 'final_model.zip'}", "episodes=1", "robot=unitree_h1", f"out={tmp_path / 'ev'}")
    assert r.returncode == 0, r.stderr
    shutil.rmtree(tmp_path / "ev")


def test_scaled_actions_are_learnt_in_body_units(tmp_path, dataset):
    """actions=scaled: each arm's Δxyz is learnt divided by the body's scale (the rest as recorded) and the
    policy multiplies it back by the scale of the body it runs on."""
    import io

    import torch

    import humanoid_ground as hg
    from humanoid_ground.training.checkpoint import Checkpoint
    from humanoid_ground.training.imitation import ImitationPolicy, load_demos, position_action_columns, scale_actions
    from humanoid_ground.training.inputs import scale_index

    cols = position_action_columns()
    assert sorted(cols.tolist()) == [0, 1, 2, 7, 8, 9]
    a = np.random.default_rng(0).uniform(-1, 1, (5, 16)).astype(np.float32)
    s = np.linspace(0.5, 1.2, 5)
    b = scale_actions(a, s)
    np.testing.assert_allclose(b[:, cols], a[:, cols] / s[:, None], rtol=1e-6)
    other = np.setdiff1d(np.arange(16), cols)
    assert np.array_equal(b[:, other], a[:, other])
    np.testing.assert_allclose(scale_actions(b, s, inverse=True), a, rtol=1e-6)

    run = _train(tmp_path, dataset, "algo=bc", "total_timesteps=100", "eval.episodes=0", "algo.params.actions=scaled")
    with zipfile.ZipFile(run / "final_model.zip") as z:
        meta = json.loads(z.read("hground/meta.json"))
        norm = torch.load(io.BytesIO(z.read("policy.pt")), weights_only=False)["normalizer"]
    assert meta["config"]["algo"]["params"]["actions"] == "scaled"
    assert meta["config"]["algo"]["params"]["mirror"] is False  # auto: reach is not mirror-symmetric
    d = load_demos(dataset, success_tail=50)
    scaled = scale_actions(d.act, d.obs[:, 23 + d.task_dim + scale_index()])
    np.testing.assert_allclose(np.asarray(norm["a_max"])[cols], scaled[:, cols].max(0), rtol=1e-5)
    # at run time: the same prediction, times the scale of the body the policy runs on, clipped
    env = hg.make("reach", robot="robotis_op3")
    obs, _ = env.reset(seed=0)
    pol = ImitationPolicy(env, Checkpoint(run / "final_model.zip", meta, None))
    raw = pol.norm.unact(np.zeros(16, np.float32))
    out = pol._act(raw, obs)
    env.close()
    sc = float(obs["embodiment"][scale_index()])
    np.testing.assert_allclose(out[cols], np.clip(raw[cols] * sc, -1, 1), rtol=1e-5)
    r = run_cli("eval", f"checkpoint={run}", "episodes=1", "robot=booster_t1", f"out={tmp_path / 'ev'}")
    assert r.returncode == 0, r.stderr
