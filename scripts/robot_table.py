"""Print the README's robot table (Markdown), measuring each robot's cached load time.

Usage: python scripts/robot_table.py
"""
from __future__ import annotations

import statistics
import time

from humanoid_ground.robots import get_card, load_asset, robot_names


def main() -> None:
    print("| robot | vendor | model | DOF | arms | hands | source package (format) | licence | mass kg | cached load ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in robot_names():
        card = get_card(name)
        asset = load_asset(card)  # build once if needed
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            load_asset(card)
            times.append((time.perf_counter() - t0) * 1000)
        ref = card.source.ref
        src = f"`{ref.package}` ({card.source.kind.upper()})" if ref.package else f"file ({card.source.kind.upper()})"
        hands = "yes" if card.has_hands else ("assisted grasp" if card.arms else "-")
        print(f"| `{name}` | {card.vendor} | {card.model} | {asset.dof} | {len(card.arms)} | {hands} | {src} | {card.license} "
              f"| {asset.total_mass:.1f} | {statistics.median(times):.1f} |")


if __name__ == "__main__":
    main()
