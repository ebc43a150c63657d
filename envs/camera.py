"""Camera images with no display.

TinyRenderer (CPU) by default: on machines without a GL device PyBullet's EGL plugin loads but draws
empty frames. ``HGROUND_RENDERER=egl`` tries EGL first (and falls back to TinyRenderer if its first
frame is blank). One log line says which renderer is in use.
"""
from __future__ import annotations

import logging
import os

import numpy as np

from humanoid_ground.robots._pybullet import p, quiet_stdout

log = logging.getLogger("humanoid_ground.envs.camera")
_renderer_by_client: dict[int, int] = {}
_verified: dict[int, bool] = {}
_announced = False
NEAR, FAR = 0.02, 6.0


def _renderer(cid: int) -> int:
    global _announced
    if cid in _renderer_by_client:
        return _renderer_by_client[cid]
    renderer = p.ER_TINY_RENDERER
    name = "TinyRenderer (CPU)"
    if os.environ.get("HGROUND_RENDERER", "tiny").lower() != "egl":
        if not _announced:
            log.info("camera renderer: %s", name)
            _announced = True
        _renderer_by_client[cid] = renderer
        return renderer
    try:
        import pkgutil

        egl = pkgutil.get_loader("eglRenderer")
        if egl is not None:
            with quiet_stdout():
                plugin = p.loadPlugin(egl.get_filename(), "_eglRendererPlugin", physicsClientId=cid)
            if plugin >= 0:
                renderer, name = p.ER_BULLET_HARDWARE_OPENGL, "EGL"
    except Exception:  # pragma: no cover - depends on the machine's GL stack
        pass
    if not _announced:
        log.info("camera renderer: %s", name)
        _announced = True
    _renderer_by_client[cid] = renderer
    return renderer


class Camera:
    """A pinhole camera; images are (H, W, 3) uint8 and depth (H, W, 1) float32 metres."""

    def __init__(self, cid: int, fov: float, size: int, width: int | None = None):
        self.cid = cid
        self.h = int(size)
        self.w = int(width or size)
        self.proj = p.computeProjectionMatrixFOV(fov, self.w / self.h, NEAR, FAR)

    def render(self, pos: np.ndarray, R: np.ndarray, depth: bool = False):
        """Render from a pose whose +x axis is the optical axis and +z is up."""
        return self.render_lookat(pos, pos + R[:, 0], up=R[:, 2], depth=depth)

    def render_lookat(self, eye, target, up=(0, 0, 1), depth: bool = False):
        view = p.computeViewMatrix(list(eye), list(target), list(up))
        with quiet_stdout():
            _, _, rgba, z, _ = p.getCameraImage(self.w, self.h, view, self.proj, renderer=_renderer(self.cid),
                                                physicsClientId=self.cid)
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(self.h, self.w, 4)[:, :, :3].copy()
        if _renderer_by_client.get(self.cid) == p.ER_BULLET_HARDWARE_OPENGL and not _verified.get(self.cid) and rgb.std() < 20:
            # EGL loaded but drew nothing (no usable GL device): fall back to the CPU renderer
            log.info("camera renderer: EGL produced blank frames; using TinyRenderer (CPU)")
            _renderer_by_client[self.cid] = p.ER_TINY_RENDERER
            _verified[self.cid] = True
            return self.render_lookat(eye, target, up, depth)
        _verified[self.cid] = True
        if not depth:
            return rgb, None
        zb = np.asarray(z, dtype=np.float32).reshape(self.h, self.w, 1)
        d = FAR * NEAR / (FAR - (FAR - NEAR) * zb)
        return rgb, d.astype(np.float32)


def forget_client(cid: int) -> None:
    """Drop per-client renderer state (client ids are reused after disconnect)."""
    _renderer_by_client.pop(cid, None)
    _verified.pop(cid, None)
