"""``key=value`` arguments (Hydra-style) for the commands that are not Hydra apps: eval, collect, bench."""
from __future__ import annotations

from typing import Any

import yaml

from humanoid_ground.errors import HGroundError, unknown_name


def parse_kv(args: list[str], defaults: dict[str, Any], command: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """``["episodes=50", "robots=[unitree_h1,unitree_g1]"]`` -> a dict over ``defaults``; values are
    parsed as YAML scalars/lists (``a,b`` is a list too). Unknown keys get a did-you-mean."""
    out = dict(defaults)
    for a in args:
        if "=" not in a:
            raise HGroundError(f"{command}: argument '{a}' is not key=value (keys: {', '.join(defaults)})")
        key, _, raw = a.partition("=")
        key = key.strip().lstrip("+")
        if key not in defaults:
            raise unknown_name(f"{command} option", key, list(defaults))
        out[key] = parse_value(raw)
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
