"""The package's shape: one-way data flow, one backend boundary, modules that import alone.

Layers, lowest first (every import points down or stays within its layer):
corpora -> preprocess -> vectorize -> factorize -> model -> report -> pipeline/select -> cli.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "topicmf"

#: Layer of each top-level module or subpackage of topicmf (``__init__`` is the facade, above all).
LAYERS = {
    "defaults": 0, "provenance": 0, "readers": 0, "corpora": 0, "partitions": 0,
    "preprocess": 1, "synthetic": 1,
    "vectorize": 2,
    "factorize": 3,
    "metrics": 4, "model": 4,
    "report": 5,
    "pipeline": 6, "select": 6, "distributed": 6,
    "cli": 7, "__main__": 7,
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path) -> list[tuple[str, bool]]:
    """(imported module, at module level?) for every import in the file, lazy ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    base = name.split(".") if is_pkg else name.split(".")[:-1]
    top_level = {id(n) for n in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in top_level) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - (node.level - 1)]
                mod = ".".join(anchor + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.append((mod, id(node) in top_level))
            for a in node.names:  # "from . import tables" imports a module too
                found.append((f"{mod}.{a.name}", id(node) in top_level))
    return found


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "topicmf" or len(parts) < 2:
        return None
    return LAYERS.get(parts[1])


MODULES = _modules()


def test_every_module_has_a_layer():
    unknown = sorted({m.split(".")[1] for m in MODULES if m != "topicmf"} - set(LAYERS))
    assert not unknown, f"modules without a layer (add them to LAYERS): {unknown}"


def test_imports_point_down_the_data_flow():
    wrong = []
    for name, path in MODULES.items():
        own = _layer(name)
        if own is None:
            continue
        for target, _ in _imports(name, path):
            other = _layer(target)
            if other is not None and other > own:
                wrong.append(f"{name} (layer {own}) imports {target} (layer {other})")
    assert not wrong, "\n".join(wrong)


def test_only_factorize_imports_a_backend():
    offenders = [
        f"{name} imports {target}"
        for name, path in MODULES.items() if not name.startswith("topicmf.factorize")
        for target, _ in _imports(name, path) if target.split(".")[0] in ("aesara", "pytensor")
    ]
    assert not offenders, offenders
    inside = [n for n, p in MODULES.items() if n.startswith("topicmf.factorize")
              and any(t.split(".")[0] in ("aesara", "pytensor") for t, _ in _imports(n, p))]
    assert inside == ["topicmf.factorize._backend"], f"only the shim imports a backend; also: {inside}"


def test_no_import_cycle_at_module_level():
    graph = {name: sorted({t for t, top in _imports(name, path) if top and t in MODULES and t != name})
             for name, path in MODULES.items()}
    # a package's __init__ importing its own submodules is how packages work, not a cycle
    for name in graph:
        graph[name] = [t for t in graph[name] if not (t.startswith(name + ".") and MODULES[name].name == "__init__.py")]
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node)


def test_each_module_imports_on_its_own():
    """In a fresh interpreter, each module imports with no other topicmf module loaded first."""
    code = f"""
import importlib, sys
failed = []
for name in {sorted(m for m in MODULES if m != "topicmf.__main__")!r}:
    for loaded in [m for m in sys.modules if m == "topicmf" or m.startswith("topicmf.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(f"{{name}}: {{type(exc).__name__}}: {{exc}}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]


def test_importing_topicmf_changes_no_environment_and_loads_no_backend():
    code = """
import logging, os, sys
import sklearn  # scikit-learn sets KMP_* variables at its own import; not ours to judge
before = dict(os.environ)
names = ("aesara.tensor.blas", "pytensor.tensor.blas", "aesara.graph", "pytensor.graph")
levels = {n: (logging.getLogger(n).level, len(logging.getLogger(n).filters)) for n in names}
import topicmf
assert "aesara" not in sys.modules and "pytensor" not in sys.modules, "a backend loaded at import"
import topicmf.factorize
assert dict(os.environ) == before, "the environment changed"
after = {n: (logging.getLogger(n).level, len(logging.getLogger(n).filters)) for n in names}
assert after == levels, (levels, after)
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr[-2000:]


def test_unwritable_home_falls_back_to_a_private_compile_folder(tmp_path):
    """No writable home: one warning line, and the backend compiles in a folder only we can write."""
    code = """
import warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from topicmf.factorize import _backend
mine = [str(w.message) for w in caught if "home folder is not writable" in str(w.message)]
assert len(mine) == 1 and "\\n" not in mine[0], mine
import os, stat
folder = str(_backend.config.base_compiledir)
st = os.stat(folder)
assert folder.startswith(os.environ["TMPDIR"]) and stat.S_IMODE(st.st_mode) & 0o022 == 0, (folder, oct(st.st_mode))
print("ok")
"""
    env = {**os.environ, "HOME": str(tmp_path / "missing" / "home"), "TMPDIR": str(tmp_path)}
    env.pop("AESARA_FLAGS", None)
    env.pop("PYTENSOR_FLAGS", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr[-2000:]
