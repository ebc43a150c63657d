"""The robot registry: built-in cards shipped in ``robots/cards/`` plus cards registered by users.

Registered cards live in ``<user data dir>/robots/<name>.yaml`` (``HGROUND_HOME`` overrides the
folder). A registered card may not shadow a built-in name.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

from humanoid_ground.errors import HGroundError, unknown_name

from . import paths
from .card import RobotCard, load_card

BUILTIN_DIR = Path(__file__).parent / "cards"


def _builtin_files() -> dict[str, Path]:
    return {f.stem: f for f in sorted(BUILTIN_DIR.glob("*.yaml"))}


def _user_files() -> dict[str, Path]:
    d = paths.registry_dir()
    return {f.stem: f for f in sorted(d.glob("*.yaml"))} if d.is_dir() else {}


def robot_names() -> list[str]:
    """Every robot usable by name: built-in first, then registered."""
    return list(_builtin_files()) + [n for n in _user_files() if n not in _builtin_files()]


def get_card(name_or_path: str | Path) -> RobotCard:
    """Look up a robot by registry name, or read a card file given by path."""
    s = str(name_or_path)
    if s.endswith((".yaml", ".yml")) or os.sep in s:
        return load_card(s)
    b = _builtin_files()
    if s in b:
        return load_card(b[s], builtin=True)
    u = _user_files()
    if s in u:
        return load_card(u[s])
    from .morph import split_name, variant_card

    v = split_name(s)
    if v is not None and (v[0] in b or v[0] in u):
        return variant_card(get_card(v[0]), v[1])
    raise unknown_name("robot", s, robot_names())


def is_robot_name(name: str) -> bool:
    """A built-in or registered robot, or a procedural variant ``<robot>-m<seed>`` of one."""
    from .morph import split_name

    v = split_name(name)
    names = set(robot_names())
    return name in names or (v is not None and v[0] in names)


def all_cards() -> list[RobotCard]:
    return [get_card(n) for n in robot_names()]


def _absolutise(card: RobotCard) -> dict:
    """The card as a dict with relative source paths made absolute (the card file moves)."""
    data = card.model_dump(mode="json", exclude_none=True)
    base = card.card_dir()
    src = data["source"]
    ref = src.get(card.source.kind)
    if ref and "file" in ref and not Path(os.path.expanduser(ref["file"])).is_absolute():
        ref["file"] = str((base / ref["file"]).resolve())
    src["package_paths"] = [str((base / x).resolve()) if not Path(os.path.expanduser(x)).is_absolute() else x
                            for x in src.get("package_paths", [])]
    return data


def card_yaml(card: RobotCard) -> str:
    """The card as YAML with absolute source paths: a file to copy, rename and edit into a new card."""
    data = _absolutise(card)
    data.pop("builtin", None)
    head = f"# card of '{card.name}' ({card.vendor} {card.model}); change 'name' before registering a copy\n"
    return head + yaml.safe_dump(data, sort_keys=False)


def check_can_register(card: RobotCard, overwrite: bool = False) -> Path:
    """Where the card would be registered; refuses a built-in name, or a registered one without
    ``overwrite`` (checked before validation, so a refusal is immediate)."""
    if card.name in _builtin_files():
        raise HGroundError(f"robot name '{card.name}' is a built-in robot; choose another 'name' in the card")
    dest = paths.registry_dir() / f"{card.name}.yaml"
    if dest.exists() and not overwrite:
        raise HGroundError(f"robot '{card.name}' is already registered ({dest}); run 'hground robots unregister {card.name}' first or pass --force")
    return dest


def register(card: RobotCard, overwrite: bool = False) -> Path:
    """Write a (validated) card into the user registry atomically; returns its path."""
    dest = check_can_register(card, overwrite)
    d = dest.parent
    d.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(_absolutise(card), sort_keys=False)
    fd, tmp = tempfile.mkstemp(prefix=f".{card.name}-", suffix=".yaml", dir=d)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, dest)
    return dest


def unregister(name: str) -> Path:
    if name in _builtin_files():
        raise HGroundError(f"'{name}' is a built-in robot and cannot be unregistered")
    u = _user_files()
    if name not in u:
        raise unknown_name("registered robot", name, list(u))
    u[name].unlink()
    return u[name]
