"""``hground bench``: a policy x a suite's cells -> results.json (+ reports), in worker processes or
on Ray, with one retry per crashed cell and resume."""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import platform
import signal
import time
import traceback
from collections import deque
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable

from humanoid_ground import __version__
from humanoid_ground.common.policy_spec import check_policy_spec
from humanoid_ground.errors import HGroundError

from .rollout import run_episodes, summarize
from .suites import Suite, load_suite, read_references

SCHEMA = "hground.bench.results/2"  # /2: policy.trained_on is the list of training robots
TIMING_KEYS = ("started", "finished", "duration_s", "seconds")
DEFAULTS = {"suite": "smoke", "policy": "expert", "robots": None, "workers": 1, "backend": "local", "out": None,
            "resume": False, "address": None}


def run_cell(cell: dict, policy: str, suite: dict) -> dict:
    """One cell: the suite's seeds on (robot, task) with ``policy``. Raises on failure."""
    import humanoid_ground as hg

    from .policies import make_policy

    from humanoid_ground.envs.settings import env_kwargs

    kw = env_kwargs(suite.get("env"), suite["control"])
    if suite.get("max_episode_steps"):
        kw["max_episode_steps"] = int(suite["max_episode_steps"])
    t0 = time.time()
    env = hg.make(cell["task"], robot=cell["robot"], **kw)
    try:
        pol = make_policy(policy, env, seed=int(suite["seed"]))
        rows, _ = run_episodes(env, pol, suite["seeds"])
    finally:
        env.close()
    return {"robot": cell["robot"], "task": cell["task"], "status": "ok", "seeds": suite["seeds"], "summary": summarize(rows),
            "episodes": rows, "seconds": round(time.time() - t0, 2)}


def _cell_process(conn, cell: dict, policy: str, suite: dict) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        res = run_cell(cell, policy, suite)
    except BaseException as e:  # reported to the parent, which retries or records the failure
        res = {"status": "error", "error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc(limit=5)}
    conn.send(res)
    conn.close()


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return str(code)


def _run_local(cells: list[dict], policy: str, suite: dict, workers: int, on_done: Callable[[dict], None]) -> None:
    """Each cell attempt in its own process (a segfault kills only that cell), ``workers`` at a time."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["humanoid_ground.envs.env", "humanoid_ground.training.rollout"])
    pending = deque((c, 1) for c in cells)
    running: dict = {}
    while pending or running:
        while pending and len(running) < workers:
            cell, attempt = pending.popleft()
            parent, child = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_cell_process, args=(child, cell, policy, suite), daemon=True)
            p.start()
            child.close()
            running[p.sentinel] = (p, parent, cell, attempt, time.time())
        ready = wait([k for k in running] + [v[1] for v in running.values()])
        for key in list(running):
            p, conn, cell, attempt, t0 = running[key]
            if key not in ready and conn not in ready:
                continue
            res = None
            try:
                if conn.poll():
                    res = conn.recv()
            except (EOFError, OSError):
                res = None
            p.join(timeout=30)
            if res is None and p.exitcode is None:
                continue  # data not complete yet
            del running[key]
            conn.close()
            if res is None:
                res = {"status": "error", "error": f"worker process died (exit {p.exitcode}, {_signal_name(p.exitcode)})"
                       if p.exitcode and p.exitcode < 0 else f"worker process exited with code {p.exitcode} without a result"}
            _finish(res, cell, attempt, t0, pending, on_done)


def _finish(res: dict, cell: dict, attempt: int, t0: float, pending, on_done) -> None:
    if res.get("status") == "ok":
        res["attempts"] = attempt
        on_done(res)
    elif attempt == 1:
        pending.append((cell, 2))  # retried once
    else:
        on_done({"robot": cell["robot"], "task": cell["task"], "status": "failed", "error": res.get("error"),
                 "attempts": attempt, "seconds": round(time.time() - t0, 2), "episodes": [], "summary": None})


def _run_ray(cells: list[dict], policy: str, suite: dict, workers: int, address: str | None, on_done) -> None:
    """The same cells as Ray tasks: ``address=None`` starts a local Ray instance, ``address=auto`` or
    ``ray://HEAD:10001`` joins a cluster."""
    try:
        import ray
    except ImportError:
        raise HGroundError("backend=ray needs Ray: pip install 'humanoid-ground[ray]'") from None
    started = False
    if not ray.is_initialized():
        kw = {"address": address} if address else {"num_cpus": workers, "include_dashboard": False}
        ray.init(log_to_driver=False, ignore_reinit_error=True, **kw)
        started = True
    try:
        remote = ray.remote(max_retries=0, num_cpus=1)(_ray_cell)
        futures = {remote.remote(c, policy, suite): (c, 1, time.time()) for c in cells}
        pending: deque = deque()
        while futures or pending:
            while pending:
                c, attempt = pending.popleft()
                futures[remote.remote(c, policy, suite)] = (c, attempt, time.time())
            done, _ = ray.wait(list(futures), num_returns=1)
            for ref in done:
                c, attempt, t0 = futures.pop(ref)
                try:
                    res = ray.get(ref)
                except Exception as e:  # the worker crashed (segfault, killed)
                    res = {"status": "error", "error": f"Ray worker failed: {type(e).__name__}: {str(e).splitlines()[0]}"}
                _finish(res, c, attempt, t0, pending, on_done)
    finally:
        if started:
            ray.shutdown()


def _ray_cell(cell, policy, suite):
    try:
        return run_cell(cell, policy, suite)
    except Exception as e:
        return {"status": "error", "error": f"{type(e).__name__}: {e}"}


def machine() -> dict:
    return {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "processor": platform.machine()}


def _atomic_json(path: Path, obj) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2, default=str))
    os.replace(tmp, path)


