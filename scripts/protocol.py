"""What the resumable experiment scripts share (cross_embodiment.py, data_sharing.py): logged commands
and the ``--piece / --next / --list / --report`` command line over cached pieces."""
from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path
from typing import Callable


def run_logged(cmd: list[str], log: Path) -> float:
    """Run ``cmd`` with its output appended to ``log``; its wall time in seconds; exit on failure."""
    t0 = time.time()
    with open(log, "a") as f:
        f.write(f"\n$ {' '.join(cmd)}\n")
        f.flush()
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise SystemExit(f"failed ({r.returncode}): {' '.join(cmd)}; see {log}")
    return time.time() - t0


def parser(doc: str, out: str, task: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(out))
    ap.add_argument("--task", default=task)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train-arg", action="append", default=[], metavar="KEY=VALUE",
                    help="an extra 'hground train' override for a new piece (repeatable; recorded in piece.json), "
                         "e.g. algo.params.inputs=relative")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--piece", help="run (or finish) this piece; a finished piece is skipped unless --force")
    g.add_argument("--next", action="store_true", help="run the next unfinished piece")
    g.add_argument("--list", action="store_true", help="every piece and its state")
    g.add_argument("--report", action="store_true", help="the Markdown table of the finished pieces")
    ap.add_argument("--force", action="store_true", help="with --piece: run it again even if it is finished")
    return ap


def dispatch(args, pieces: list[str], state: Callable[[str], str], run: Callable[[str], dict], report: Callable[[], str],
             describe: Callable[[str], str] = lambda p: "") -> None:
    """``--list`` / ``--report`` / ``--piece P`` / ``--next`` over pieces whose state is 'done', 'started' or 'todo'."""
    if args.list:
        for p in pieces:
            print(f"{state(p):8} {p:28} {describe(p)}")
        return
    if args.report:
        print(report())
        return
    if args.piece and state(args.piece) == "done" and not args.force:
        print(f"{args.piece}: already done (skipped; --force runs it again)")
        return
    piece = args.piece or next((p for p in pieces if state(p) != "done"), None)
    if piece is None:
        print("every piece is done; --report prints the table")
        return
    t0 = time.time()
    meta = run(piece)
    print(f"{piece}: done in {time.time() - t0:.0f} s ({json.dumps(meta.get('wall_s', {}))})")
