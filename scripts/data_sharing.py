"""Does another vendor's data help my robot? The data-sharing experiment, one resumable piece per invocation.

For a target robot with k own expert demonstrations, three behaviour-cloning policies:
(a) its k demos alone; (b) its k demos + every other robot's pool; (c) the other robots' pools only
(zero-shot). Each is evaluated on the target over 50 episodes (95 % Wilson interval).

Pieces, cached under ``--out`` (finished pieces are skipped; a piece runs with ``--piece`` or ``--next``):
- ``collect:<robot>``  ``hground collect`` of ``--pool`` expert episodes (seed 0), one dataset per robot;
- ``merge``            ``hground data merge`` of every pool into one dataset;
- ``<target>:<k>:a|b`` and ``<target>:c``  ``hground train algo=bc dataset=<merged> robots=[...]
  dataset_episodes={<target>: k}`` then ``hground eval ... robot=<target> episodes=50``.

    python scripts/data_sharing.py --list
    python scripts/data_sharing.py --next            # repeat until every piece is done
    python scripts/data_sharing.py --report          # the README table
    python scripts/data_sharing.py --out ds_rel --pools data_sharing --train-arg algo.params.inputs=relative --next
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from protocol import dispatch, parser, run_logged

ROBOTS = ["unitree_h1", "fourier_gr1t2", "apptronik_apollo", "booster_t1", "openloong_qinglong"]
TARGETS = ["booster_t1", "apptronik_apollo", "unitree_h1", "fourier_gr1t2"]
KS = [5, 10, 20]


def pieces(own_pools: bool = True) -> list[str]:
    """Every piece; without ``own_pools`` (``--pools``) only the training pieces."""
    out = [f"collect:{r}" for r in ROBOTS] + ["merge"] if own_pools else []
    for t in TARGETS:
        out += [f"{t}:{k}:{c}" for k in KS for c in ("a", "b")] + [f"{t}:c"]
    return out


def _dir(out: Path, piece: str) -> Path:
    return out / piece.replace(":", "_")


def done(out: Path, piece: str) -> bool:
    f = _dir(out, piece) / "piece.json"
    return f.is_file() and json.loads(f.read_text()).get("done", False)


def run_piece(piece: str, out: Path, task: str, pool: int, steps: int | None, seed: int, extra: list[str] = (),
              pools: Path | None = None) -> dict:
    """Run one piece. ``extra``: more ``hground train`` overrides for the training pieces; ``pools``: the
    ``--out`` folder (task level) whose collect and merge pieces the training pieces use (default: ``out``)."""
    pools = pools or out
    d = _dir(out, piece)
    d.mkdir(parents=True, exist_ok=True)
    log, meta = d / "log.txt", {"piece": piece, "task": task, "seed": seed, "wall_s": {}, "commands": []}
    hg = [sys.executable, "-m", "humanoid_ground"]
    parts = piece.split(":")
    if parts[0] == "collect":
        data = d / "data"
        cmd = hg + ["collect", f"robot={parts[1]}", f"task={task}", "policy=expert", f"episodes={pool}", f"out={data}", "seed=0",
                    "resume=true", "workers=2"]
        meta["commands"].append(" ".join(cmd[2:]))
        meta["wall_s"]["collect"] = run_logged(cmd, log)
    elif parts[0] == "merge":
        missing = [r for r in ROBOTS if not done(out, f"collect:{r}")]
        if missing:
            raise SystemExit(f"merge needs collect:{missing[0]} first")
        cmd = hg + ["data", "merge", *[str(_dir(out, f"collect:{r}") / "data") for r in ROBOTS], "--out", str(d / "data")]
        if (d / "data").exists():
            import shutil

            shutil.rmtree(d / "data")
        meta["commands"].append(" ".join(cmd[2:]))
        meta["wall_s"]["merge"] = run_logged(cmd, log)
    else:
        if not done(pools, "merge"):
            raise SystemExit(f"train pieces need the merge piece first (in {pools})")
        target = parts[0]
        others = [r for r in ROBOTS if r != target]
        if parts[-1] == "c":
            robots, k = others, 0
        else:
            k = int(parts[1])
            robots = [target] if parts[2] == "a" else [target] + others
        run = d / "run"
        if not (run / "summary.json").is_file():
            cmd = hg + ["train", "algo=bc", f"dataset={_dir(pools, 'merge') / 'data'}", f"task={task}", f"robots=[{','.join(robots)}]",
                        f"seed={seed}", f"hydra.run.dir={run}", "eval.episodes=0"]
            if k:
                cmd.append(f"dataset_episodes={{{target}:{k}}}")
            if steps:
                cmd.append(f"total_timesteps={steps}")
            cmd += list(extra)
            if (run / "checkpoints").is_dir() and any((run / "checkpoints").glob("*.zip")):
                cmd = hg + ["train", f"resume={run}"]
            meta["commands"].append(" ".join(cmd[2:]))
            meta["wall_s"]["train"] = run_logged(cmd, log)
        ev = d / "eval"
        cmd = hg + ["eval", f"checkpoint={run / 'final_model.zip'}", f"robot={target}", "episodes=50", f"out={ev}"]
        meta["commands"].append(" ".join(cmd[2:]))
        meta["wall_s"]["eval"] = run_logged(cmd, log)
        meta.update(target=target, k=k, condition=parts[-1], robots=robots)
    meta["done"] = True
    (d / "piece.json").write_text(json.dumps(meta, indent=2))
    return meta


def report(out: Path) -> str:
    rows = ["| target | own demos k | (a) own only | (b) own + others | (c) others only (zero-shot) | train wall (a / b) |",
            "|---|---|---|---|---|---|"]

    def res(piece):
        if not done(out, piece):
            return None, None
        d = _dir(out, piece)
        s = json.loads((d / "eval" / "eval.json").read_text())["summary"]
        lo, hi = s["success_ci95"]
        wall = json.loads((d / "piece.json").read_text())["wall_s"].get("train")
        return f"{100 * s['success_rate']:.0f} % [{100 * lo:.0f}, {100 * hi:.0f}]", wall

    for t in TARGETS:
        c, _ = res(f"{t}:c")
        for k in KS:
            a, wa = res(f"{t}:{k}:a")
            b, wb = res(f"{t}:{k}:b")
            if a is None and b is None:
                continue
            walls = " / ".join(f"{w / 60:.1f} min" if w else "—" for w in (wa, wb))
            rows.append(f"| `{t}` | {k} | {a or '—'} | {b or '—'} | {c or '—'} | {walls} |")
    return "\n".join(rows)


def main() -> None:
    ap = parser(__doc__, "data_sharing", "pick_place")
    ap.add_argument("--pool", type=int, default=50, help="expert episodes collected per robot")
    ap.add_argument("--steps", type=int, default=None, help="gradient steps (default: the bc config's)")
    ap.add_argument("--pools", type=Path, default=None,
                    help="another --out whose collected pools (collect and merge pieces) the training pieces use")
    args = ap.parse_args()
    out = args.out / args.task
    pools = args.pools / args.task if args.pools else None
    dispatch(args, pieces(own_pools=pools is None), lambda p: "done" if done(out, p) else "todo",
             lambda p: run_piece(p, out, args.task, args.pool, args.steps, args.seed, args.train_arg, pools), lambda: report(out))


if __name__ == "__main__":
    main()
