"""``hground`` — the command line.

Sub-commands::

    hground robots list [--format json]
    hground robots show NAME
    hground robots check NAME|CARD.yaml [--format json] [--quick]
    hground robots register CARD.yaml [--force]
    hground robots unregister NAME
    hground train [Hydra overrides]          e.g. robot=unitree_g1 task=peg_insert algo=sac seed=3
    hground eval checkpoint=PATH [episodes=50 robot=... task=... video=N out=DIR]

Every user error is one line on stderr and exit code 2; ``--debug`` shows the traceback.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Sequence

from humanoid_ground import __version__
from humanoid_ground.errors import HGroundError

EXIT_FAIL, EXIT_USAGE = 1, 2


def _console(stderr: bool = False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 160  # pipes and CI logs: wide enough not to fold tables
    return Console(stderr=stderr, highlight=False, width=width)


# --- robots -------------------------------------------------------------------------------------

def _robot_row(card) -> dict:
    from humanoid_ground.robots import load_asset

    asset = load_asset(card)
    ref = card.source.ref
    return {
        "name": card.name, "vendor": card.vendor, "model": card.model, "dof": asset.dof,
        "arms": len(card.arms), "hands": card.has_hands,
        "source": f"{ref.package}:{ref.path}" if ref.package else str(ref.file),
        "format": card.source.kind, "license": card.license, "builtin": card.builtin,
        "mass_kg": round(asset.total_mass, 2),
    }


def cmd_robots_list(args) -> int:
    from humanoid_ground.robots import all_cards

    cards = all_cards()
    rows = []
    with _progress(f"loading {len(cards)} robots", enabled=args.format != "json") as step:
        for c in cards:
            step(c.name)
            rows.append(_robot_row(c))
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    from rich.table import Table

    t = Table(title="humanoid-ground robots")
    for col in ("name", "vendor", "model", "dof", "arms", "hands", "format", "license", "origin"):
        t.add_column(col)
    for r in rows:
        t.add_row(r["name"], r["vendor"], r["model"], str(r["dof"]), str(r["arms"]), "yes" if r["hands"] else "no",
                  r["format"], r["license"], "built-in" if r["builtin"] else "registered")
    _console().print(t)
    return 0


def cmd_robots_show(args) -> int:
    from humanoid_ground.robots import get_card, load_asset

    card = get_card(args.name)
    if args.format == "yaml":  # a card to start from: hground robots show NAME --format yaml > my_robot.yaml
        from humanoid_ground.robots.registry import card_yaml

        print(card_yaml(card), end="")
        return 0
    asset = load_asset(card)
    if args.format == "json":
        print(json.dumps({"card": card.model_dump(mode="json", exclude_none=True), "joints": [j.__dict__ for j in asset.joints],
                          "links": asset.links, "warnings": asset.warnings, "model_hash": asset.model_hash}, indent=2))
        return 0
    from rich.table import Table

    con = _console()
    con.print(f"[bold]{card.name}[/bold] — {card.vendor} {card.model} ({card.license})")
    if card.description:
        con.print(card.description)
    con.print(f"source: {card.source.kind} {card.source.ref.package or ''} {card.source.ref.path or card.source.ref.file}")
    con.print(f"asset: {asset.urdf_path}  (model hash {asset.model_hash})")
    con.print(f"mass {asset.total_mass:.2f} kg, {asset.dof} movable joints, {len(asset.links)} links, collision model '{card.collision}'")
    roles = Table(title="canonical roles")
    roles.add_column("role")
    roles.add_column("mapping")
    roles.add_row("base_link", f"{card.base_link} (standing height {card.standing_height} m)")
    roles.add_row("torso_link", card.torso_link)
    hc = card.head_camera
    roles.add_row("head_camera", f"{hc.link} xyz={list(hc.xyz)} rpy={list(hc.rpy)} fov={hc.fov}")
    for side, arm in card.arms.items():
        g = arm.grasp.type + (f" ({len(arm.grasp.joints)} finger joints)" if arm.grasp.joints else "")
        roles.add_row(f"arm {side}", f"{len(arm.joints)} joints -> {arm.ee_link}, tcp {list(arm.tcp_xyz)}, grasp {g}")
    if card.head_joints:
        roles.add_row("head", f"yaw={card.head_joints.yaw} pitch={card.head_joints.pitch}")
    for side, js in (card.legs or {}).items():
        roles.add_row(f"leg {side}", ", ".join(js))
    con.print(roles)
    jt = Table(title="joints")
    for col in ("joint", "type", "parent -> child", "lower", "upper", "effort", "default"):
        jt.add_column(col)
    for j in asset.joints:
        if not j.movable:
            continue
        jt.add_row(j.name, j.type, f"{j.parent} -> {j.child}", _f(j.lower), _f(j.upper), f"{j.effort:g}",
                   _f(card.default_pose.get(j.name, 0.0)))
    con.print(jt)
    lt = Table(title="links")
    lt.add_column("link")
    lt.add_column("mass kg")
    for name, d in asset.links.items():
        lt.add_row(name, f"{d['mass']:.4g}" + (" (placeholder)" if d.get("placeholder") else ""))
    con.print(lt)
    for w in asset.warnings:
        con.print(f"[yellow]warning[/yellow]: {w}")
    return 0


def _f(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def _run_check(target: str, fmt: str, quick: bool):
    from humanoid_ground.robots import check_robot, get_card

    card = get_card(target)
    with _progress(f"checking {card.name}", enabled=fmt != "json") as step:
        rep = check_robot(card, progress=step, physics=not quick)
        if rep.ok:  # the model is sound: can the tasks run on it? (envs: bench reach, head axes, camera view)
            from humanoid_ground.envs.readiness import readiness_checks

            step("task readiness")
            rep.checks += readiness_checks(card)
            if card.head_camera is not None and all(c.status != "fail" for c in rep.checks):
                from humanoid_ground.tasks.readiness import inspection_check

                step("inspection setup")
                rep.checks.append(inspection_check(card.name if card.builtin else target))
                if card.arms:
                    from humanoid_ground.tasks.readiness import defect_sort_check

                    rep.checks.append(defect_sort_check(card.name if card.builtin else target))
    return card, rep


def _print_report(rep, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(rep.to_dict(), indent=2))
        return
    con = _console()
    colour = {"pass": "green", "warn": "yellow", "fail": "red", "skip": "dim"}
    con.print(f"[bold]robot check: {rep.robot}[/bold]")
    for c in rep.checks:
        con.print(f"  [{colour[c.status]}]{c.status.upper():4}[/{colour[c.status]}]  {c.name:20} {c.detail}")
    con.print(f"[bold]{'OK' if rep.ok else 'FAILED'}[/bold]: " + ", ".join(f"{k}={v}" for k, v in rep.summary.items() if k != "urdf"))


def _role_failure(rep, card) -> str | None:
    c = rep.get("roles")
    if c is not None and c.status == "fail":
        first = c.detail.split("; ")[0]
        return f"{card.card_path or card.name}: {first}; fix the card"
    return None


def cmd_robots_check(args) -> int:
    card, rep = _run_check(args.target, args.format, args.quick)
    _print_report(rep, args.format)
    bad_role = _role_failure(rep, card)
    if bad_role:
        raise HGroundError(bad_role)
    return 0 if rep.ok else EXIT_FAIL


def cmd_robots_register(args) -> int:
    from humanoid_ground.robots import load_card, register

    from humanoid_ground.robots.registry import check_can_register

    card = load_card(args.card)
    check_can_register(card, overwrite=args.force)  # before the (long) validation
    _, rep = _run_check(args.card, args.format, args.quick)
    _print_report(rep, args.format)
    bad_role = _role_failure(rep, card)
    if bad_role:
        raise HGroundError(bad_role + " (nothing was registered)")
    if not rep.ok:
        failed = [c.name for c in rep.checks if c.status == "fail"]
        print(f"hground: {args.card}: validation failed ({', '.join(failed)}); nothing was registered", file=sys.stderr)
        return EXIT_FAIL
    dest = register(card, overwrite=args.force)
    if args.format != "json":
        _console().print(f"registered [bold]{card.name}[/bold] -> {dest}; use it anywhere as robot={card.name}")
    return 0


def cmd_robots_unregister(args) -> int:
    from humanoid_ground.robots import unregister

    path = unregister(args.name)
    print(f"unregistered {args.name} (removed {path})")
    return 0


# where each key=value command keeps its keys and defaults (imported only for --help)
KV_DEFAULTS = {"eval": "humanoid_ground.training.evaluate", "collect": "humanoid_ground.data.collect",
               "bench": "humanoid_ground.training.bench"}


class _KeysHelp(argparse.Action):
    """``--help`` of a key=value command: usage, what it does, and every key with its default."""

    def __init__(self, option_strings, dest, defaults: str, **kw):
        self.defaults_module = defaults
        super().__init__(option_strings, dest, **kw)

    def __call__(self, parser, namespace, values, option_string=None):
        import importlib

        defaults = importlib.import_module(self.defaults_module).DEFAULTS
        parser.print_help()
        print("\nkeys (default):")
        for k, v in defaults.items():
            print(f"  {k}={'' if v is None else v}")
        parser.exit()


# --- training ------------------------------------------------------------------------------------

def cmd_train(args) -> int:
    from humanoid_ground.training.app import run

    return run(args.overrides)


def cmd_eval(args) -> int:
    from humanoid_ground.kv import parse_kv
    from humanoid_ground.training.evaluate import DEFAULTS, evaluate

    opts = parse_kv(args.options, DEFAULTS, "eval", required=("checkpoint",))
    with _progress(f"evaluating {opts['checkpoint']}") as step:
        res = evaluate(opts, on_episode=lambda row: step(f"seed {row['seed']}: {'success' if row['success'] else 'fail'}"))
    s = res["summary"]
    lo, hi = s["success_ci95"]
    t = res["trained_on"]
    group = "in-distribution" if res["group"] == "in_distribution" else "held-out"
    print(f"{res['task']} on {res['robot']}, {group} (policy trained on {', '.join(t['robots'])} / {t['task']}, {t['algo']}, {t['steps']} steps): "
          f"success {100 * s['success_rate']:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}] 95% Wilson over {s['episodes']} episodes; "
          f"mean return {s['mean_return']:.2f}; mean length {s['mean_length']:.0f}")
    for k, v in s["metrics"].items():
        if v is not None:
            print(f"  {k}: {v:.4g}")
    print(f"wrote {res['out']}/eval.json")
    return 0


# --- data ----------------------------------------------------------------------------------------

def cmd_collect(args) -> int:
    from humanoid_ground.data.collect import DEFAULTS, collect
    from humanoid_ground.kv import as_list, parse_kv
    from humanoid_ground.training.policies import make_policy, policy_identity

    opts = parse_kv(args.options, DEFAULTS, "collect", required=("out",))
    opts["cameras"] = [str(c) for c in as_list(opts["cameras"])]
    opts["policy"] = str(opts["policy"])
    bar = _Bar(f"collect {opts['task']} on {opts['robot']} ({opts['policy']})", int(opts["episodes"]))
    with bar:
        res = collect(opts, make_policy, policy_identity,
                      progress=lambda ep: bar.advance(f"episode {ep['index']}: {'success' if ep['meta']['success'] else 'fail'}"))
    if res["skipped"]:
        print(f"resumed: {res['skipped']} episodes were already written")
    print(f"collected {res['new_episodes']} episodes ({res['successes_new']} successful) in {res['seconds']:.1f} s; "
          f"dataset: {res['episodes']} episodes, {res['frames']} frames at {res['out']} (LeRobot v3.0)"
          + (f"; cameras: {', '.join(res['cameras'])}" if res["cameras"] else ""))
    return 0


def cmd_export(args) -> int:
    from humanoid_ground.data.ops import export

    res = export(args.dir, args.format, args.out, args.id)
    if res["format"] == "minari":
        print(f"Minari dataset {res['id']} written under {res['root']}")
        print(f"load it with: MINARI_DATASETS_PATH={res['root']} python -c \"import minari; minari.load_dataset('{res['id']}')\"")
    else:
        print(f"LeRobot v3.0 dataset: {res['episodes']} episodes, {res['frames']} frames at {res['out']}")
    return 0


def cmd_data_info(args) -> int:
    from humanoid_ground.data.ops import info

    d = info(args.path)
    if args.format == "json":
        print(json.dumps(d, indent=2))
        return 0
    from rich.table import Table

    con = _console()
    mb = d["size_bytes"] / 1e6
    sr = f", expert/policy success {100 * d['success_rate']:.0f}%" if d["success_rate"] is not None else ""
    con.print(f"[bold]{d['path']}[/bold]: {d['format']}, {d['episodes']} episodes, {d['frames']} frames at {d['fps']} fps, {mb:.1f} MB{sr}")
    per = d["episodes_per_robot"]
    con.print("robots: " + ", ".join(f"{r} ({per.get(r, 0)} episodes)" for r in d["robots"]))
    con.print(f"tasks: {'; '.join(d['tasks'])}")
    t = Table("feature", "dtype", "shape")
    for k, f in d["features"].items():
        t.add_row(k, f["dtype"], str(tuple(f["shape"])))
    con.print(t)
    return 0


def cmd_data_check(args) -> int:
    from humanoid_ground.data.ops import check

    problems = check(args.path)
    if problems:
        for p in problems:
            print(f"FAIL {p}")
        print(f"{args.path}: {len(problems)} problem(s)")
        return EXIT_FAIL
    print(f"{args.path}: OK (structure, row counts, indices, shapes, stats and video frame counts)")
    return 0


def cmd_data_merge(args) -> int:
    from humanoid_ground.data.ops import merge

    with _progress("merging") as step:
        res = merge(args.inputs, args.out, progress=lambda n: step(f"{n} episodes"))
    print(f"merged {len(args.inputs)} datasets: {res['episodes']} episodes, {res['frames']} frames, robots {', '.join(res['robots'])} "
          f"(native joints padded to {res['max_dof']}) at {res['out']}")
    return 0


class _Bar:
    """A rich progress bar over a known number of items on stderr; silent in CI."""

    def __init__(self, title: str, total: int):
        self.enabled = os.environ.get("CI", "").lower() not in ("1", "true") and sys.stderr.isatty()
        self.title, self.total = title, total
        self.progress = None

    def __enter__(self):
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                     TextColumn("{task.fields[note]}"), console=_console(stderr=True))
            self.progress.start()
            self.task = self.progress.add_task(self.title, total=self.total, note="")
        return self

    def advance(self, note: str = "") -> None:
        if self.progress is not None:
            self.progress.update(self.task, advance=1, note=note)

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.stop()
        return False


# --- bench ---------------------------------------------------------------------------------------

def cmd_bench(args) -> int:
    opts_args = list(args.options)
    if opts_args and opts_args[0] == "list":
        return _bench_list()
    if opts_args and opts_args[0] == "report":
        from humanoid_ground.training.report import rerender

        if len(opts_args) != 2:
            raise HGroundError("usage: hground bench report DIR")
        out = rerender(opts_args[1])
        print(f"wrote {out / 'report.md'} and {out / 'report.html'}")
        return 0
    if opts_args and opts_args[0] == "calibrate":
        from humanoid_ground.kv import parse_kv
        from humanoid_ground.training.bench import calibrate

        o = parse_kv(opts_args[1:], {"suite": None, "workers": 1, "out": None, "robots": None, "tasks": None}, "bench calibrate",
                     required=("suite",))
        robots, tasks = ([v] if isinstance(v, str) else v for v in (o["robots"], o["tasks"]))
        for key, v in (("robots", robots), ("tasks", tasks)):
            if v is not None and not v:
                raise HGroundError(f"{key}=[]: the list is empty; name the {key} to calibrate, or leave {key}= out for the whole suite")
        with _progress(f"calibrating {o['suite']}") as step:
            path = calibrate(str(o["suite"]), int(o["workers"]), o["out"], progress=lambda pol, r: step(f"{pol} {r['robot']}/{r['task']}"),
                             robots=robots, tasks=tasks)
        print(f"wrote random/expert references to {path}")
        return 0
    from humanoid_ground.kv import parse_kv
    from humanoid_ground.training.bench import DEFAULTS, run_bench

    opts = parse_kv(opts_args, DEFAULTS, "bench", required=("out",))
    from humanoid_ground.training.suites import load_suite

    n = len(load_suite(str(opts["suite"]), opts["robots"] if isinstance(opts["robots"], list) or opts["robots"] is None else [opts["robots"]]).cells)
    bar = _Bar(f"bench {opts['suite']} ({opts['policy']})", n)

    def progress(res):
        s = res.get("summary") or {}
        note = f"{res['robot']}/{res['task']}: " + (f"{100 * s['success_rate']:.0f}%" if res["status"] == "ok" else f"FAILED {res.get('error')}")
        bar.advance(note)
        if not bar.enabled:
            print(note, flush=True)
    with bar:
        res = run_bench(opts, progress)
    failed = [c for c in res["cells"] if c["status"] != "ok"]
    g = (res.get("aggregates") or {}).get("groups", {}).get("all")
    if g:
        m = res["aggregates"]["metric"]
        print(f"{res['suite']['id']} / {res['policy']['spec']}: IQM {m} {g['iqm']['value']:.1f} [{g['iqm']['ci95'][0]:.1f}, {g['iqm']['ci95'][1]:.1f}], "
              f"mean {g['mean']['value']:.1f} over {g['cells']} cells" + (f"; {len(failed)} cell(s) failed" if failed else ""))
    print(f"wrote {opts['out']}/results.json, report.md, report.html")
    return 0


def _bench_list() -> int:
    from rich.table import Table

    from humanoid_ground.training.suites import load_suite, suite_names

    t = Table("suite", "version", "cells", "episodes/cell", "robots", "tasks", "references", "description")
    for name in suite_names():
        s = load_suite(name)
        t.add_row(s.name, str(s.version), str(len(s.cells)), str(s.episodes), str(len({c.robot for c in s.cells})),
                  ", ".join(dict.fromkeys(c.task for c in s.cells)), "yes" if s.references() else "no", s.description)
    _console().print(t)
    return 0


# --- plumbing -----------------------------------------------------------------------------------

class _progress:
    """A transient status line (rich) on stderr; silent in CI or when disabled."""

    def __init__(self, title: str, enabled: bool = True):
        self.enabled = enabled and os.environ.get("CI", "").lower() not in ("1", "true") and sys.stderr.isatty()
        self.title = title
        self._status = None

    def __enter__(self):
        if self.enabled:
            self._status = _console(stderr=True).status(self.title)
            self._status.__enter__()

        def step(what: str) -> None:
            if self._status is not None:
                self._status.update(f"{self.title}: {what}")

        return step

    def __exit__(self, *exc):
        if self._status is not None:
            self._status.__exit__(*exc)
        return False


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="hground", description="humanoid-ground: multi-brand humanoid assembly and inspection training ground")
    ap.add_argument("--version", action="version", version=f"humanoid-ground {__version__}")
    ap.add_argument("--debug", action="store_true", help="show tracebacks and PyBullet's own output")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    rob = sub.add_parser("robots", help="list, inspect, validate and register robots")
    rs = rob.add_subparsers(dest="action", metavar="ACTION")
    p = rs.add_parser("list", help="all robots usable by name")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_robots_list)
    p = rs.add_parser("show", help="a robot's card, joints, masses and canonical roles (--format yaml: the card, to start your own)")
    p.add_argument("name")
    p.add_argument("--format", choices=["table", "json", "yaml"], default="table")
    p.set_defaults(func=cmd_robots_show)
    p = rs.add_parser("check", help="validate a robot (by name or card file) and print a report")
    p.add_argument("target", metavar="NAME|CARD.yaml")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--quick", action="store_true", help="skip the simulated hold and stand checks")
    p.set_defaults(func=cmd_robots_check)
    p = rs.add_parser("register", help="validate a card and add it to the user registry")
    p.add_argument("card", metavar="CARD.yaml")
    p.add_argument("--force", action="store_true", help="replace a registered robot of the same name")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--quick", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_robots_register)
    p = rs.add_parser("unregister", help="remove a registered robot")
    p.add_argument("name")
    p.set_defaults(func=cmd_robots_unregister)
    p = sub.add_parser("train", help="train a policy (Hydra overrides: robot=... task=... algo=... seed=...; -m sweeps)",
                       add_help=False)
    p.add_argument("overrides", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_train)
    kv_commands = (  # key=value commands (Hydra-style options, parsed by humanoid_ground.kv; DEFAULTS: their keys)
        ("eval", cmd_eval, "evaluate a checkpoint: checkpoint=PATH episodes=50 [robot=...] [task=...] [video=N] [out=DIR]"),
        ("collect", cmd_collect, "record episodes into a LeRobot v3 dataset: robot=... task=... policy=expert|random|CKPT episodes=N "
                                 "out=DIR [cameras=head,wrist resolution=224 workers=N resume=true]"),
        ("bench", cmd_bench, "benchmark suites: bench list | bench suite=NAME policy=expert|random|CKPT|module:fn out=DIR "
                             "[robots=[..] workers=N backend=local|ray resume=true] | bench report DIR | bench calibrate suite=NAME [robots=[..]] [tasks=[..]]"),
    )
    for name, func, text in kv_commands:
        p = sub.add_parser(name, help=text, description=text, add_help=False)
        p.add_argument("-h", "--help", action=_KeysHelp, nargs=0, defaults=KV_DEFAULTS[name],
                       help="show this help (every key with its default) and exit")
        p.add_argument("options", nargs="*", metavar="key=value")
        p.set_defaults(func=func)
    p = sub.add_parser("export", help="export a dataset: DIR --format lerobot|minari --out OUT")
    p.add_argument("dir")
    p.add_argument("--format", required=True, choices=["lerobot", "minari"])
    p.add_argument("--out", required=True, help="LeRobot: the new dataset root; Minari: the datasets root (MINARI_DATASETS_PATH)")
    p.add_argument("--id", default=None, help="Minari dataset id (default hground/<task>-<robot>-v0)")
    p.set_defaults(func=cmd_export)
    dat = sub.add_parser("data", help="inspect, validate and merge datasets")
    ds = dat.add_subparsers(dest="action", metavar="ACTION")
    p = ds.add_parser("info", help="episodes, frames, robots, tasks, features, size")
    p.add_argument("path")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_data_info)
    p = ds.add_parser("check", help="validate structure, shapes, stats and video frame counts (exit 1 on a problem)")
    p.add_argument("path")
    p.set_defaults(func=cmd_data_check)
    p = ds.add_parser("merge", help="merge datasets of different robots: A B ... --out C")
    p.add_argument("inputs", nargs="+")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_data_merge)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = build_parser()
    if "train" in argv and all(a in ("--debug",) for a in argv[: argv.index("train")]):
        # Hydra owns everything after `train` (-m, --cfg, --help, overrides)
        k = argv.index("train")
        args = argparse.Namespace(debug="--debug" in argv[:k], command="train", func=cmd_train, overrides=argv[k + 1:])
    else:
        args = ap.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        (ap if args.command is None else ap._subparsers._group_actions[0].choices[args.command]).print_help()  # type: ignore[union-attr]
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except HGroundError as err:
        if args.debug:
            raise
        print(f"hground: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("hground: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `hground robots list | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
