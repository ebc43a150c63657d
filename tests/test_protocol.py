"""The resumable protocol scripts' shared command line (scripts/protocol.py): finished pieces are skipped."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from protocol import dispatch, parser  # noqa: E402


def _run(argv, states):
    ran = []
    args = parser("Test protocol.\n", "out", "reach").parse_args(argv)
    dispatch(args, list(states), lambda p: states[p], lambda p: ran.append(p) or {}, lambda: "table")
    return ran


def test_piece_skips_a_finished_piece_unless_forced(capsys):
    states = {"a": "done", "b": "started", "c": "todo"}
    assert _run(["--piece", "a"], states) == []
    assert "already done" in capsys.readouterr().out
    assert _run(["--piece", "a", "--force"], states) == ["a"]
    assert _run(["--piece", "b"], states) == ["b"]  # an interrupted piece is finished
    assert _run(["--next"], states) == ["b"]
    assert _run(["--next"], {"a": "done"}) == []
    assert "every piece is done" in capsys.readouterr().out
