"""Finding model files: card sources and ``package://`` URIs as vendor URDFs use them."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from humanoid_ground.errors import HGroundError

from .card import ModelRef, RobotCard


def package_dir(package: str) -> Path | None:
    """The folder of an installed Python package (without importing it), or None."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    if spec.origin:
        return Path(spec.origin).parent
    return None


def model_path(card: RobotCard) -> Path:
    """The absolute path of the card's source model; raises a one-line error if it is missing."""
    ref: ModelRef = card.source.ref
    kind = card.source.kind
    where = card.card_path or card.name
    if ref.file is not None:
        p = Path(os.path.expanduser(ref.file))
        if not p.is_absolute():
            p = card.card_dir() / p
        if not p.is_file():
            raise HGroundError(f"{where}: source.{kind}.file '{ref.file}' not found (looked at {p}); fix the path in the card")
        return p.resolve()
    pdir = package_dir(ref.package or "")
    if pdir is None:
        raise HGroundError(
            f"{where}: source.{kind}.package '{ref.package}' is not installed; pip install it or use source.{kind}.file"
        )
    p = pdir / (ref.path or "")
    if not p.is_file():
        raise HGroundError(f"{where}: '{ref.path}' not found in package '{ref.package}' ({p}); fix source.{kind}.path")
    return p.resolve()


def search_roots(package_paths: list[str], base: Path) -> list[Path]:
    roots = [Path(os.path.expanduser(x)) if Path(os.path.expanduser(x)).is_absolute() else base / x for x in package_paths]
    roots += [Path(x) for x in os.environ.get("ROS_PACKAGE_PATH", "").split(os.pathsep) if x]
    return roots


def resolve_uri(uri: str, model_file: Path, package_paths: list[str], card_dir: Path, what: str) -> Path:
    """Resolve a mesh filename from a URDF to an existing file.

    Tries, for ``package://PKG/REL``: every ancestor folder of the model named PKG (and PKG beside
    it), each ``package_paths`` root and ROS_PACKAGE_PATH entry, and an installed Python package
    PKG. Plain relative paths resolve against the model's folder.

    :param what: description of the referencing element for the error message.
    """
    tried: list[Path] = []
    if uri.startswith("package://"):
        rest = uri[len("package://"):]
        pkg, _, rel = rest.partition("/")
        for anc in model_file.parents:
            if anc.name == pkg:
                tried.append(anc / rel)
            tried.append(anc / pkg / rel)
        for root in search_roots(package_paths, card_dir):
            tried.append(root / pkg / rel)
            if root.name == pkg:
                tried.append(root / rel)
        pdir = package_dir(pkg)
        if pdir is not None:
            tried.append(pdir / rel)
        for cand in tried:
            if cand.is_file():
                return cand.resolve()
        shown = ", ".join(str(t) for t in tried[:6]) + (f" (+{len(tried) - 6} more)" if len(tried) > 6 else "")
        raise HGroundError(
            f"{model_file}: {what}: cannot resolve '{uri}' (tried {shown}); "
            f"add the folder that contains '{pkg}/' to the card's source.package_paths or to ROS_PACKAGE_PATH"
        )
    path = uri[len("file://"):] if uri.startswith("file://") else uri
    p = Path(path)
    if not p.is_absolute():
        p = model_file.parent / p
    if p.is_file():
        return p.resolve()
    raise HGroundError(f"{model_file}: {what}: mesh file '{uri}' not found (looked at {p}); fix the filename or add the mesh")
