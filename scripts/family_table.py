"""The procedural humanoid family (``robots/family.py``) through every check and the scripted experts.

Each body is written as a vendor would hand it over (URDF + card), validated with the checks of
``hground robots check`` (model + task readiness), and run by the experts on the tasks asked for (``reach``,
``pick_place`` and ``inspect`` by default) over seeds 0..N-1; a task the body cannot do (``Task.unable``) is n/a. Prints a Markdown table (the README's).

Usage: python scripts/family_table.py [--bodies 20] [--seeds 10] [--tasks reach,pick_place,inspect] [--out DIR]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from humanoid_ground.envs.readiness import readiness_checks
from humanoid_ground.errors import HGroundError
from humanoid_ground.robots import check_robot
from humanoid_ground.robots.card import load_card
from humanoid_ground.robots.family import write_body
from humanoid_ground.tasks import expert_success
from humanoid_ground.tasks.registry import task_class


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bodies", type=int, default=20)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--tasks", default="reach,pick_place,inspect")
    ap.add_argument("--out", type=Path, default=None, help="where the bodies are written (default: a temporary folder)")
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="hground-family-"))
    tasks = args.tasks.split(",")
    rows, totals = [], {t: [0, 0] for t in tasks}
    for seed in range(args.first, args.first + args.bodies):
        t0 = time.time()
        path = write_body(seed, out)
        card = load_card(path)
        rep = check_robot(card)
        checks = rep.checks + (readiness_checks(card) if rep.ok else [])
        failed = [c.name for c in checks if c.status == "fail"]
        cells = []
        for t in tasks:
            if failed:
                cells.append("—")
                continue
            if task_class(t).unable(card) is not None:  # e.g. screw_drive with a gimbal hold: the suites skip it too
                cells.append("n/a")
                continue
            try:
                w = expert_success(t, str(path), range(args.seeds))
            except HGroundError as e:
                cells.append(f"error: {e}")
                continue
            totals[t][0] += w
            totals[t][1] += args.seeds
            cells.append(f"{100 * w / args.seeds:.0f} %")
        rows.append(f"| `{card.name}` | {card.model} | {'pass' if not failed else 'FAIL ' + ', '.join(failed)} | " + " | ".join(cells) + " |")
        print(rows[-1], f"({time.time() - t0:.0f} s)", flush=True)
    print(f"\n| body | drawn | checks | {' | '.join(tasks)} |\n|---|---|---|" + "---|" * len(tasks))
    print("\n".join(rows))
    print("| **all** | | | " + " | ".join(f"**{100 * w / max(n, 1):.0f} %** ({w}/{n})" for w, n in totals.values()) + " |")


if __name__ == "__main__":
    main()
