"""User-facing errors.

Every error a user can cause (bad card, malformed URDF, unknown robot name, ...) is raised as a
:class:`HGroundError` whose message is one line naming the thing at fault and the fix. The CLI prints
that line and exits with code 2; ``--debug`` shows the traceback.
"""
from __future__ import annotations

import difflib
from typing import Iterable


class HGroundError(Exception):
    """A problem with the user's input, reported as one line (what, where, how to fix)."""

    exit_code = 2


class UnknownNameError(HGroundError, KeyError):
    """An unknown registry name (robot, task, algo, suite)."""

    def __str__(self) -> str:  # KeyError would add quotes
        return str(self.args[0])


def unknown_name(kind: str, name: str, choices: Iterable[str]) -> UnknownNameError:
    """Build the error for an unknown ``kind`` called ``name``, suggesting the closest valid choice.

    :param kind: what is looked up, e.g. ``"robot"``.
    :param name: the name the user gave.
    :param choices: all valid names.
    """
    choices = sorted(choices)
    close = difflib.get_close_matches(name, choices, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return UnknownNameError(
        f"unknown {kind} '{name}'.{hint} Valid {kind}s: {', '.join(choices) or '(none)'}"
    )
