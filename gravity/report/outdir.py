"""Output folders that a run owns file by file: it never deletes or overwrites what it did not write.

A run writes its files into a staging folder inside the output folder and then moves each one into
place. The folder keeps a manifest, :data:`MANIFEST` (``gravity_outputs.json``), listing every file the
last run wrote with its size and sha256; it is what identifies a previous output of gravity. The rules:

* **Checked before any work** (:func:`prepare`): the path is resolved (``.``, relative paths, ``~``); a
  regular file on the path, an unwritable folder or too little free space is refused; a non-empty folder
  without a manifest is refused (the fix: another folder, or ``force=True`` / ``--force``, which writes
  beside those files and still never changes or deletes them); a file of the previous run that was edited
  since (its sha256 differs from the manifest) is refused; so is an input (the model file) that the run
  would replace.
* **Published at the end** (:func:`publish`): the new files are moved in one by one, under a lock (two
  concurrent runs publish one after the other, each complete); a file the new run writes replaces an
  existing one only if the manifest lists it unchanged; files of the previous run that the new one does
  not write are removed only if unchanged; every other file in the folder is left alone. The manifest is
  rewritten last. A Ctrl-C during the moves is held until they finish.
* **Failure before publishing** (an exception, Ctrl-C, a full disk) removes the staging folder and leaves
  the previous output as it was; a full disk is reported as :class:`OutputPathError` with the space needed.

    target = prepare("results/eco", force=False, inputs=["models/eco_digital_corridor.toml"])
    paths = publish(target, lambda stage: write_everything(stage))     # {key: final path}
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import json
import os
import shutil
import signal
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gravity.data.registry import sha256_of
from gravity.scenario.config import ScenarioFileError

__all__ = ["MANIFEST", "OutputDir", "OutputPathError", "prepare", "publish", "read_manifest"]

MANIFEST = "gravity_outputs.json"
"""The manifest of the files a run wrote (relative paths, bytes, sha256)."""

LOCK = ".gravity_outputs.lock"
STAGING = ".gravity-staging-"
IGNORED = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", LOCK})
"""Names that do not make a folder "not empty" (desktop clutter and the lock file)."""

DEFAULT_BYTES = 20_000_000
"""Free space asked for when no previous output tells the size (a full corridor run writes ~2.5 MB)."""


class OutputPathError(ScenarioFileError):
    """The output folder cannot take the run's outputs without harming other files (a file on the path,
    a folder not writable or holding files gravity did not write, too little space); the message names
    the path and the fix."""


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def _entry(path: Path) -> dict:
    return {"bytes": path.stat().st_size, "sha256": sha256_of(path)}


def read_manifest(folder: str | Path) -> dict | None:
    """The manifest of ``folder`` (``{"files": {relpath: {"bytes", "sha256"}}, ...}``), None if there is none.

    A manifest that cannot be read as one (not JSON, no ``files`` table) is returned as None: its folder
    is treated as holding files gravity did not write.
    """
    p = Path(folder) / MANIFEST
    if not p.is_file():
        return None
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("files"), dict):
        return None
    return doc


def _owned(doc: dict | None) -> dict[str, set[str]]:
    """relpath → the sha256 values under which the file counts as written by gravity (the last complete
    run's, plus those of a publication that was cut short)."""
    out: dict[str, set[str]] = {}
    if doc is None:
        return out
    for key in ("files", "pending"):
        for rel, e in (doc.get(key) or {}).items():
            h = e.get("sha256") if isinstance(e, dict) else None
            for v in [h] if isinstance(h, str) else h if isinstance(h, list) else []:
                if isinstance(v, str):
                    out.setdefault(rel, set()).add(v)
    return out


@dataclass
class OutputDir:
    """An output folder checked by :func:`prepare` (pass it on to :func:`publish`).

    Attributes
    ----------
    path : Path
        The resolved folder.
    given : str
        The path as the user wrote it (for messages).
    force : bool
        Write beside files gravity did not write (never touching them).
    inputs : tuple of Path
        Files the run reads (the model file): never replaced.
    command : str
        Recorded in the manifest.
    need_bytes : int
        Free space asked for.
    """

    path: Path
    given: str
    force: bool = False
    inputs: tuple[Path, ...] = ()
    command: str = "gravity"
    need_bytes: int = DEFAULT_BYTES
    notes: list[str] = field(default_factory=list)


def _existing_parent(path: Path) -> Path:
    p = path
    while not p.exists() and p.parent != p:
        p = p.parent
    return p


def _foreign(folder: Path, owned: Mapping[str, set[str]]) -> list[str]:
    """Entries of ``folder`` (top level) that are neither listed files nor folders holding only listed files."""
    listed_dirs = {Path(r).parts[0] for r in owned if len(Path(r).parts) > 1}
    out = []
    for e in sorted(folder.iterdir(), key=lambda p: p.name):
        name = e.name
        if name in IGNORED or name == MANIFEST or name.startswith(STAGING):
            continue
        if name in owned or (e.is_dir() and name in listed_dirs):
            continue
        out.append(name + ("/" if e.is_dir() else ""))
    return out


def _changed(folder: Path, owned: Mapping[str, set[str]]) -> list[str]:
    """Listed files that exist but were changed since gravity wrote them (sha256 differs)."""
    out = []
    for rel, hashes in sorted(owned.items()):
        p = folder / rel
        if p.is_file() and sha256_of(p) not in hashes:
            out.append(rel)
        elif p.exists() and not p.is_file():
            out.append(rel + "/")
    return out


def _clean_stale_staging(folder: Path) -> None:
    """Remove staging folders of runs that no longer exist (killed before they could clean up)."""
    for e in folder.glob(STAGING + "*"):
        try:
            pid = int(e.name[len(STAGING) :].split("-")[0])
        except ValueError:
            continue
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(e, ignore_errors=True)
        except OSError:
            pass


def prepare(
    out: str | Path | OutputDir,
    *,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
    command: str = "gravity",
    need_bytes: int | None = None,
) -> OutputDir:
    """Resolve ``out`` and check, before any work, that a run may write its outputs there.

    Parameters
    ----------
    out : str, Path or OutputDir
        The output folder (created when absent). An :class:`OutputDir` is checked again with its settings.
    force : bool
        Accept a non-empty folder without a manifest: the run writes beside the files there and never
        changes or deletes them.
    inputs : iterable of path
        Files the run reads (the model file); a run that would replace one is refused.
    command : str
        The command, recorded in the manifest.
    need_bytes : int, optional
        Free space to ask for (default: the previous output's size plus 20%, else 20 MB).

    Returns
    -------
    OutputDir

    Raises
    ------
    OutputPathError
        ``out`` or a parent is a regular file; the folder (or, if absent, its nearest existing parent) is
        not writable; a non-empty folder without a manifest and ``force`` False; files of the previous run
        edited since it wrote them; an input among the files the run would replace; too little free space.
        Each message names the path and the fix.
    """
    if isinstance(out, OutputDir):
        return prepare(
            out.given,
            force=out.force or force,
            inputs=(*out.inputs, *inputs),
            command=out.command,
            need_bytes=need_bytes if need_bytes is not None else None,
        )
    given = str(out)
    if given.strip() == "":
        raise OutputPathError("--out is empty. Fix: give a folder, e.g. --out results/eco")
    path = Path(out).expanduser().resolve()
    shown = f"--out {given}" + (f" ({path})" if str(path) != given else "")
    if path.exists() and not path.is_dir():
        raise OutputPathError(
            f"{shown}: is a file, not a folder. Fix: give a folder path, e.g. {Path(given).parent / 'eco'}"
        )
    parent = _existing_parent(path)
    if not parent.is_dir():
        raise OutputPathError(
            f"{shown}: {parent} is a regular file, so no folder can be made under it. "
            f"Fix: choose another --out, e.g. {parent.parent / 'results'}"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputPathError(f"{shown}: {parent} is not writable. Fix: choose a folder you may write to")
    ins = tuple(Path(p).expanduser().resolve() for p in inputs)
    doc = read_manifest(path) if path.is_dir() else None
    if doc is None and (path / MANIFEST).exists():
        raise OutputPathError(
            f"{shown}: {MANIFEST} there is not a manifest gravity can read, so which files an "
            f"earlier run wrote is unknown. Fix: rename that file if it is yours, or choose "
            f"another --out"
        )
    owned = _owned(doc)
    if path.is_dir():
        foreign = _foreign(path, owned)
        if foreign and doc is None and not force:
            more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
            raise OutputPathError(
                f"{shown}: the folder holds {len(foreign)} file(s) gravity did not write "
                f"({', '.join(foreign[:5])}{more}) and no {MANIFEST} from an earlier run. A run writes only its "
                f"own files and never into a folder of other files unasked. Fix: choose a new or empty folder, "
                f"e.g. --out {Path(given) / 'eco'}, or pass --force to write beside these files (they are "
                f"never changed or deleted)"
            )
        changed = _changed(path, owned)
        if changed:
            raise OutputPathError(
                f"{shown}: {len(changed)} file(s) of the previous run were changed since gravity wrote them "
                f"({', '.join(changed[:5])}); a new run would replace them. Fix: move or rename them "
                f"(e.g. {Path(changed[0]).stem}.edited{Path(changed[0]).suffix}), or choose another --out"
            )
        for p in ins:
            try:
                rel = p.relative_to(path).as_posix()
            except ValueError:
                continue
            if rel in owned or rel == MANIFEST:
                raise OutputPathError(
                    f"{shown}: the input {p} is one of the files a run writes there, so the "
                    f"run would replace it. Fix: move the input out of the folder or choose "
                    f"another --out"
                )
    if need_bytes is None:
        prev = sum(int(e.get("bytes", 0)) for e in (doc or {}).get("files", {}).values() if isinstance(e, dict))
        need_bytes = max(int(prev * 1.2), 1_000_000) if prev else DEFAULT_BYTES
    free = shutil.disk_usage(parent).free
    if free < need_bytes:
        raise OutputPathError(
            f"{shown}: {_mb(free)} free on the disk of {parent}, the outputs need about "
            f"{_mb(need_bytes)}. Fix: free some space or choose --out on another disk"
        )
    if path.is_dir():
        _clean_stale_staging(path)
    return OutputDir(path, given, bool(force), ins, command, int(need_bytes))


@contextlib.contextmanager
def _locked(folder: Path):
    """An exclusive lock on ``folder`` across processes and threads (flock on the lock file)."""
    fh = open(folder / LOCK, "a+")
    try:
        try:
            import fcntl as _fcntl

            fcntl: Any = _fcntl
        except ImportError:  # not POSIX: no cross-process lock, the moves are still one by one
            fcntl = None
        if fcntl is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            except OSError:  # a file system without locks (some network mounts): moves stay one by one
                pass
        yield
    finally:
        fh.close()  # releases the lock


@contextlib.contextmanager
def _sigint_held():
    """Hold a Ctrl-C (SIGINT) until the block ends, then raise it (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got = []
    old = signal.signal(signal.SIGINT, lambda s, f: got.append(s))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
    if got:
        raise KeyboardInterrupt


def _write_json(path: Path, doc: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}")
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def _disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


def publish(target: OutputDir, write: Callable[[Path], Mapping[str, Path]]) -> dict[str, Path]:
    """Write the outputs with ``write(stage)`` into a staging folder, then move them into ``target``.

    Parameters
    ----------
    target : OutputDir
        From :func:`prepare`.
    write : callable
        ``write(stage)`` writes every output under the folder ``stage`` (which exists) and returns
        ``{key: path under stage}``.

    Returns
    -------
    dict of str to Path
        The same keys, paths under ``target.path``.

    Raises
    ------
    OutputPathError
        The disk filled up while writing (the previous output is untouched), or, at publication, a file of
        the new run would replace a file gravity did not write or one edited since (nothing is moved).
    BaseException
        Whatever ``write`` raised (the staging folder is removed, the previous output untouched).
    """
    out = target.path
    shown = f"--out {target.given}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        stage = out / f"{STAGING}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        stage.mkdir()
    except OSError as exc:
        if _disk_full(exc):
            raise OutputPathError(
                f"{shown}: the disk is full ({exc.strerror}). Fix: free some space "
                f"(about {_mb(target.need_bytes)}) or choose --out on another disk"
            ) from None
        raise OutputPathError(
            f"{shown}: cannot create {out} ({type(exc).__name__}: {exc}). Fix: choose a folder you may write to"
        ) from None
    try:
        paths = dict(write(stage))
        files = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file())
        new = {rel: _entry(stage / rel) for rel in files}
    except BaseException as exc:
        shutil.rmtree(stage, ignore_errors=True)
        if _disk_full(exc):
            raise OutputPathError(
                f"{shown}: the disk filled up while the outputs were written ({getattr(exc, 'strerror', exc)}); the "
                f"previous output in {out} is unchanged. Fix: free some space (about {_mb(target.need_bytes)}) or "
                "choose --out on another disk"
            ) from None
        raise
    try:
        with _locked(out):
            doc = read_manifest(out)
            owned = _owned(doc)
            inputs = {p for p in target.inputs}
            clash = []
            for rel in new:
                dest = out / rel
                if dest.resolve() in inputs:
                    clash.append(f"{rel} (an input of this run)")
                elif dest.is_dir() or (dest.exists() and (rel not in owned or sha256_of(dest) not in owned[rel])):
                    clash.append(rel)
            if clash:
                raise OutputPathError(
                    f"{shown}: the new outputs would replace {len(clash)} file(s) gravity did not write or that "
                    f"were edited since ({', '.join(clash[:5])}); nothing in {out} was changed. Fix: move them "
                    f"away and run again, or choose another --out"
                )
            # every file an earlier run wrote, with each sha256 it may have (an interrupted publication
            # leaves some files in their old and some in their new version)
            old_files = {rel: {"bytes": 0, "sha256": sorted(h)} for rel, h in owned.items()}
            old_dirs = list((doc or {}).get("dirs") or [])
            made = [d for d in sorted({Path(r).parent.as_posix() for r in new} - {"."}) if not (out / d).exists()]
            with _sigint_held():
                # the pending list first: an interrupted publication leaves every file it moved listed
                _write_json(
                    out / MANIFEST,
                    {
                        "written_by": target.command,
                        "files": old_files,
                        "pending": new,
                        "dirs": sorted(set(old_dirs) | set(made)),
                    },
                )
                for rel in new:
                    dest = out / rel
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(stage / rel, dest)
                kept = []
                for rel in old_files:
                    if rel in new:
                        continue
                    p = out / rel
                    if p.is_file() and sha256_of(p) in owned.get(rel, ()):
                        p.unlink()
                    elif p.exists():
                        kept.append(rel)
                dirs = sorted(set(old_dirs) | set(made))
                for d in sorted(dirs, key=lambda s: -len(Path(s).parts)):
                    with contextlib.suppress(OSError):
                        (out / d).rmdir()  # only when empty
                _write_json(
                    out / MANIFEST,
                    {
                        "written_by": target.command,
                        "written_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                        "note": "Files gravity wrote in this folder. A new run replaces only these (if unchanged) "
                        "and never touches any other file.",
                        "files": new,
                        "dirs": [d for d in dirs if (out / d).is_dir()],
                    },
                )
                target.notes.extend(f"kept {rel}: edited since the previous run wrote it" for rel in kept)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return {k: out / Path(p).relative_to(stage) for k, p in paths.items()}
