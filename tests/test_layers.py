"""The layer rule: cli → jobs → report → ge → scenario → estimation → panel → data, no import cycles,
and library code never imports the package face (``import gravity`` is for users, notebooks, the CLI).

The contracts themselves live in pyproject.toml ([tool.importlinter]); ``lint-imports`` checks every
import, function-local ones included.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "gravity"
FACE = {PACKAGE / "__init__.py", PACKAGE / "cli.py"}
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _submodules(package: Path) -> set[str]:
    return {p.stem for p in package.glob("*.py")} | {p.parent.name for p in package.glob("*/__init__.py")}


def _imports_of_the_face(path: Path, root: Path = ROOT, package: Path = PACKAGE) -> list[str]:
    """`import gravity`, `import gravity as gv` and `from gravity import name` where name is a
    re-export of the face (not a subpackage: `from gravity import data` imports gravity.data),
    anywhere in the file, function-local imports included."""
    found = []
    subs = _submodules(package)
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [f"{path.relative_to(root)}:{node.lineno}: import {a.name}"
                      for a in node.names if a.name == "gravity"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "gravity":
            names = [a.name for a in node.names if a.name not in subs]
            if names:
                found.append(f"{path.relative_to(root)}:{node.lineno}: from gravity import {', '.join(names)}")
    return found


def test_import_linter_contracts_are_kept():
    """Layers, the independence of the jobs and acyclic siblings (pyproject.toml [tool.importlinter])."""
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} missing: install the test extra (import-linter)")
    res = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr


def test_library_code_never_imports_the_package_face():
    offenders = [hit for p in sorted(PACKAGE.rglob("*.py")) if p not in FACE for hit in _imports_of_the_face(p)]
    assert not offenders, "import the defining module instead of the package face:\n" + "\n".join(offenders)


def test_the_face_scan_catches_each_form(tmp_path):
    """The AST scan is not vacuous: each way of importing the face is found, subpackages are not."""
    f = tmp_path / "m.py"
    f.write_text("import gravity\nimport gravity as gv\nfrom gravity import ppml\nfrom gravity import data\n"
                 "import gravity.ge\nfrom gravity.ge import solve\ndef f():\n    import gravity as g\n")
    hits = _imports_of_the_face(f, tmp_path)
    assert [h.split(":")[1] for h in hits] == ["1", "2", "3", "8"]


def test_import_gravity_loads_nothing_heavy():
    """The face is lazy (PEP 562): `import gravity` loads no submodule and none of the heavy libraries (but
    the few lines choosing the numba kernel cache, which must run before numba is imported)."""
    code = ("import sys, gravity; "
            "print(sorted(m for m in sys.modules if m.startswith('gravity.') and m != 'gravity._numba_cache' "
            "or m.split('.')[0] in ('numpy', 'pandas', 'numba', 'scipy', 'typer', 'matplotlib')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout


def test_cli_help_loads_no_library_layer():
    """`gravity --help` imports typer only: every command imports its layers inside the command."""
    code = ("import sys; from gravity.cli import app; "
            "print(sorted(m for m in sys.modules if m.startswith('gravity.') "
            "and m not in ('gravity.cli', 'gravity._numba_cache') "
            "or m.split('.')[0] in ('numpy', 'pandas', 'numba', 'scipy', 'matplotlib')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout


def test_every_name_of_the_face_resolves():
    """Each lazy re-export points at a module and attribute that exist (a moved function breaks here)."""
    import importlib

    import gravity

    missing = []
    for name in gravity.__all__:
        module, attr = gravity._EXPORTS.get(name, (None, None))
        if module is None:
            continue                                    # __version__
        mod = importlib.import_module(module)
        if attr is not None and not hasattr(mod, attr):
            missing.append(f"{name} -> {module}.{attr}")
    assert not missing, missing
    assert gravity.run_replication.__module__ == "gravity.jobs.replicate.runners"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        gravity.nope  # noqa: B018
