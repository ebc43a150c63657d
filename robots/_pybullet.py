"""Quiet access to PyBullet.

PyBullet prints C-level messages (the build banner on import to fd 2, ``b3Printf``/``b3Warning``
while loading models to fd 1) straight to the file descriptors, which Python cannot silence. Everything here runs
those calls with fd 1 redirected to a temporary file and forwards what was printed to the
``humanoid_ground.pybullet`` logger at DEBUG level, so users' terminals and test logs stay clean.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import threading
from typing import Iterator

log = logging.getLogger("humanoid_ground.pybullet")
_lock = threading.RLock()
_depth = 0

try:  # C stdio buffers must be flushed before fd 1 is restored, or the text leaks out at exit
    import ctypes

    _libc = ctypes.CDLL(None)

    def _c_flush() -> None:
        _libc.fflush(None)
except Exception:  # pragma: no cover - no libc (Windows)
    def _c_flush() -> None:
        pass


@contextlib.contextmanager
def quiet_stdout(collect: list[str] | None = None) -> Iterator[None]:
    """Redirect the process's fd 1 and 2 (C-level stdout/stderr) for the duration of the block.

    :param collect: if given, the captured lines are appended to it (used to detect importer
        warnings such as "No inertial data for link").
    """
    global _depth
    with _lock:
        _depth += 1
        if _depth > 1:  # nested: the outer block already captures
            try:
                yield
            finally:
                _depth -= 1
            return
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # pragma: no cover - closed streams
            pass
        try:
            saved = (os.dup(1), os.dup(2))
        except OSError:  # no fd 1/2 at all (daemonised): nothing to silence
            try:
                yield
            finally:
                _depth -= 1
            return
        with tempfile.TemporaryFile(mode="w+b") as tmp:
            os.dup2(tmp.fileno(), 1)
            os.dup2(tmp.fileno(), 2)
            try:
                yield
            finally:
                _c_flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                os.close(saved[0])
                os.close(saved[1])
                _depth -= 1
                tmp.seek(0)
                text = tmp.read().decode("utf-8", "replace")
                lines = [ln for ln in text.splitlines() if ln.strip()]
                for ln in lines:
                    log.debug(ln)
                if collect is not None:
                    collect.extend(lines)


with quiet_stdout():
    import pybullet as p  # noqa: E402  (the import prints a build banner)

__all__ = ["p", "quiet_stdout", "new_client"]


def new_client(gui: bool = False) -> int:
    """Connect a new physics client (DIRECT unless ``gui``) and return its id."""
    with quiet_stdout():
        cid = p.connect(p.GUI if gui else p.DIRECT)
    if cid < 0:
        from humanoid_ground.errors import HGroundError

        raise HGroundError(
            "could not open a PyBullet GUI window (no display?); use render_mode='rgb_array' or set DISPLAY"
            if gui
            else "could not create a PyBullet physics client"
        )
    return cid
