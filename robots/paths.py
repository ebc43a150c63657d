"""Where humanoid-ground keeps its files. ``HGROUND_HOME`` puts everything under one folder (tests use it)."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "humanoid-ground"


def home() -> Path | None:
    h = os.environ.get("HGROUND_HOME")
    return Path(h).expanduser() if h else None


def data_dir() -> Path:
    h = home()
    return (h / "data") if h else Path(platformdirs.user_data_dir(APP))


def cache_dir() -> Path:
    env = os.environ.get("HGROUND_CACHE")
    if env:
        return Path(env).expanduser()
    h = home()
    return (h / "cache") if h else Path(platformdirs.user_cache_dir(APP))


def registry_dir() -> Path:
    return data_dir() / "robots"
