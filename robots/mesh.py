"""Mesh conversion for PyBullet: formats it cannot read become OBJ; collision meshes become hulls,
boxes or convex decompositions according to the card's collision model."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from humanoid_ground.errors import HGroundError

from ._pybullet import p, quiet_stdout

#: Extensions PyBullet's URDF loader reads reliably. Everything else is converted to OBJ.
NATIVE = {".obj", ".stl"}


def _trimesh():
    import trimesh  # imported lazily: it is slow to import

    return trimesh


def load_mesh(path: Path, what: str):
    """Load any mesh format trimesh knows (OBJ, STL, DAE, GLB, GLTF, PLY, OFF) as one triangle mesh."""
    tm = _trimesh()
    try:
        mesh = tm.load(str(path), force="mesh", process=False)
    except Exception as err:  # trimesh raises many kinds
        raise HGroundError(f"{path}: {what}: mesh cannot be read ({type(err).__name__}: {err}); re-export it as OBJ or STL") from None
    if mesh is None or len(getattr(mesh, "faces", [])) == 0:
        raise HGroundError(f"{path}: {what}: mesh has no triangles; re-export it as OBJ or STL")
    return mesh


def write_obj(vertices: np.ndarray, faces: np.ndarray, out: Path) -> None:
    """Write a triangle mesh as OBJ (numpy formatted, no trimesh round trip)."""
    lines = ["# written by humanoid-ground"]
    lines += [f"v {x:.6g} {y:.6g} {z:.6g}" for x, y, z in np.asarray(vertices, dtype=float)]
    lines += [f"f {a + 1} {b + 1} {c + 1}" for a, b, c in np.asarray(faces, dtype=int)]
    out.write_text("\n".join(lines) + "\n")


def _digest(path: Path, tag: str) -> str:
    h = hashlib.sha1(tag.encode())
    h.update(str(path).encode())
    st = path.stat()
    h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


class MeshConverter:
    """Converts and caches meshes into one asset's ``meshes/`` folder.

    :param out_dir: the asset's mesh folder.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        self.hull_counts: dict[str, int] = {}
        self.converted: list[str] = []

    def readable(self, path: Path, what: str) -> Path:
        """A file PyBullet can read for ``path``: itself, or a converted OBJ."""
        if path.suffix.lower() in NATIVE:
            return path
        out = self.out_dir / f"{path.stem}_{_digest(path, 'obj')}.obj"
        if not out.exists():
            mesh = load_mesh(path, what)
            write_obj(mesh.vertices, mesh.faces, out)
            self.converted.append(f"{path.name} -> {out.name}")
        return out

    def hull(self, path: Path, scale: np.ndarray, what: str) -> Path:
        """The convex hull of a mesh (scaled), as OBJ: what PyBullet would build anyway, but smaller."""
        out = self.out_dir / f"{path.stem}_{_digest(path, 'hull' + str(scale.tolist()))}_hull.obj"
        if not out.exists():
            mesh = load_mesh(path, what)
            v = np.asarray(mesh.vertices) * scale
            try:
                hull = _trimesh().Trimesh(vertices=v, faces=mesh.faces, process=False).convex_hull
                write_obj(hull.vertices, hull.faces, out)
            except Exception:  # degenerate (flat) meshes: keep them as they are
                write_obj(v, mesh.faces, out)
        return out

    def obb(self, path: Path, scale: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
        """Oriented bounding box of a scaled mesh: (4x4 transform in the mesh frame, full extents)."""
        mesh = load_mesh(path, what)
        v = np.asarray(mesh.vertices) * scale
        tm = _trimesh()
        try:
            box = tm.Trimesh(vertices=v, faces=mesh.faces, process=False).bounding_box_oriented
            return np.asarray(box.primitive.transform), np.maximum(np.asarray(box.primitive.extents), 1e-3)
        except Exception:
            lo, hi = v.min(0), v.max(0)
            T = np.eye(4)
            T[:3, 3] = (lo + hi) / 2
            return T, np.maximum(hi - lo, 1e-3)

    def decompose(self, path: Path, scale: np.ndarray, what: str) -> Path:
        """Convex decomposition with PyBullet's built-in V-HACD (for concave moving meshes)."""
        src = self.readable(path, what)
        out = self.out_dir / f"{path.stem}_{_digest(path, 'vhacd' + str(scale.tolist()))}_vhacd.obj"
        if not out.exists():
            scaled = self.out_dir / f"{out.stem}_in.obj"
            mesh = load_mesh(src, what)
            write_obj(np.asarray(mesh.vertices) * scale, mesh.faces, scaled)
            with quiet_stdout():
                p.vhacd(str(scaled), str(out), str(self.out_dir / "vhacd.log"), resolution=50000, maxNumVerticesPerCH=32)
            scaled.unlink(missing_ok=True)
        self.hull_counts[str(out.name)] = sum(1 for ln in out.read_text().splitlines() if ln.startswith("o "))
        return out