def suite_dict(s: Suite) -> dict:
    return {"name": s.name, "version": s.version, "id": s.id, "file_hash": s.file_hash, "description": s.description,
            "episodes": s.episodes, "seeds": s.seeds, "control": s.control, "max_episode_steps": s.max_episode_steps,
            "cross_embodiment": s.cross_embodiment, "excluded": s.excluded, "added_robots": s.added_robots}


def run_bench(opts: dict, progress: Callable[[dict], None] | None = None) -> dict:
    """Run ``opts['suite']`` for ``opts['policy']``; writes ``out``/results.json after every cell,
    then report.md and report.html. ``resume``: cells already in results.json (status ok) are kept."""
    from .policies import policy_identity
    from .report import compute_aggregates, write_reports

    if not opts.get("out"):
        raise HGroundError("bench: missing out=DIR")
    if opts["backend"] not in ("local", "ray"):
        raise HGroundError(f"backend={opts['backend']}: use local or ray")
    robots = opts.get("robots")
    robots = [robots] if isinstance(robots, str) else robots
    suite = load_suite(str(opts["suite"]), robots)
    policy = check_policy_spec(opts["policy"])
    ident = policy_identity(policy)
    trained_on = None
    if ident["kind"] == "checkpoint":
        from .checkpoint import load_checkpoint

        ck = load_checkpoint(policy)
        trained_on = ck.robots
        if ck.control != suite.control:
            raise HGroundError(f"suite {suite.id} runs control={suite.control}; the checkpoint acts with control={ck.control}")
        # a checkpoint acts on the task it was trained for (its task observation): other cells are skipped, not failed
        task = ck.meta["config"]["task"]["name"]
        skipped = [c for c in suite.cells if c.task != task]
        suite.cells = [c for c in suite.cells if c.task == task]
        if not suite.cells:
            raise HGroundError(f"suite {suite.id} has no {task} cells, the task this checkpoint was trained on")
        suite.excluded = list(suite.excluded) + [{"robot": c.robot, "task": c.task, "why": f"the checkpoint was trained on {task}"}
                                                 for c in skipped]
    out = Path(opts["out"]).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    rfile = out / "results.json"
    done: dict[str, dict] = {}
    if rfile.is_file():
        if not opts.get("resume"):
            raise HGroundError(f"{rfile} exists; pass resume=true to continue it, or choose a new out=")
        old = json.loads(rfile.read_text())
        if old["suite"]["id"] != suite.id or old["policy"]["spec"] != policy:
            raise HGroundError(f"resume: {rfile} is {old['suite']['id']} for policy {old['policy']['spec']}; this run is {suite.id} for {policy}")
        done = {f"{c['robot']}/{c['task']}": c for c in old["cells"] if c["status"] == "ok"}
    sd = suite_dict(suite)
    results = {"schema": SCHEMA, "suite": sd, "policy": dict(ident, trained_on=trained_on), "project_version": __version__,
               "machine": machine(), "backend": opts["backend"], "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
               "references": suite.references(), "cells": []}
    cells_by_key = {c.key: c for c in suite.cells}
    collected: dict[str, dict] = {k: v for k, v in done.items() if k in cells_by_key}

    def on_done(res: dict) -> None:
        collected[f"{res['robot']}/{res['task']}"] = res
        results["cells"] = [collected[c.key] for c in suite.cells if c.key in collected]
        _atomic_json(rfile, results)
        if progress:
            progress(res)

    todo = [{"robot": c.robot, "task": c.task} for c in suite.cells if c.key not in collected]
    cfg = dict(sd, seed=suite.seed)
    t0 = time.time()
    if todo:
        if opts["backend"] == "ray":
            _run_ray(todo, policy, cfg, max(1, int(opts["workers"])), opts.get("address"), on_done)
        else:
            _run_local(todo, policy, cfg, max(1, int(opts["workers"])), on_done)
    results["cells"] = [collected[c.key] for c in suite.cells if c.key in collected]
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    results["duration_s"] = round(time.time() - t0, 1)
    results["aggregates"] = compute_aggregates(results)
    _atomic_json(rfile, results)
    write_reports(results, out)
    return results


