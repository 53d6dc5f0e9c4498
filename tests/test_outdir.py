"""Output folders: a run writes, replaces and removes only the files it wrote (gravity/report/outdir.py).

Each test builds a folder holding a user's files and/or an earlier output, runs a publication (a stand-in
writer, or the corridor's own ``write_outputs`` / ``run`` / CLI stopped before the analysis) and compares
every byte of the folder before and after.
"""
from __future__ import annotations

import errno
import json
import os
import signal
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from gravity.report import outdir

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "eco_digital_corridor.toml"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path → bytes), the lock file left out."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != outdir.LOCK}


def writer(files: dict[str, str]):
    def write(stage: Path) -> dict[str, Path]:
        out = {}
        for rel, text in files.items():
            p = stage / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
            out[rel] = p
        return out
    return write


def run_once(out, files, **kw):
    return outdir.publish(outdir.prepare(out, **kw), writer(files))


def mine(folder: Path) -> dict[str, bytes]:
    return {k: v for k, v in snapshot(folder).items() if k != outdir.MANIFEST}


def test_a_new_folder_gets_the_files_and_a_manifest_listing_them(tmp_path):
    out = tmp_path / "results" / "eco"
    paths = run_once(out, {"report.md": "r1", "csv/a.csv": "a1"})
    assert paths == {"report.md": out / "report.md", "csv/a.csv": out / "csv" / "a.csv"}
    doc = json.loads((out / outdir.MANIFEST).read_text())
    assert sorted(doc["files"]) == ["csv/a.csv", "report.md"] and "pending" not in doc
    assert doc["files"]["report.md"]["bytes"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]        # nothing beside the folder
    assert not list(out.glob(outdir.STAGING + "*"))


def test_a_folder_of_other_files_is_refused_before_any_work_with_the_fix(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "model.toml").write_text("x")
    with pytest.raises(outdir.OutputPathError, match=r"holds 2 file\(s\) gravity did not write \(model\.toml, "
                                                     r"notes\.txt\).*Fix: choose a new or empty folder.*--force"):
        outdir.prepare(tmp_path)


def test_force_writes_beside_other_files_and_never_touches_them(tmp_path):
    user = {"notes.txt": "mine", "model.toml": "title = 'x'", "plots/mine.png": "png"}
    for rel, text in user.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    before = snapshot(tmp_path)
    run_once(tmp_path, {"report.md": "r1", "plots/a.png": "a1"}, force=True, inputs=[tmp_path / "model.toml"])
    run_once(tmp_path, {"report.md": "r2"})           # a manifest now: no --force needed; a.png was ours
    after = snapshot(tmp_path)
    assert {k: after[k] for k in before} == before
    assert after["report.md"] == b"r2" and "plots/a.png" not in after
    assert (tmp_path / "plots").is_dir()               # the user's folder stays


def test_rerun_replaces_only_listed_files_removes_stale_ones_and_keeps_new_user_files(tmp_path):
    out = tmp_path / "eco"
    run_once(out, {"report.md": "r1", "csv/a.csv": "a1", "csv/b.csv": "b1", "plots/p.png": "p1"})
    (out / "my_notes.md").write_text("user")
    (out / "csv" / "mine.csv").write_text("user csv")
    run_once(out, {"report.md": "r2", "csv/a.csv": "a2"})
    assert mine(out) == {"report.md": b"r2", "csv/a.csv": b"a2", "my_notes.md": b"user", "csv/mine.csv": b"user csv"}
    assert not (out / "plots").exists()                 # a folder the run made, emptied: removed
    assert sorted(json.loads((out / outdir.MANIFEST).read_text())["files"]) == ["csv/a.csv", "report.md"]


def test_an_output_edited_since_is_refused_up_front(tmp_path):
    out = tmp_path / "eco"
    run_once(out, {"report.md": "r1", "eco.xlsx": "x1"})
    (out / "eco.xlsx").write_text("x1 with my notes")
    with pytest.raises(outdir.OutputPathError, match=r"1 file\(s\) of the previous run were changed.*eco\.xlsx.*"
                                                     r"Fix: move or rename them \(e\.g\. eco\.edited\.xlsx\)"):
        outdir.prepare(out)


