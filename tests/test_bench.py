"""Benchmark suites as an evaluator runs them: results.json, reports, reproducibility, faults, resume, Ray."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

FAULT_ENV = {"PYTHONPATH": str(ROOT / "tests") + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _tiny_suite(tmp_path: Path) -> Path:
    f = tmp_path / "tiny.yaml"
    f.write_text("name: tiny\nversion: 1\nepisodes: 2\nseed: 0\nmax_episode_steps: 25\ncontrol: ee_delta\n"
                 "cells:\n  - {robot: unitree_h1, task: reach}\n  - {robot: unitree_g1, task: reach}\n  - {robot: unitree_h1, task: inspect}\n")
    return f


def _results(out: Path) -> dict:
    return json.loads((out / "results.json").read_text())


def test_smoke_suite_reports_and_reproducibility(tmp_path):
    from humanoid_ground.training.bench import strip_timing

    r = run_cli("bench", "suite=smoke", "policy=expert", f"out={tmp_path / 'a'}", "workers=2")
    assert r.returncode == 0, r.stderr
    a = _results(tmp_path / "a")
    assert a["schema"] == "hground.bench.results/2" and a["suite"]["id"] == "smoke@v3" and a["suite"]["seeds"] == [0, 1, 2]
    assert all(c["status"] == "ok" and len(c["episodes"]) == 3 for c in a["cells"])
    cell = a["cells"][0]
    lo, hi = cell["summary"]["success_ci95"]
    assert lo <= cell["summary"]["success_rate"] <= hi
    assert a["aggregates"]["metric"] == "normalized"  # smoke has calibrated references
    g = a["aggregates"]["groups"]["all"]
    assert {"mean", "median", "iqm"} <= set(g) and g["iqm"]["ci95"][0] <= g["iqm"]["value"] <= g["iqm"]["ci95"][1]
    assert "robot:unitree_g1" in a["aggregates"]["groups"] and "task:pick_place" in a["aggregates"]["groups"]
    md = (tmp_path / "a" / "report.md").read_text()
    assert "| unitree_h1 | pick_place |" in md and "IQM" in md
    page = (tmp_path / "a" / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 3 and "<table>" in page
    r = run_cli("bench", "suite=smoke", "policy=expert", f"out={tmp_path / 'b'}", "workers=1")
    assert r.returncode == 0, r.stderr
    b = _results(tmp_path / "b")
    assert strip_timing(a) == strip_timing(b)  # same suite, policy and seeds: identical results
    (tmp_path / "a" / "report.html").unlink()
    assert run_cli("bench", "report", str(tmp_path / "a")).returncode == 0
    assert (tmp_path / "a" / "report.html").is_file()


def test_crashing_cells_are_retried_then_recorded_and_resume_skips_done(tmp_path):
    suite = _tiny_suite(tmp_path)
    env = dict(FAULT_ENV, HG_FAULT_DIR=str(tmp_path))
    out = tmp_path / "out"
    r = run_cli("bench", f"suite={suite}", "policy=fault_policies:flaky", f"out={out}", "workers=2", env=env)
    assert r.returncode == 0, r.stderr
    cells = {c["robot"] + "/" + c["task"]: c for c in _results(out)["cells"]}
    assert cells["unitree_g1/reach"]["status"] == "ok" and cells["unitree_g1/reach"]["attempts"] == 2  # retried once
    assert cells["unitree_h1/reach"]["attempts"] == 1

    out2 = tmp_path / "out2"
    r = run_cli("bench", f"suite={suite}", "policy=fault_policies:segfault_on_inspect", f"out={out2}", "workers=2", env=env)
    assert r.returncode == 0, r.stderr
    res = _results(out2)
    cells = {c["robot"] + "/" + c["task"]: c for c in res["cells"]}
    bad = cells["unitree_h1/inspect"]
    assert bad["status"] == "failed" and bad["attempts"] == 2 and "SIGSEGV" in bad["error"]
    assert cells["unitree_h1/reach"]["status"] == "ok" and cells["unitree_g1/reach"]["status"] == "ok"
    assert "1 cell(s) failed" in r.stdout
    # the failed cell's episodes stay in the aggregate's denominator (as failures)
    assert res["aggregates"]["groups"]["task:inspect"]["mean"]["value"] == 0.0
    before = {k: c["seconds"] for k, c in cells.items()}
    r = run_cli("bench", f"suite={suite}", "policy=fault_policies:segfault_on_inspect", f"out={out2}", "resume=true", env=env)
    assert r.returncode == 0, r.stderr
    after = {c["robot"] + "/" + c["task"]: c for c in _results(out2)["cells"]}
    assert after["unitree_h1/reach"]["seconds"] == before["unitree_h1/reach"]  # kept, not rerun
    assert after["unitree_h1/inspect"]["status"] == "failed"
    r = run_cli("bench", f"suite={suite}", "policy=fault_policies:segfault_on_inspect", f"out={out2}", env=env)
    assert r.returncode == 2 and "resume=true" in r.stderr


def test_ray_backend_matches_local(tmp_path):
    pytest.importorskip("ray")
    from humanoid_ground.training.bench import strip_timing

    suite = _tiny_suite(tmp_path)
    r = run_cli("bench", f"suite={suite}", "policy=expert", f"out={tmp_path / 'ray'}", "backend=ray", "workers=2",
                "robots=[unitree_h1]")
    assert r.returncode == 0, r.stdout + r.stderr
    r2 = run_cli("bench", f"suite={suite}", "policy=expert", f"out={tmp_path / 'local'}", "robots=[unitree_h1]")
    assert r2.returncode == 0, r2.stderr
    a, b = strip_timing(_results(tmp_path / "ray")), strip_timing(_results(tmp_path / "local"))
    assert a.pop("backend") == "ray" and b.pop("backend") == "local"
    assert a == b


def test_bench_bad_input(tmp_path):
    r = run_cli("bench", "suite=smok", f"out={tmp_path}")
    assert r.returncode == 2 and "smoke" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run_cli("bench", "suite=smoke", "robots=[unitree_h2]", f"out={tmp_path}")
    assert r.returncode == 2 and "unitree_h1" in r.stderr
    r = run_cli("bench", "list")
    assert r.returncode == 0 and "assembly_v1" in r.stdout and "cross_embodiment_v1" in r.stdout


def test_checkpoint_runs_its_task_cells_and_reports_held_out_robots(tmp_path):
    r = run_cli("train", f"out_root={tmp_path / 'runs'}", "task.max_episode_steps=25", "n_envs=1", "algo.params.n_steps=64",
                "algo.params.batch_size=32", "algo.params.n_epochs=1", "total_timesteps=64", "eval.episodes=0",
                "checkpoint_freq=0", "progress=false")
    assert r.returncode == 0, r.stderr
    run = next((tmp_path / "runs").glob("*_s0"))
    r = run_cli("bench", f"suite={_tiny_suite(tmp_path)}", f"policy={run}", f"out={tmp_path / 'b'}", "workers=2")
    assert r.returncode == 0, r.stderr
    res = _results(tmp_path / "b")
    assert [c["task"] for c in res["cells"]] == ["reach", "reach"]  # the inspect cell is skipped, not failed
    assert any(e["task"] == "inspect" and "trained on reach" in e["why"] for e in res["suite"]["excluded"])
    assert res["policy"]["trained_on"] == ["unitree_h1"] and res["policy"]["hash"]
    groups = res["aggregates"]["groups"]
    assert groups["in_distribution"]["cells"] == 1 and groups["held_out"]["cells"] == 1


def test_registered_robot_added_to_a_suite(tmp_path):
    """robots=[...] may add a robot the suite does not list (a registered one): every suite task its arms can do,
    marked outside the reference set (success only, its own aggregate group); an unknown name is one line."""
    from robot_files import write_vendor_robot

    from humanoid_ground.training.suites import load_suite

    card = write_vendor_robot(tmp_path)
    assert run_cli("robots", "register", str(card)).returncode in (0, 1)  # registered (a failed check warns, exit 1)
    s = load_suite("assembly_v1", ["acme_bot", "unitree_h1"])
    assert s.added_robots == ["acme_bot"]
    assert {c.task for c in s.cells if c.robot == "acme_bot"} == {"reach", "pick_place", "peg_insert", "shaft_insert", "screw_drive",
                                                                         "bimanual_mount"}
    assert {c.robot for c in s.cells} == {"acme_bot", "unitree_h1"}
    out = tmp_path / "b"
    r = run_cli("bench", f"suite={_tiny_suite(tmp_path)}", "policy=expert", "robots=[unitree_h1,unitree_h1-m1]", f"out={out}")
    assert r.returncode == 0, r.stderr
    res = _results(out)
    assert res["suite"]["added_robots"] == ["unitree_h1-m1"]
    assert {(c["robot"], c["task"]) for c in res["cells"]} == {("unitree_h1", "reach"), ("unitree_h1", "inspect"),
                                                              ("unitree_h1-m1", "reach"), ("unitree_h1-m1", "inspect")}
    groups = res["aggregates"]["groups"]
    assert groups["outside_reference"]["cells"] == 2 and groups["all"]["cells"] == 2
    assert "outside the suite's reference set" in (out / "report.md").read_text()
    bad = run_cli("bench", "suite=smoke", "policy=expert", "robots=fourier_gr1t1,unitree_h1", f"out={tmp_path / 'c'}")
    assert bad.returncode == 2 and "fourier_gr1t1" in bad.stderr and "fourier_gr1t2" in bad.stderr and bad.stderr.count("\n") == 1
    assert not (tmp_path / "c").exists()


def test_calibrate_some_robots_merges_and_added_robots_go_to_the_users_file(tmp_path):
    """bench calibrate robots=[...]: the suite's robots merge into the given file (the other cells kept);
    an added robot's references go to the user's data folder and give its cells a normalised score."""
    suite = _tiny_suite(tmp_path)
    refs = tmp_path / "refs.json"
    for robot in ("unitree_h1", "unitree_g1"):
        r = run_cli("bench", "calibrate", f"suite={suite}", f"robots=[{robot}]", f"out={refs}")
        assert r.returncode == 0, r.stderr
    cells = json.loads(refs.read_text())["cells"]
    assert list(cells) == ["unitree_h1/reach", "unitree_g1/reach", "unitree_h1/inspect"]  # the suite's order
    assert all(set(v) == {"random", "expert"} for v in cells.values())
    r = run_cli("bench", "calibrate", f"suite={suite}", "robots=[unitree_h1-m1]")
    assert r.returncode == 0, r.stderr
    mine = Path(os.environ["HGROUND_HOME"]) / "data" / "references" / "tiny_v1.json"
    assert str(mine) in r.stdout and set(json.loads(mine.read_text())["cells"]) == {"unitree_h1-m1/reach", "unitree_h1-m1/inspect"}
    out = tmp_path / "b"
    assert run_cli("bench", f"suite={suite}", "policy=expert", "robots=[unitree_h1-m1]", f"out={out}").returncode == 0
    from humanoid_ground.training.report import cell_table

    res = _results(out)
    assert set(res["references"]["cells"]) == {"unitree_h1-m1/reach", "unitree_h1-m1/inspect"}
    assert all(row[5] != "—" for row in cell_table(res))  # normalised against the user's references
    assert res["aggregates"]["groups"]["outside_reference"]["cells"] == 2  # still outside the suite's reference set
    mixed = run_cli("bench", "calibrate", f"suite={suite}", "robots=[unitree_h1,unitree_h1-m1]")
    assert mixed.returncode == 2 and "separate runs" in mixed.stderr and mixed.stderr.count("\n") == 1


def test_calibrate_some_tasks_keeps_the_other_cells(tmp_path):
    """bench calibrate tasks=[...]: only that task's cells are run again, the others are kept as they were;
    a task the suite does not hold is a one-line error."""
    suite = _tiny_suite(tmp_path)
    refs = tmp_path / "refs.json"
    assert run_cli("bench", "calibrate", f"suite={suite}", "robots=[unitree_g1]", f"out={refs}").returncode == 0
    d = json.loads(refs.read_text())
    d["cells"]["unitree_g1/reach"]["expert"]["success_rate"] = 0.123  # a marker: this cell must survive
    refs.write_text(json.dumps(d))
    r = run_cli("bench", "calibrate", f"suite={suite}", "tasks=[inspect]", f"out={refs}")
    assert r.returncode == 0, r.stderr
    cells = json.loads(refs.read_text())["cells"]
    assert list(cells) == ["unitree_g1/reach", "unitree_h1/inspect"]
    assert cells["unitree_g1/reach"]["expert"]["success_rate"] == 0.123
    assert set(cells["unitree_h1/inspect"]) == {"random", "expert"}
    bad = run_cli("bench", "calibrate", f"suite={suite}", "tasks=[peg_insert]", f"out={refs}")
    assert bad.returncode == 2 and "peg_insert" in bad.stderr and "reach" in bad.stderr and bad.stderr.count("\n") == 1


def test_suites_and_their_references_ship_in_the_wheel():
    """A non-editable install carries every config file (suite references too, or suites score success only)."""
    import glob
    import tomllib

    cfg = ROOT / "configs"
    pats = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["humanoid_ground.configs"]
    shipped = {Path(f) for pat in pats for f in glob.glob(pat, root_dir=cfg, recursive=True)}
    files = {p.relative_to(cfg) for p in cfg.rglob("*") if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts}
    assert any(f.suffix == ".json" for f in files)
    assert sorted(map(str, files - shipped)) == []
