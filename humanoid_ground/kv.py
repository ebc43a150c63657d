"""``key=value`` arguments (Hydra-style) for the commands that are not Hydra apps: eval, collect, bench."""
from __future__ import annotations

from typing import Any

import yaml

from humanoid_ground.errors import HGroundError, unknown_name


#: options that are counts: at least this much (every command shares these meanings)
MINIMUMS = {"episodes": 1, "workers": 1, "resolution": 16, "video": 0, "seed": 0, "max_episode_steps": 1}


def parse_kv(args: list[str], defaults: dict[str, Any], command: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """``["episodes=50", "robots=[unitree_h1,unitree_g1]"]`` -> a dict over ``defaults``; values are
    parsed as YAML scalars/lists (``a,b`` is a list too). Unknown keys get a did-you-mean; a value
    whose default is a whole number or a boolean must be one (counts within :data:`MINIMUMS`), so a
    bad value is one line before anything runs."""
    out = dict(defaults)
    for a in args:
        if "=" not in a:
            raise HGroundError(f"{command}: argument '{a}' is not key=value (keys: {', '.join(defaults)})")
        key, _, raw = a.partition("=")
        key = key.strip().lstrip("+")
        if key not in defaults:
            raise unknown_name(f"{command} option", key, list(defaults))
        out[key] = v = parse_value(raw)
        d = defaults[key]
        if isinstance(d, bool) and not isinstance(v, bool):
            raise HGroundError(f"{command}: {key}={raw}: use true or false")
        if (isinstance(d, int) and not isinstance(d, bool)) or (d is None and key in MINIMUMS and v is not None):
            if isinstance(v, bool) or not isinstance(v, int):
                raise HGroundError(f"{command}: {key}={raw}: not a whole number")
        if key in MINIMUMS and isinstance(v, int) and v < MINIMUMS[key]:
            raise HGroundError(f"{command}: {key}={raw}: use {MINIMUMS[key]} or more")
    missing = [k for k in required if out.get(k) in (None, "")]
    if missing:
        raise HGroundError(f"{command}: missing {', '.join(k + '=...' for k in missing)}")
    return out


def parse_value(raw: str) -> Any:
    raw = raw.strip()
    if raw.startswith("[") or raw.startswith("{"):
        try:
            return yaml.safe_load(raw)
        except yaml.YAMLError:
            pass
    if "," in raw:
        return [parse_value(x) for x in raw.split(",") if x.strip()]
    try:
        v = yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw
    return v if isinstance(v, (int, float, bool)) or v is None else raw


def as_list(v) -> list:
    if v is None:
        return []
    return list(v) if isinstance(v, (list, tuple)) else [v]
