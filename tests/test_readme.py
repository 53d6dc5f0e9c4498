"""The README as a newcomer uses it (issue 21).

* Each ```python snippet, saved as a file of its own in an empty folder and run with ``python file.py``,
  succeeds: no ``__main__`` guard is needed (small jobs run in this process, and worker processes are
  never started from code a worker would re-run), and the progress bars write whole lines to a pipe.
* The numbers the README quotes from ``benchmarks/results/replications.md`` and
  ``benchmarks/results/newcomer.md`` are the ones in those files.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from gravity import data as datasets
from tests.conftest import require_data, run_script

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def readme_snippets(text: str | None = None) -> list[str]:
    """The README's ```python blocks, in order, as the code a user would save to a file."""
    text = README.read_text() if text is None else text
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


SNIPPETS = readme_snippets()


def test_the_readme_has_its_two_snippets():
    assert len(SNIPPETS) >= 2
    assert "import gravity as gv" in SNIPPETS[0] and 'by="year"' in SNIPPETS[1]


@pytest.mark.parametrize("k", range(len(SNIPPETS)), ids=[f"snippet_{k + 1}" for k in range(len(SNIPPETS))])
def test_snippet_runs_as_a_plain_script(k, tmp_path):
    code = SNIPPETS[k]
    assert "import gravity as gv" in code, "each snippet carries its own imports"
    require_data(*[key for key in datasets.REGISTRY if key in code])
    script = tmp_path / f"snippet_{k + 1}.py"
    script.write_text(code)
    res = run_script(script, tmp_path)
    assert res.returncode == 0, res.stderr[-4000:]
    assert "Traceback" not in res.stderr and "bootstrapping phase" not in res.stderr, res.stderr[-4000:]
    assert "\r" not in res.stderr          # progress bars write lines, not redraws, when not on a terminal
    if k == 0:
        assert "-0.8409" in res.stdout     # ln_DIST, Yotov et al. (2016) ch. 1, application 1
    if 'by="year"' in code:
        assert "fits by year: 100% (6/6 fit)" in res.stderr
        assert "running in this process" not in res.stderr    # small enough: no workers were ever planned


def _table(text: str, first_header: str) -> dict[str, list[str]]:
    """Rows of the markdown table whose header starts with ``first_header``: replication name -> cells."""
    rows, inside = {}, False
    for line in text.splitlines():
        if line.startswith(f"| {first_header} |"):
            inside = True
            continue
        if inside and not line.startswith("|"):
            break
        if inside and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            name = re.match(r"`([\w-]+)`", cells[0])
            rows[name.group(1)] = cells[1:]
    return rows


def test_replication_table_quotes_the_results_file():
    results = (ROOT / "benchmarks/results/replications.md").read_text()
    file_rows = _table(results, "replication")
    readme_rows = _table(README.read_text(), "replication")
    assert set(readme_rows) == set(file_rows), "every replication of the results file, and only those"
    stamp = re.search(r"on (\d{4}-\d{2}-\d{2}) .*?load average (\d+\.\d)", results)
    assert stamp and f"{stamp.group(1)}, load {stamp.group(2)}" in README.read_text()
    for name, (published, outside, _dev, max_diff, _secs, status) in file_rows.items():
        r_published, r_outside, r_max, r_status = readme_rows[name]
        assert int(r_published.replace(",", "")) == int(published), name
        assert int(r_outside) == int(outside), name
        quoted = float(r_max.split()[0])
        assert quoted == pytest.approx(float(max_diff), rel=0.06, abs=0), (name, quoted, max_diff)
        assert r_status.startswith(status), name


def test_command_list_names_every_replication():
    from gravity.jobs.replicate.spec import available

    text = README.read_text()
    line = re.search(r"`gravity replicate ([\w|-]+)`", text)
    assert line, "the README lists the replications on the command line"
    assert set(line.group(1).split("|")) == {r.name for r in available() if r.variant is None} | {"all"}


def test_newcomer_times_quote_the_results_file():
    """Install, `make test`, the snippets as files and `make lab`: the README's *newcomer* numbers are
    rows of benchmarks/results/newcomer.md (written by benchmarks/bench_newcomer.py)."""
    results = (ROOT / "benchmarks/results/newcomer.md").read_text()
    rows = {}
    for line in results.splitlines():
        m = re.match(r"\| (.+?) \| ([\d.]+) s \| ([\d.]+) → ([\d.]+) \| (\d+) \|", line)
        if m:
            rows[m.group(1)] = (float(m.group(2)), int(m.group(5)))
    assert rows and all(rc == 0 for _, rc in rows.values()), "every step of the measured run succeeded"

    def secs(prefix: str) -> float:
        [(s, _)] = [v for k, v in rows.items() if k.startswith(prefix)]
        return s

    text = " ".join(README.read_text().split())
    date = re.search(r"on (\d{4}-\d{2}-\d{2}) ", results).group(1)
    assert f"a fresh clone, {date}" in text
    assert f"({secs('`make install`'):.0f} s in all" in text
    assert f"{secs('`make test`') / 60:.1f} min on a fresh clone" in text
    s1 = secs("README snippet 1 as `python snippet_1.py`, first"), secs("README snippet 1 as `python snippet_1.py`, second")
    assert s1[0] == s1[1] and f"this takes {s1[0]:.1f} s, the first run as the second" in text
    s2 = secs("README snippet 2 as `python snippet_2.py`, first"), secs("README snippet 2 as `python snippet_2.py`, second")
    assert f"the next snippet {s2[0]:.1f} s and {s2[1]:.1f} s" in text
    nbs = [v[0] for k, v in rows.items() if "(notebook as a script)" in k]
    assert len(nbs) == len(list((ROOT / "notebooks").glob("*.py")))
    assert f"{min(nbs):.1f}–{max(nbs):.1f} s" in text
    assert f"up in {secs('`make lab`'):.0f} s the first time" in text
