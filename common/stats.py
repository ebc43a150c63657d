"""Feature statistics in LeRobot's layout (min/max/mean/std/count + quantiles), per episode and aggregated."""
from __future__ import annotations

import numpy as np

QUANTILES = (0.01, 0.10, 0.50, 0.90, 0.99)
QKEYS = [f"q{int(q * 100):02d}" for q in QUANTILES]
MAX_IMAGE_SAMPLES = 100


def vector_stats(x: np.ndarray) -> dict[str, np.ndarray]:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    out = {"min": x.min(0), "max": x.max(0), "mean": x.mean(0), "std": x.std(0), "count": np.array([len(x)])}
    qs = np.quantile(x, QUANTILES, axis=0)
    out.update({k: qs[i] for i, k in enumerate(QKEYS)})
    return out


def many_vector_stats(arrays: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """:func:`vector_stats` of several same-length features in one pass (one matrix, one sort)."""
    cols = {k: np.asarray(v, dtype=np.float64).reshape(len(v), -1) for k, v in arrays.items()}
    if not cols:
        return {}
    x = np.concatenate(list(cols.values()), axis=1)
    srt = np.sort(x, axis=0)  # one sort gives min, max and every quantile (numpy's linear method)
    mn, mx, mean, std = srt[0], srt[-1], x.mean(0), x.std(0)
    pos = np.asarray(QUANTILES) * (len(x) - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, len(x) - 1)
    frac = (pos - lo)[:, None]
    qs = srt[lo] * (1 - frac) + srt[hi] * frac
    out, i = {}, 0
    for k, c in cols.items():
        j = i + c.shape[1]
        out[k] = {"min": mn[i:j], "max": mx[i:j], "mean": mean[i:j], "std": std[i:j], "count": np.array([len(x)])}
        out[k].update({q: qs[n, i:j] for n, q in enumerate(QKEYS)})
        i = j
    return out


def image_stats(frames: np.ndarray) -> dict[str, np.ndarray]:
    """Per-channel stats of uint8 frames (T, H, W, 3) scaled to [0, 1], shaped (3, 1, 1) as LeRobot does."""
    idx = np.linspace(0, len(frames) - 1, min(len(frames), MAX_IMAGE_SAMPLES)).round().astype(int)
    x = frames[idx].reshape(-1, 3).astype(np.float64) / 255.0
    s = vector_stats(x)
    out = {k: v.reshape(3, 1, 1) for k, v in s.items() if k != "count"}
    out["count"] = np.array([len(frames)])
    return out


def aggregate(stats_list: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Combine per-episode stats: exact min/max/mean/std; quantiles as count-weighted means (as LeRobot)."""
    means = np.stack([np.asarray(s["mean"], float) for s in stats_list])
    var = np.stack([np.asarray(s["std"], float) ** 2 for s in stats_list])
    counts = np.stack([np.asarray(s["count"], float).reshape(-1)[:1] for s in stats_list])
    total = counts.sum()
    w = counts.reshape((-1,) + (1,) * (means.ndim - 1))
    mean = (means * w).sum(0) / total
    std = np.sqrt(((var + (means - mean) ** 2) * w).sum(0) / total)
    out = {"min": np.min(np.stack([s["min"] for s in stats_list]), 0), "max": np.max(np.stack([s["max"] for s in stats_list]), 0),
           "mean": mean, "std": std, "count": np.array([int(total)])}
    for k in QKEYS:
        if all(k in s for s in stats_list):
            out[k] = (np.stack([np.asarray(s[k], float) for s in stats_list]) * w).sum(0) / total
    return out


def to_json(stats: dict[str, dict[str, np.ndarray]]) -> dict:
    return {f: {k: np.asarray(v).tolist() for k, v in s.items()} for f, s in stats.items()}


def from_json(d: dict) -> dict[str, dict[str, np.ndarray]]:
    return {f: {k: np.asarray(v) for k, v in s.items()} for f, s in d.items()}
