"""Robot card -> processed robot asset in a content-addressed cache.

An asset is a folder ``<cache>/assets/<key>/`` holding ``robot.urdf`` (absolute mesh paths, fixed
inertials, the card's collision model), ``meshes/`` and ``meta.json`` (joints, links, warnings,
self-collision filter, model hash). The key hashes everything the result depends on, so a second
load of the same robot reads ``meta.json`` and converts nothing.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path


from . import paths
from .card import RobotCard
from .mesh import MeshConverter
from .resolve import model_path
from .repair import merge_dummy_root
from .urdf import apply_joint_limits, check_inertials, check_structure, fix_efforts, parse_urdf, process_meshes, repair_inertias


@dataclass
class JointInfo:
    name: str
    type: str
    parent: str
    child: str
    lower: float | None
    upper: float | None
    effort: float
    velocity: float
    damping: float = 0.0
    armature: float = 0.0

    @property
    def movable(self) -> bool:
        return self.type in ("revolute", "continuous", "prismatic")


@dataclass
class RobotAsset:
    """A processed robot ready to be spawned in PyBullet."""

    card: RobotCard
    urdf_path: Path
    key: str
    root_link: str
    joints: list[JointInfo]
    links: dict[str, dict]  # name -> {mass, inertia, placeholder}
    warnings: list[str]
    counts: dict[str, int]
    filter_pairs: list[tuple[str, str]] = field(default_factory=list)
    free_base: bool = True
    hull_counts: dict[str, int] = field(default_factory=dict)
    from_cache: bool = False
    load_seconds: float = 0.0

    @property
    def movable_joints(self) -> list[JointInfo]:
        return [j for j in self.joints if j.movable]

    @property
    def dof(self) -> int:
        return len(self.movable_joints)

    @property
    def total_mass(self) -> float:
        return float(sum(v["mass"] for v in self.links.values()))

    @property
    def model_hash(self) -> str:
        return self.key


def _file_fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    h.update(path.read_bytes())
    return h.hexdigest()


def _tree_fingerprint(folder: Path) -> str:
    """Sizes and mtimes of every file under a model's folder (meshes, includes): cheap and exact enough."""
    h = hashlib.sha256()
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for f in sorted(files):
            fp = Path(root) / f
            try:
                st = fp.stat()
            except OSError:
                continue
            h.update(f"{fp.relative_to(folder)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


#: the modules whose code produces an asset: their source is part of every cache key, so a change to the
#: importer can never reuse a stale asset (no version to bump by hand)
IMPORTER_MODULES = ("asset", "urdf", "repair", "mjcf", "mesh", "geometry", "resolve", "body", "morph")


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the importer's modules: part of every asset's cache key (no hand-bumped version), so any change
    to the importer re-imports."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for m in IMPORTER_MODULES:
        h.update((here / f"{m}.py").read_bytes())
    return h.hexdigest()[:16]


def cache_key(card: RobotCard, src: Path) -> str:
    """Hash of the importer's code, the source model (its bytes, and its folder's files) and the
    card fields that shape the asset (collision model, joint limits, default pose, base link)."""
    h = hashlib.sha256()
    h.update(code_fingerprint().encode())
    h.update(card.source.kind.encode())
    h.update(_file_fingerprint(src).encode())
    h.update(_tree_fingerprint(src.parent).encode())
    h.update(json.dumps({"collision": card.collision, "limits": card.joint_limits, "pose": card.default_pose,
                         "paths": card.source.package_paths, "base_link": card.base_link}, sort_keys=True).encode())
    return h.hexdigest()[:24]


def _joint_infos(root: ET.Element, extra: dict) -> list[JointInfo]:
    out = []
    for j in root.findall("joint"):
        lim = j.find("limit")
        dyn = j.find("dynamics")
        name = j.get("name")
        jt = j.get("type")
        lo = float(lim.get("lower")) if lim is not None and lim.get("lower") is not None and jt != "continuous" else None
        hi = float(lim.get("upper")) if lim is not None and lim.get("upper") is not None and jt != "continuous" else None
        ex = extra.get("joints", {}).get(name, {})
        out.append(JointInfo(
            name=name, type=jt, parent=j.find("parent").get("link"), child=j.find("child").get("link"),
            lower=lo, upper=hi,
            effort=float(lim.get("effort", 0) or 0) if lim is not None else 0.0,
            velocity=float(lim.get("velocity", 0) or 0) if lim is not None else 0.0,
            damping=float(ex["damping"]) if "damping" in ex else (float(dyn.get("damping", 0) or 0) if dyn is not None else 0.0),
            armature=float(ex.get("armature", 0.0)),
        ))
    return out


def _build(card: RobotCard, src: Path, out: Path) -> dict:
    """Convert the card's model into ``out``; return the metadata dict."""
    warnings: list[str] = []
    meshes = MeshConverter(out / "meshes")
    extra: dict = {}
    if card.source.kind == "mjcf":
        from .mjcf import mjcf_to_urdf

        tree, extra = mjcf_to_urdf(src, out / "meshes", warnings)
        model_file = src
    else:
        tree = parse_urdf(src)
        model_file = src
    root = tree.getroot()
    root_link = check_structure(root, model_file)
    if card.base_link != root_link and merge_dummy_root(root, root_link, card.base_link, warnings):
        root_link = card.base_link
    links = check_inertials(root, model_file, warnings)
    apply_joint_limits(root, card.joint_limits, model_file)
    fix_efforts(root, warnings)
    counts = process_meshes(root, model_file, card.source.package_paths, card.card_dir(), meshes, card.collision)
    repair_inertias(root, links, warnings)
    if meshes.converted:
        warnings.append(f"converted {len(meshes.converted)} mesh(es) PyBullet cannot read to OBJ: {', '.join(meshes.converted[:4])}")
    urdf_path = out / "robot.urdf"
    ET.indent(tree)
    tree.write(urdf_path, encoding="unicode", xml_declaration=True)
    joints = _joint_infos(root, extra)
    free_base = extra.get("free_base", True)
    meta = {
        "importer": code_fingerprint(),
        "card": card.name,
        "source": str(src),
        "root_link": root_link,
        "joints": [j.__dict__ for j in joints],
        "links": links,
        "warnings": warnings,
        "counts": counts,
        "hull_counts": meshes.hull_counts,
        "free_base": free_base,
        "built_at": time.time(),
    }
    # the self-collision filter needs the model in PyBullet: computed from the written URDF
    from .body import compute_collision_filter

    meta["filter_pairs"] = compute_collision_filter(urdf_path, card, joints, root_link)
    return meta


def _build_variant(card: RobotCard, base: RobotAsset, draw, out: Path) -> dict:
    """A procedural variant (see :mod:`.morph`): the base asset's URDF perturbed; meshes stay in the
    base asset's folder (scaled in the URDF)."""
    from .body import compute_collision_filter
    from .morph import perturb_urdf

    tree = ET.parse(base.urdf_path)
    root = tree.getroot()
    perturb_urdf(root, card, draw)
    links = check_inertials(root, base.urdf_path, [])
    urdf_path = out / "robot.urdf"
    ET.indent(tree)
    tree.write(urdf_path, encoding="unicode", xml_declaration=True)
    extra = {"joints": {j.name: {"damping": j.damping, "armature": j.armature} for j in base.joints}}
    joints = _joint_infos(root, extra)
    meta = {"importer": code_fingerprint(), "card": card.name, "source": f"variant of {base.card.name} ({base.key})",
            "root_link": base.root_link, "joints": [j.__dict__ for j in joints], "links": links,
            "warnings": list(base.warnings), "counts": base.counts, "hull_counts": base.hull_counts,
            "free_base": base.free_base, "built_at": time.time(), "morph": draw.__dict__}
    meta["filter_pairs"] = compute_collision_filter(urdf_path, card, joints, base.root_link)
    return meta


def _asset_from_meta(card: RobotCard, folder: Path, key: str, meta: dict, cached: bool, secs: float) -> RobotAsset:
    return RobotAsset(
        card=card, urdf_path=folder / "robot.urdf", key=key, root_link=meta["root_link"],
        joints=[JointInfo(**j) for j in meta["joints"]], links=meta["links"], warnings=list(meta["warnings"]),
        counts=meta["counts"], filter_pairs=[tuple(x) for x in meta["filter_pairs"]], free_base=meta["free_base"],
        hull_counts=meta.get("hull_counts", {}), from_cache=cached, load_seconds=secs,
    )


def load_asset(card: RobotCard, rebuild: bool = False) -> RobotAsset:
    """Return the processed asset for a card, converting the model only when the cache has no entry.

    :param rebuild: ignore the cache and convert again.
    """
    t0 = time.perf_counter()
    if card.morph_of is not None:  # a procedural variant: the base robot's asset, perturbed
        from .morph import morph_key

        base, draw = card.morph_of
        base_asset = load_asset(base)
        key = morph_key(base_asset.key, draw)
        build = lambda out: _build_variant(card, base_asset, draw, out)  # noqa: E731
    else:
        src = model_path(card)
        key = cache_key(card, src)
        build = lambda out: _build(card, src, out)  # noqa: E731
    folder = paths.cache_dir() / "assets" / f"{card.name}-{key}"
    meta_file = folder / "meta.json"
    if meta_file.is_file() and not rebuild:
        try:
            meta = json.loads(meta_file.read_text())
            return _asset_from_meta(card, folder, key, meta, True, time.perf_counter() - t0)
        except (json.JSONDecodeError, KeyError, TypeError):
            pass  # a damaged entry is rebuilt below
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{card.name}-", dir=folder.parent))
    try:
        meta = build(tmp)
        # meshes were written under tmp/: point the URDF at their final place
        text = (tmp / "robot.urdf").read_text().replace(str(tmp), str(folder))
        (tmp / "robot.urdf").write_text(text)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
        if folder.exists() and (rebuild or not meta_file.is_file()):
            shutil.rmtree(folder, ignore_errors=True)  # damaged entry, or an explicit rebuild
        try:
            os.replace(tmp, folder)
        except OSError:  # another process finished the same entry first: keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    meta = json.loads(meta_file.read_text())
    return _asset_from_meta(card, folder, key, meta, False, time.perf_counter() - t0)
