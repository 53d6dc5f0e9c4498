"""Errors rooted: every exception class of the package derives from gravity.errors.GravityError and from the
built-in it specialises, library code raises no bare built-in exception, and option strings are checked by
their one validator (gravity.options)."""
from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path
from typing import Literal

import pytest

import gravity
from gravity.errors import ArgumentTypeError, GravityError, OptionError
from gravity.options import choices, validator

PACKAGE = Path(gravity.__file__).parent
BUILTINS = (ValueError, RuntimeError, FileNotFoundError, KeyError, TypeError)
# The corridor job and the model-file validator are being rewritten on another branch; their errors
# (ScenarioFileError and OutputPathError derive from ValueError only) and bare raises are listed in the
# report to that branch. Empty these two sets when it lands.
PENDING_CLASSES: set[str] = set()
PENDING_FILES: set[str] = set()
BARE = {"ValueError", "TypeError", "KeyError", "RuntimeError", "FileNotFoundError", "IndexError", "LookupError",
        "OSError", "Exception", "AssertionError"}


def _modules():
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="gravity."):
        yield importlib.import_module(info.name)


def _error_classes():
    seen = {}
    for mod in _modules():
        for name, obj in vars(mod).items():
            if (isinstance(obj, type) and issubclass(obj, BaseException) and obj.__module__ == mod.__name__
                    and not name.startswith("_")):
                seen[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return seen


def test_every_error_class_derives_from_gravity_error_and_its_builtin():
    classes = _error_classes()
    assert len(classes) >= 20                                       # the scan finds the package's errors
    wrong = [n for n, c in classes.items() if n not in PENDING_CLASSES and not issubclass(c, Warning)
             and not (issubclass(c, GravityError) and (c is GravityError or issubclass(c, BUILTINS)))]
    assert not wrong, f"derive these from gravity.errors.GravityError and their built-in: {wrong}"


def _bare_raises(path: Path, root: Path = PACKAGE.parent) -> list[str]:
    """``raise ValueError(...)`` and the like: built-in exceptions raised (or returned to be raised) directly."""
    hits = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        exc = node.exc if isinstance(node, ast.Raise) else None
        if isinstance(exc, ast.Call):
            exc = exc.func
        if isinstance(exc, ast.Name) and exc.id in BARE:
            hits.append(f"{path.relative_to(root)}:{node.lineno}: raise {exc.id}")
    return hits


def test_library_code_raises_package_errors_only():
    files = [p for p in sorted(PACKAGE.rglob("*.py"))
             if not any(str(p.relative_to(PACKAGE.parent)).startswith(f) for f in PENDING_FILES)]
    hits = [h for p in files for h in _bare_raises(p)]
    assert not hits, "raise the layer's error (a GravityError and the built-in) instead:\n" + "\n".join(hits)


def test_the_raise_scan_finds_bare_raises(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f(x):\n    if x:\n        raise ValueError('a')\n    raise KeyError\n"
                 "def g():\n    raise OptionError('fine')\n")
    assert sorted(h.split(":")[1] for h in _bare_raises(f, tmp_path)) == ["3", "4"]


def test_an_option_validator_names_the_values_and_maps_synonyms():
    Colour = Literal["red", "green"]
    check = validator(Colour, "colour", synonyms={"rouge": "red"}, hint="paint it")
    assert check("green") == "green" and check("rouge") == "red" and choices(Colour) == ("red", "green")
    with pytest.raises(OptionError, match=r"colour must be one of \['red', 'green'\] \(or \['rouge'\]\), "
                                          r"got 'blue'; paint it") as e:
        check("blue")
    assert isinstance(e.value, ValueError) and isinstance(e.value, GravityError)
    with pytest.raises(ArgumentTypeError, match="map to values outside"):
        validator(Colour, "colour", synonyms={"vert": "verde"})
