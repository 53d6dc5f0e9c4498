"""The command line as a newcomer meets it (issue 21): --version, help texts, "did you mean", where the
corridor writes by default and what its end message names."""
from __future__ import annotations

import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

import gravity
from gravity.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args: str):
    return CliRunner().invoke(app, list(args))


def test_version_matches_the_distribution_and_names_the_package_folder():
    res = _cli("--version")
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert res.exit_code == 0 and gravity.__version__ == version
    assert res.output.startswith(f"gravity {version} ") and str(Path(gravity.__file__).resolve().parent) in res.output


@pytest.mark.parametrize("command", [[], ["list"], ["replicate"], ["corridor"], ["data"]])
def test_help_texts_are_plain(command):
    res = _cli(*command, "--help")
    assert res.exit_code == 0
    assert "<bool>" not in res.output and "╭" not in res.output
    if command == ["data"]:
        assert "2. [data] dir in ./gravity.toml" in " ".join(res.output.split())
    if command == ["corridor"]:
        assert "--out DIR" in res.output and "results/<FILE's stem>" in res.output


def test_wrong_replication_name_gets_did_you_mean():
    res = _cli("replicate", "yotov2016-ch")
    assert res.exit_code == 2 and "no replication named 'yotov2016-ch'" in res.output
    assert "did you mean 'yotov2016-ch1'" in res.output
    res = _cli("replicate", "caliendo-paro")
    assert "did you mean 'caliendo-parro-2015'" in res.output


def test_wrong_dataset_key_gets_did_you_mean():
    res = _cli("data", "yotov2016/Chapter1Application1.dt")
    assert res.exit_code == 2 and "did you mean 'yotov2016/Chapter1Application1.dta'" in res.output
    assert "did you mean 'yotov2016'" in _cli("data", "yotov").output


def test_misspelt_model_file_gets_did_you_mean(tmp_path, monkeypatch):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "tajik_corridor.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    for given in ("models/tajik_coridor.toml", "tajik_coridor.toml"):
        res = _cli("corridor", given)
        assert res.exit_code == 2, res.output
        assert f"error: {given}: no such file; did you mean models/tajik_corridor.toml?" in res.output


@pytest.fixture
def fake_run(tmp_path, monkeypatch):
    """The corridor pipeline replaced by one that writes a report, an html and a workbook where it is told."""
    from gravity.jobs.corridor import pipeline

    calls = {}

    def run(spec, out):
        out = Path(getattr(out, "path", out))              # the CLI hands over the checked output folder
        calls["out"] = out
        out.mkdir(parents=True, exist_ok=True)
        paths = {k: out / n for k, n in [("report_md", "report.md"), ("report_html", "report.html"),
                                         ("xlsx", "eco_corridor.xlsx"), ("csv:countries", "countries.csv")]}
        for p in paths.values():
            p.write_text("x")
        return SimpleNamespace(paths=paths)

    monkeypatch.setattr(pipeline, "run", run)
    monkeypatch.setattr(pipeline, "summary", lambda res: "summary")
    model = tmp_path / "models" / "tajik_corridor.toml"
    model.parent.mkdir()
    model.write_text("")
    monkeypatch.chdir(tmp_path)
    return calls, model


def test_corridor_writes_to_results_named_after_the_model_file(fake_run):
    calls, model = fake_run
    res = _cli("corridor", str(model))
    out = Path("results") / "tajik_corridor"
    assert res.exit_code == 0, res.output
    assert calls["out"] == out.resolve()
    lines = res.output.splitlines()
    assert lines[1] == f"wrote 4 files to {out}/"
    assert lines[2] == f"  report:   {out / 'report.md'}  (html: {out / 'report.html'})"
    assert lines[3] == f"  workbook: {out / 'eco_corridor.xlsx'}"
    res = _cli("corridor", str(model), "--out", "elsewhere")
    assert calls["out"] == Path("elsewhere").resolve() and "wrote 4 files to elsewhere/" in res.output
