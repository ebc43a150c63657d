"""The dependency direction of DESIGN.md, checked on the source: robots ← envs ← tasks ← (training, data) ← CLI,
with what training and data share in ``common`` and gym registration above tasks. Lazy imports (inside
functions) count; imports under ``if TYPE_CHECKING:`` do not (they never run). A test, not a convention."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: source folder -> import package (pyproject's package-dir)
FOLDERS = {"robots": "robots", "envs": "envs", "tasks": "tasks", "training": "training", "data": "data", "common": "common",
           "humanoid_ground": ""}
#: layer -> the layers it may import
ALLOWED = {
    "base": {"base"},
    "robots": {"base", "robots"},
    "envs": {"base", "robots", "envs"},
    "tasks": {"base", "robots", "envs", "tasks"},
    "api": {"base", "robots", "envs", "tasks", "api"},  # humanoid_ground.make / gym registration
    "common": {"base", "common"},
    "training": {"base", "robots", "envs", "tasks", "api", "common", "training"},
    "data": {"base", "robots", "envs", "tasks", "api", "common", "data"},
    "cli": {"base", "robots", "envs", "tasks", "api", "common", "training", "data", "cli"},
}


def layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "humanoid_ground":
        return None  # third-party
    if len(parts) == 1 or parts[1] == "registration":
        return "api"
    if parts[1] in ("errors", "kv", "configs", "assets", "__version__"):
        return "base"
    if parts[1] in ("cli", "__main__"):
        return "cli"
    return parts[1]


def modules():
    for folder, sub in FOLDERS.items():
        for f in sorted((ROOT / folder).rglob("*.py")):
            rel = f.relative_to(ROOT / folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            name = ".".join(["humanoid_ground"] + ([sub] if sub else []) + parts)
            yield name, f, f.name == "__init__.py"


def imports(name: str, path: Path, is_pkg: bool) -> set[str]:
    tree = ast.parse(path.read_text())
    skip = set()
    for node in ast.walk(tree):  # `if TYPE_CHECKING:` bodies never run
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING":
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    package = name if is_pkg else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}  # `from pkg import module`
    return {m for m in out if m and m.split(".")[0] == "humanoid_ground"}


def test_no_upward_imports():
    bad = []
    for name, path, is_pkg in modules():
        src = layer(name)
        for m in imports(name, path, is_pkg):
            dst = layer(m)
            if dst and dst not in ALLOWED[src]:
                bad.append(f"{path.relative_to(ROOT)}: {src} imports {m} ({dst})")
    assert not bad, "imports against the layers of DESIGN.md:\n" + "\n".join(bad)


def test_no_import_cycles_between_packages():
    graph: dict[str, set[str]] = {}
    for name, path, is_pkg in modules():
        src = layer(name)
        if src in ("cli",):
            continue
        for m in imports(name, path, is_pkg):
            dst = layer(m)
            if dst and dst != src:
                graph.setdefault(src, set()).add(dst)
    seen, stack, cycles = set(), [], []

    def visit(n):
        if n in stack:
            cycles.append(stack[stack.index(n):] + [n])
            return
        if n in seen:
            return
        seen.add(n)
        stack.append(n)
        for d in sorted(graph.get(n, ())):
            visit(d)
        stack.pop()
    for n in sorted(graph):
        visit(n)
    assert not cycles, f"import cycles between packages: {cycles}"


def test_the_check_sees_a_violation(tmp_path):
    """The checker itself: an upward import is found (so the test above can fail)."""
    f = tmp_path / "x.py"
    f.write_text("def f():\n    from humanoid_ground.training.policies import make_policy\n")
    found = imports("humanoid_ground.data.x", f, False)
    assert "humanoid_ground.training.policies" in found and layer("humanoid_ground.training.policies") not in ALLOWED["data"]


def test_every_source_package_is_packaged():
    """A folder with an ``__init__.py`` under a mapped source folder must be in pyproject's packages:
    the editable install finds it anyway, a wheel (``pip install .``) would silently leave it out."""
    import tomllib

    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(conf["packages"])
    missing = []
    for pkg, folder in conf["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            if "__pycache__" in rel:
                continue
            name = ".".join((pkg, *rel))
            if name not in listed:
                missing.append(name)
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


def test_tasks_reach_pybullet_only_through_the_scene_interface():
    """Tasks use ``Sim`` (cached poses, ray tests, colours) and the part builders of ``tasks/parts.py``;
    raw PyBullet in a task module would bypass the per-step pose cache."""
    raw = sorted(str(f.relative_to(ROOT)) for name, f, is_pkg in modules()
                 if name.startswith("humanoid_ground.tasks.") and name != "humanoid_ground.tasks.parts"
                 and "humanoid_ground.robots._pybullet" in imports(name, f, is_pkg))
    assert raw == [], f"raw PyBullet in {raw}: add what the task needs to envs/sim.py or tasks/parts.py"
