"""Leave-one-robot-out cross-embodiment protocol, one resumable piece per invocation.

Pieces (each is one ``hground train`` run plus its evaluations, cached under ``--out/<piece>/``):

- ``specialist:<robot>``   PPO on one robot; evaluated on itself.
- ``generalist``           PPO on every armed built-in robot; evaluated on each (in-distribution).
- ``fold:<robot>``         PPO on every armed built-in robot but ``<robot>``; evaluated zero-shot on it and
                           in-distribution on the other nine (the >= 8-robot generalist figure).
- ``scale:<n>``            the scaling curve: PPO on the first ``n`` bodies of SCALE_ORDER (``scale:all+v<k>``
                           adds k procedural variants of them), evaluated on the held-out SCALE_HELD_OUT robots.

Every evaluation is ``hground bench suite=cross_embodiment_v1`` (10 fixed seeds per cell, rliable
aggregates, in-distribution vs held-out from the checkpoint) plus ``hground eval episodes=50`` per robot
(95 % Wilson interval). A finished piece is skipped; an interrupted one resumes from its last checkpoint.

    python scripts/cross_embodiment.py --list                    # the pieces and their state
    python scripts/cross_embodiment.py --piece fold:unitree_g1   # run (or finish) one piece
    python scripts/cross_embodiment.py --next                    # run the next unfinished piece
    python scripts/cross_embodiment.py --report                  # the Markdown table (+ scaling plot) of what is done
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from protocol import dispatch, parser, run_logged

ARMED = ["unitree_h1", "unitree_g1", "booster_t1", "apptronik_apollo", "robotis_op3", "fourier_gr1t2",
         "fourier_gr1t2_hand", "fourier_gr2t2", "fourier_gr3", "openloong_qinglong"]
#: folds covering six vendors
FOLDS = ["unitree_g1", "fourier_gr2t2", "openloong_qinglong", "booster_t1", "apptronik_apollo", "robotis_op3"]
SPECIALISTS = ["unitree_h1", "fourier_gr1t2"]
#: the scaling curve trains on the first n of these and is scored on SCALE_HELD_OUT (the README's quick check)
SCALE_ORDER = ["unitree_h1", "fourier_gr1t2", "apptronik_apollo", "booster_t1", "robotis_op3", "fourier_gr3",
               "fourier_gr1t2_hand"]
SCALE_HELD_OUT = ["unitree_g1", "fourier_gr2t2", "openloong_qinglong"]
SCALE_POINTS = ["1", "3", "4", "4+v48", "all", "all+v50"]


def pieces() -> list[str]:
    return (["generalist"] + [f"fold:{r}" for r in FOLDS] + [f"scale:{n}" for n in SCALE_POINTS]
            + [f"specialist:{r}" for r in SPECIALISTS])


def plan(piece: str) -> tuple[list[str], list[str], int]:
    """(training robots, evaluation robots, procedural variants) of a piece."""
    kind, _, arg = piece.partition(":")
    if kind == "specialist":
        return [arg], [arg], 0
    if kind == "generalist":
        return ARMED, ARMED, 0
    if kind == "fold":  # scored on every armed robot: the 9 training robots in-distribution, ``arg`` held out
        return [r for r in ARMED if r != arg], ARMED, 0
    if kind == "scale":
        n, _, v = arg.partition("+v")
        train = SCALE_ORDER if n == "all" else SCALE_ORDER[: int(n)]
        return train, SCALE_HELD_OUT, int(v or 0)
    raise SystemExit(f"unknown piece '{piece}'; see --list")


def run_piece(piece: str, out: Path, task: str, steps: int, seed: int, n_envs: int, extra: list[str] = ()) -> dict:
    train, evaluate, variants = plan(piece)
    d = out / piece.replace(":", "_").replace("+", "_")
    d.mkdir(parents=True, exist_ok=True)
    run, log, meta_f = d / "run", d / "log.txt", d / "piece.json"
    meta = json.loads(meta_f.read_text()) if meta_f.is_file() else {"piece": piece, "task": task, "seed": seed,
                                                                    "train_robots": train, "eval_robots": evaluate,
                                                                    "variants": variants, "steps": steps, "wall_s": {}}
    hg = [sys.executable, "-m", "humanoid_ground"]
    if not (run / "summary.json").is_file():
        if (run / "checkpoints").is_dir() and any((run / "checkpoints").glob("*.zip")):
            cmd = hg + ["train", f"resume={run}"]
        else:
            cmd = hg + ["train", f"task={task}", f"robots=[{','.join(train)}]", f"total_timesteps={steps}", f"seed={seed}",
                        f"n_envs={n_envs}", f"hydra.run.dir={run}", "progress=true"]
            if variants:
                cmd += [f"morph.variants={variants}", f"morph.seed={seed}"]
            cmd += list(extra)
        meta["train_command"] = " ".join(cmd[2:])
        meta["wall_s"]["train"] = meta["wall_s"].get("train", 0) + run_logged(cmd, log)
        meta_f.write_text(json.dumps(meta, indent=2))
    bench = d / "bench"
    if not (bench / "report.md").is_file():
        cmd = hg + ["bench", "suite=cross_embodiment_v1", f"policy={run}", f"robots=[{','.join(evaluate)}]", f"out={bench}",
                    "resume=true", "workers=2"]
        meta["bench_command"] = " ".join(cmd[2:])
        meta["wall_s"]["bench"] = run_logged(cmd, log)
        meta_f.write_text(json.dumps(meta, indent=2))
    for r in evaluate:
        ev = d / "eval" / r
        if not (ev / "eval.json").is_file():
            cmd = hg + ["eval", f"checkpoint={run}", f"robot={r}", "episodes=50", f"out={ev}"]
            meta.setdefault("eval_commands", {})[r] = " ".join(cmd[2:])
            meta["wall_s"][f"eval:{r}"] = run_logged(cmd, log)
            meta_f.write_text(json.dumps(meta, indent=2))
    meta["done"] = True
    meta_f.write_text(json.dumps(meta, indent=2))
    return meta


def _status(out: Path, piece: str) -> str:
    d = out / piece.replace(":", "_").replace("+", "_")
    f = d / "piece.json"
    if f.is_file() and json.loads(f.read_text()).get("done"):
        return "done"
    return "started" if d.is_dir() else "todo"


def _results(out: Path, piece: str) -> dict | None:
    d = out / piece.replace(":", "_").replace("+", "_")
    f = d / "piece.json"
    if not f.is_file() or not json.loads(f.read_text()).get("done"):
        return None
    meta = json.loads(f.read_text())
    evals = {r: json.loads((d / "eval" / r / "eval.json").read_text())["summary"] for r in meta["eval_robots"]}
    bench = json.loads((d / "bench" / "results.json").read_text())
    cells = {c["robot"]: c["summary"]["success_rate"] for c in bench["cells"] if c["status"] == "ok"}
    summary = json.loads((d / "run" / "summary.json").read_text())
    return {"meta": meta, "evals": evals, "bench_cells": cells, "aggregates": bench.get("aggregates", {}), "summary": summary}


def _pct(s: dict) -> str:
    lo, hi = s["success_ci95"]
    return f"{100 * s['success_rate']:.0f} % [{100 * lo:.0f}, {100 * hi:.0f}]"


def report(out: Path) -> str:
    lines = ["| piece | trained on | evaluated on | group | eval success, 50 episodes [95 % Wilson] | suite cell (10 seeds) | train steps | train wall |",
             "|---|---|---|---|---|---|---|---|"]
    curve = []
    for piece in pieces():
        res = _results(out, piece)
        if res is None:
            continue
        m = res["meta"]
        train = m["train_robots"]
        tr = f"{len(train)} robots" if len(train) > 2 else ", ".join(train)
        if m["variants"]:
            tr += f" + {m['variants']} variants"
        tr += "".join(f", `{a}`" for a in m.get("train_command", "").split() if a.startswith("env.inputs="))
        for r, s in res["evals"].items():
            group = "in-distribution" if r in train else "held-out"
            cell = res["bench_cells"].get(r)
            lines.append(f"| `{piece}` | {tr} | `{r}` | {group} | {_pct(s)} | {'—' if cell is None else f'{100 * cell:.0f} %'} | "
                         f"{res['summary']['steps']} | {m['wall_s'].get('train', 0) / 60:.0f} min |")
        g = res["aggregates"].get("groups", {}).get("held_out")
        if piece.startswith("scale:") and g:
            curve.append((piece.split(":")[1], len(train) + m["variants"], g["iqm"]["value"], g["iqm"]["ci95"]))
    text = "\n".join(lines)
    if curve:
        text += "\n\nScaling curve (held-out robots " + ", ".join(SCALE_HELD_OUT) + "; rliable IQM of the suite's normalised score or success, 95 % CI):\n\n"
        text += "| training bodies | IQM held-out | 95 % CI |\n|---|---|---|\n"
        text += "\n".join(f"| {n} ({name}) | {v:.1f} | [{ci[0]:.1f}, {ci[1]:.1f}] |" for name, n, v, ci in curve)
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots(figsize=(5, 3.2))
            xs = [c[1] for c in curve]
            ax.errorbar(xs, [c[2] for c in curve], yerr=[[c[2] - c[3][0] for c in curve], [c[3][1] - c[2] for c in curve]],
                        marker="o", capsize=3)
            ax.set_xscale("log")
            ax.set_xlabel("training bodies")
            ax.set_ylabel("held-out IQM")
            ax.set_title("reach: held-out score vs training bodies")
            fig.tight_layout()
            fig.savefig(out / "scaling.png", dpi=110)
        except Exception as e:  # the table is the result; the plot is a convenience
            text += f"\n\n(plot not written: {e})"
    return text


def main() -> None:
    ap = parser(__doc__, "xe", "reach")
    ap.add_argument("--steps", type=int, default=500_000)
    ap.add_argument("--n-envs", type=int, default=2)
    args = ap.parse_args()
    out = args.out / args.task

    def describe(p: str) -> str:
        tr, ev, v = plan(p)
        return f"train {len(tr)} robots{f' + {v} variants' if v else ''}, eval {', '.join(ev)}"
    dispatch(args, pieces(), lambda p: _status(out, p), lambda p: run_piece(p, out, args.task, args.steps, args.seed, args.n_envs, args.train_arg),
             lambda: report(out), describe)


if __name__ == "__main__":
    main()