def strip_timing(obj):
    """results.json without its timing fields (for reproducibility comparisons)."""
    if isinstance(obj, dict):
        return {k: strip_timing(v) for k, v in obj.items() if k not in TIMING_KEYS}
    if isinstance(obj, list):
        return [strip_timing(v) for v in obj]
    return obj


def calibrate(suite_name: str, workers: int = 1, out: str | None = None, progress=None,
              robots: list[str] | None = None, tasks: list[str] | None = None) -> Path:
    """Random and expert reference numbers for the cells of a suite (the 0 and 100 of the normalised
    score), stored beside the suite as references/<name>_v<version>.json.

    ``robots``: only those robots' cells, merged into the file (the other cells are kept). Robots the
    suite lists go to the suite's file (a maintainer recalibrating the bodies a change touched); robots
    it does not list (registered ones) go to the user's file (:meth:`Suite.user_reference_file`).
    ``tasks``: likewise only those tasks' cells (a change to one task's expert recalibrates that task)."""
    suite = load_suite(suite_name, robots)
    if tasks:
        unknown = sorted(set(tasks) - {c.task for c in suite.cells})
        if unknown:
            raise HGroundError(f"bench calibrate: suite {suite.id} has no cells of task(s) {', '.join(unknown)}"
                               f"{' for these robots' if robots else ''}; its tasks: {', '.join(sorted({c.task for c in suite.cells}))}")
        suite.cells = [c for c in suite.cells if c.task in tasks]
    if robots and suite.added_robots and len(suite.added_robots) < len(set(robots)):
        raise HGroundError(f"bench calibrate: {', '.join(suite.added_robots)} are not in suite {suite.id} and the other "
                           "robots are; calibrate the suite's robots and added robots in separate runs")
    path = Path(out) if out else (suite.user_reference_file() if suite.added_robots else suite.reference_file())
    partial = bool(robots or tasks)
    old = read_references(path, "calibrate") if partial else {}
    if old:
        if old.get("suite") != suite.id:
            raise HGroundError(f"{path} holds references of {old.get('suite')}, not {suite.id}; pass out=PATH")
    sd = dict(suite_dict(suite), seed=suite.seed)
    refs: dict[str, dict] = {}
    for policy in ("random", "expert"):
        cells = [{"robot": c.robot, "task": c.task} for c in suite.cells]

        def on_done(res, policy=policy):
            key = f"{res['robot']}/{res['task']}"
            s = res.get("summary") or {}
            refs.setdefault(key, {})[policy] = {"success_rate": s.get("success_rate"), "mean_return": s.get("mean_return"),
                                                "status": res["status"]}
            if progress:
                progress(policy, res)
        _run_local(cells, policy, sd, workers, on_done)
    path.parent.mkdir(parents=True, exist_ok=True)
    cells = dict(old.get("cells", {}))
    cells.update({c.key: refs.get(c.key, {}) for c in suite.cells})
    if partial and not suite.added_robots:  # the suite's own file: its cells in the suite's order
        cells = {c.key: cells[c.key] for c in load_suite(suite_name).cells if c.key in cells}
    _atomic_json(path, {"suite": suite.id, "file_hash": suite.file_hash, "seeds": suite.seeds, "project_version": __version__,
                        "cells": cells})
    return path
