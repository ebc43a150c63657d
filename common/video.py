"""MP4 video (H.264 via PyAV) for eval videos and LeRobot camera streams."""
from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Iterable

import numpy as np


def write_mp4(path: str | Path, frames: Iterable[np.ndarray], fps: int, crf: int = 23, pix_fmt: str = "yuv420p",
              codec: str = "libx264", gop: int | None = None) -> int:
    """Encode RGB uint8 frames (H×W×3) to ``path`` atomically; returns the frame count. Odd sizes
    are padded by one pixel (yuv420p needs even sides)."""
    import av

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.mp4")
    n = 0
    with av.open(str(tmp), mode="w") as out:
        stream = None
        for f in frames:
            f = np.ascontiguousarray(f[..., :3], dtype=np.uint8)
            h, w = f.shape[:2]
            if h % 2 or w % 2:
                f = np.pad(f, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
            if stream is None:
                stream = out.add_stream(codec, rate=Fraction(int(fps), 1))
                stream.width, stream.height = f.shape[1], f.shape[0]
                stream.pix_fmt = pix_fmt
                stream.options = {"crf": str(crf)} | ({"g": str(gop)} if gop else {})
            for packet in stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                out.mux(packet)
            n += 1
        if stream is not None:
            for packet in stream.encode():
                out.mux(packet)
    if n == 0:
        tmp.unlink(missing_ok=True)
        raise ValueError(f"no frames to write to {path}")
    os.replace(tmp, path)
    return n


def read_mp4(path: str | Path) -> np.ndarray:
    """Decode every frame of a video to an (N, H, W, 3) uint8 array."""
    import av

    with av.open(str(path)) as f:
        return np.stack([fr.to_ndarray(format="rgb24") for fr in f.decode(video=0)])