def test_a_clash_with_a_user_file_at_publication_changes_nothing(tmp_path):
    (tmp_path / "report.md").write_text("my report")
    before = snapshot(tmp_path)
    target = outdir.prepare(tmp_path, force=True)
    with pytest.raises(outdir.OutputPathError, match=r"would replace 1 file\(s\) gravity did not write.*report\.md"
                                                     r".*nothing in .* was changed"):
        outdir.publish(target, writer({"report.md": "new", "other.csv": "o"}))
    assert snapshot(tmp_path) == before
    assert not list(tmp_path.glob(outdir.STAGING + "*"))


def test_an_input_that_a_run_would_replace_is_refused(tmp_path):
    out = tmp_path / "eco"
    run_once(out, {"report.md": "r1"})
    with pytest.raises(outdir.OutputPathError, match=r"the input .*report\.md is one of the files a run writes"):
        outdir.prepare(out, inputs=[out / "report.md"])


def test_a_file_named_like_the_manifest_that_is_not_one_is_refused_even_with_force(tmp_path):
    (tmp_path / outdir.MANIFEST).write_text("my own json")
    with pytest.raises(outdir.OutputPathError, match=r"not a manifest gravity can read.*Fix: rename"):
        outdir.prepare(tmp_path, force=True)


@pytest.mark.parametrize("given", [".", "./", "sub/..", "eco"])
def test_relative_paths_and_dot_are_resolved_up_front(tmp_path, monkeypatch, given):
    monkeypatch.chdir(tmp_path)
    target = outdir.prepare(given)
    assert target.path == (tmp_path / given).resolve() and target.path.is_absolute()
    run_once(given, {"report.md": "r"})
    assert (target.path / "report.md").read_text() == "r"


def test_the_parent_of_the_folder_is_never_written(tmp_path):
    """A writable folder under a read-only parent used to fail after the analysis: staging is inside."""
    out = tmp_path / "eco"
    out.mkdir()
    run_once(out, {"report.md": "r1"})
    run_once(out, {"report.md": "r2"})
    assert [p.name for p in tmp_path.iterdir()] == ["eco"]


def test_unwritable_folder_and_too_little_space_are_refused_up_front(tmp_path, monkeypatch):
    monkeypatch.setattr(outdir.os, "access", lambda p, mode: False)
    with pytest.raises(outdir.OutputPathError, match=r"is not writable\. Fix"):
        outdir.prepare(tmp_path / "eco")
    monkeypatch.undo()
    monkeypatch.setattr(outdir.shutil, "disk_usage", lambda p: SimpleNamespace(free=3_000_000, total=1, used=1))
    with pytest.raises(outdir.OutputPathError, match=r"3\.0 MB free.*need about 20\.0 MB.*Fix: free some space"):
        outdir.prepare(tmp_path / "eco")


def test_a_full_disk_while_writing_keeps_the_previous_output(tmp_path):
    out = tmp_path / "eco"
    run_once(out, {"report.md": "r1", "csv/a.csv": "a1"})
    before = snapshot(out)

    def full(stage):
        (stage / "report.md").write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(outdir.OutputPathError, match=r"disk filled up.*previous output .* is unchanged.*Fix"):
        outdir.publish(outdir.prepare(out), full)
    assert snapshot(out) == before and not list(out.glob(outdir.STAGING + "*"))


def test_ctrl_c_during_the_moves_is_held_until_the_output_is_complete(tmp_path, monkeypatch):
    out = tmp_path / "eco"
    run_once(out, {"report.md": "r1", "a.csv": "a1", "b.csv": "b1"})
    real = os.replace
    calls = []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:            # the first data file moved: Ctrl-C arrives
            os.kill(os.getpid(), signal.SIGINT)
        return real(src, dst)

    monkeypatch.setattr(outdir.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        run_once(out, {"report.md": "r2", "a.csv": "a2", "b.csv": "b2"})
    monkeypatch.undo()
    assert mine(out) == {"report.md": b"r2", "a.csv": b"a2", "b.csv": b"b2"}
    assert "pending" not in json.loads((out / outdir.MANIFEST).read_text())


def test_concurrent_runs_publish_one_after_the_other_each_complete(tmp_path):
    out = tmp_path / "eco"
    run_once(out, {"report.md": "r0", "old.csv": "o0"})
    sets = [{"report.md": f"r{k}", **{f"csv/t{j}.csv": f"{k}-{j}" for j in range(30)}} for k in (1, 2)]
    barrier = threading.Barrier(2)
    errors = []

    def one(files):
        try:
            target = outdir.prepare(out)

            def write(stage):
                paths = writer(files)(stage)
                barrier.wait(timeout=30)
                return paths
            outdir.publish(target, write)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(s,)) for s in sets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    got = mine(out)
    assert got in ({k: v.encode() for k, v in s.items()} for s in sets)
    doc = json.loads((out / outdir.MANIFEST).read_text())
    assert sorted(doc["files"]) == sorted(got)


def test_an_interrupted_publication_leaves_every_file_listed(tmp_path, monkeypatch):
    """A run killed between two moves: the next run still knows which files it may replace."""
    out = tmp_path / "eco"
    run_once(out, {"report.md": "r1", "a.csv": "a1"})
    real = os.replace
    calls = []

    def die(src, dst):
        calls.append(dst)
        if len(calls) == 3:            # manifest (pending), report.md, then the process "dies"
            raise SystemExit("killed")
        return real(src, dst)

    monkeypatch.setattr(outdir.os, "replace", die)
    with pytest.raises(SystemExit):
        run_once(out, {"report.md": "r2", "b.csv": "b2"})
    monkeypatch.undo()
    run_once(out, {"report.md": "r3", "c.csv": "c3"})
    assert mine(out) == {"report.md": b"r3", "c.csv": b"c3"}


# ---------------------------------------------------------------------------------------------
# the corridor job and its command line
# ---------------------------------------------------------------------------------------------
def test_corridor_run_refuses_a_folder_of_other_files_before_reading_data(tmp_path, monkeypatch):
    from gravity.jobs.corridor import pipeline as co

    def no_panel(cfg):
        raise AssertionError("the panel must not be read when --out is refused")

    monkeypatch.setattr(co, "corridor_panel", no_panel)
    (tmp_path / "thesis.docx").write_bytes(b"years of work")
    with pytest.raises(co.OutputPathError, match=r"thesis\.docx.*--force"):
        co.run(MODEL, tmp_path, progress=False)
    assert snapshot(tmp_path) == {"thesis.docx": b"years of work"}


def test_corridor_outputs_beside_the_model_file_leave_it_alone(tmp_path, monkeypatch):
    from gravity.jobs.corridor import pipeline as co
    from gravity.jobs.corridor import report as rep

    model = tmp_path / "eco.toml"
    model.write_bytes(MODEL.read_bytes())
    monkeypatch.setattr(rep, "write_all", lambda res, out, plots=True: writer({"report.md": "r", "eco.csv": "c"})(out))
    res = SimpleNamespace(timings={}, panel_info={}, config=SimpleNamespace(path=model))
    with pytest.raises(co.OutputPathError, match="eco.toml"):
        co.write_outputs(res, tmp_path)
    target = co.check_output(tmp_path, force=True, inputs=(model,))
    co.write_outputs(res, target)
    co.write_outputs(res, tmp_path)                    # the second time the manifest is enough
    assert model.read_bytes() == MODEL.read_bytes()
    assert sorted(mine(tmp_path)) == ["eco.csv", "eco.toml", "report.md", "run_log.json"]


@pytest.mark.parametrize("given", [".", "here"])
def test_cli_out_dot_or_a_user_folder_is_a_one_line_error_before_any_work(tmp_path, monkeypatch, given):
    from gravity.cli import app
    from gravity.jobs.corridor import pipeline as co

    def no_run(*a, **k):
        raise AssertionError("the analysis must not start")

    monkeypatch.setattr(co, "run", no_run)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "here").mkdir()
    (tmp_path / "here" / "data.csv").write_text("1")
    (tmp_path / "data.csv").write_text("1")
    res = CliRunner().invoke(app, ["corridor", str(MODEL), "--out", given])
    assert res.exit_code == 2, res.output
    assert "error: --out" in res.output and "--force" in res.output and "Traceback" not in res.output
