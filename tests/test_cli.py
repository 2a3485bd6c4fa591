"""``povsim run``: the run directory, its files and columns, overrides, atomic writes."""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

import povsim.runs.store
from povsim import INDICATORS, Scenario
from povsim.cli import app
from povsim.sim.households import PANEL_COLUMNS

from .conftest import SCENARIOS

runner = CliRunner()
BASELINE = str(SCENARIOS / "baseline.toml")


def test_run_writes_a_complete_directory(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", BASELINE, "--out", str(out), "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "baseline (seed 3)" in result.output
    ind = pd.read_parquet(out / "indicators.parquet")
    assert list(ind.columns) == list(INDICATORS)
    assert ind["year"].tolist() == list(range(2014, 2021))
    assert (ind["incidence"].between(0, 1)).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3
    assert manifest["scenario"]["population"]["households"] == 5000
    assert {"povsim", "mesa", "numpy"} <= set(manifest["versions"])
    # a checkout's commit: the version number is the same for every commit
    if (Path(povsim.runs.store.__file__).parents[3] / ".git").exists():
        assert len(manifest["versions"]["povsim_commit"].split("+")[0]) == 40
    assert (manifest["executor"], manifest["workers"]) == ("serial", 1)
    assert manifest["wall_seconds"] > 0
    assert manifest["started"] < manifest["finished"]
    for name in ("poverty_headcount", "exits_relapses", "income_fan"):
        png = out / "figures" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (out / "households.parquet").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no temporary directory left


def test_run_with_overrides_and_panel(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "run",
            BASELINE,
            "--out",
            str(out),
            "--set",
            "population.households=200",
            "--set",
            "end_year=2016",
            "--panel",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    panel = pd.read_parquet(out / "households.parquet")
    assert list(panel.columns) == ["year", "household", *PANEL_COLUMNS]
    assert len(panel) == 200 * 3
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["overrides"] == ["population.households=200", "end_year=2016"]
    assert manifest["scenario"]["end_year"] == 2016


def test_failed_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(povsim.runs.store, "save_figure", broken)
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["run", BASELINE, "--out", str(out), "--set", "population.households=100"]
    )
    assert result.exit_code == 1
    assert "disk full" in result.output
    assert list(tmp_path.iterdir()) == []


def test_rerun_replaces_the_directory_only_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["run", BASELINE, "--out", str(out), "--set", "population.households=100", "--quiet"]
    assert runner.invoke(app, [*args, "--panel"]).exit_code == 0
    assert (out / "households.parquet").exists()
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2
    assert "--overwrite" in refused.output
    assert (out / "households.parquet").exists()
    assert runner.invoke(app, [*args, "--overwrite"]).exit_code == 0
    assert not (out / "households.parquet").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


SMALL = ["--set", "population.households=100", "--set", "population.villages=1", "--quiet"]


def _refused(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def test_an_output_path_that_is_a_link_is_named_as_one(tmp_path: Path) -> None:
    """A link to a directory was said to be "not a directory"."""
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    output = _refused(["run", BASELINE, "--out", str(tmp_path / "link"), *SMALL])
    assert "is a symbolic link" in output
    assert not any((tmp_path / "real").iterdir())


def test_a_directory_that_is_not_a_povsim_output_is_never_replaced(tmp_path: Path) -> None:
    """Issue 13: `run --out d` deleted a thesis kept in d."""
    mine = tmp_path / "d"
    mine.mkdir()
    (mine / "thesis.txt").write_text("x")
    output = _refused(["run", BASELINE, "--out", str(mine), *SMALL])
    assert "not a povsim output" in output
    output = _refused(["run", BASELINE, "--out", str(mine), "--overwrite", *SMALL])
    assert (mine / "thesis.txt").read_text() == "x"
    assert sorted(p.name for p in mine.iterdir()) == ["thesis.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]  # no temporaries left


def test_a_file_or_a_device_is_never_an_output(tmp_path: Path) -> None:
    kept = tmp_path / "notes.txt"
    kept.write_text("keep")
    for target in (kept, Path("/dev/null")):
        output = _refused(["run", BASELINE, "--out", str(target), "--overwrite", *SMALL])
        assert "not a directory" in output
    assert kept.read_text() == "keep"


def test_compare_refuses_what_is_not_a_comparison(tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert runner.invoke(app, ["run", BASELINE, "--out", str(run), *SMALL]).exit_code == 0
    mixes = [str(SCENARIOS / "industry_led.toml"), BASELINE]
    args = ["compare", *mixes, "--replications", "2", "--executor", "serial"]
    output = _refused([*args, "--out", str(run), "--overwrite", *SMALL])
    assert "povsim run output, not one of compare" in output
    foreign = tmp_path / "f"
    foreign.mkdir()
    (foreign / "data.csv").write_text("1")
    _refused([*args, "--out", str(foreign), *SMALL])
    assert (foreign / "data.csv").read_text() == "1"


@pytest.mark.parametrize("name", ["../escape", "/abs/path", "a/b", "..", "x\\y"])
def test_a_scenario_name_is_one_path_component_under_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    scenario = tmp_path / "work" / "s.toml"
    scenario.write_text(f"extends = {json.dumps(BASELINE)}\nname = {json.dumps(name)}\n")
    result = runner.invoke(app, ["run", str(scenario), *SMALL])
    assert result.exit_code == 0, result.output
    written = list((tmp_path / "work" / "runs").iterdir())
    assert len(written) == 1
    assert (written[0] / "manifest.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


def test_long_names_that_share_their_start_name_two_directories() -> None:
    """A comparison of the eight mixes was cut at 100 characters, in the middle of a name,
    and another comparison with the same first names got the same directory."""
    from povsim.runs.store import PATH_COMPONENT_MOST, path_component

    names = ["five_batches", "industry_led", "health_first", "relocation_push"]
    names += ["education_long_run", "social_security_floor", "full_toolbox"]
    one = path_component("compare-" + "-".join(names))
    other = path_component("compare-" + "-".join([*names[:-1], "no_intervention"]))
    assert one != other
    assert len(one) <= PATH_COMPONENT_MOST
    assert one.startswith("compare-five_batches-industry_led")
    assert path_component("compare-baseline-industry_led") == "compare-baseline-industry_led"


def test_a_name_matching_someone_elses_directory_does_not_replace_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    mine = [
        tmp_path / "runs" / "baseline-seed20140101",
        tmp_path / "runs" / "baseline-seed20140101-x2",
    ]
    for theirs in mine:
        theirs.mkdir(parents=True)
        (theirs / "results.csv").write_text("mine")
    _refused(["run", BASELINE, *SMALL])
    _refused(["run", BASELINE, "--replications", "2", "--executor", "serial", *SMALL])
    for theirs in mine:
        assert (theirs / "results.csv").read_text() == "mine"


def test_replications_do_not_silently_replace_a_single_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert runner.invoke(app, ["run", BASELINE, "--out", str(out), *SMALL]).exit_code == 0
    before = (out / "manifest.json").read_text()
    args = ["run", BASELINE, "--out", str(out), "--replications", "2", "--executor", "serial"]
    _refused([*args, *SMALL])
    assert (out / "manifest.json").read_text() == before


def test_default_out_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["run", BASELINE, "--set", "population.households=100", "--quiet"])
    assert result.exit_code == 0, result.output
    single = tmp_path / "runs" / "baseline-seed20140101"
    assert (single / "manifest.json").exists()
    # what it printed, as a table too (one row), not only in the manifest
    summary = pd.read_parquet(single / "summary.parquet")
    manifest = json.loads((single / "manifest.json").read_text())
    assert len(summary) == 1
    assert summary.iloc[0].to_dict() == pytest.approx(manifest["summary"], nan_ok=True)
    # replications go beside the first run, not onto it
    again = ["run", BASELINE, "--set", "population.households=100", "--quiet"]
    result = runner.invoke(app, [*again, "--replications", "2", "--executor", "serial"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "runs" / "baseline-seed20140101-x2" / "manifest.json").exists()
    assert json.loads((single / "manifest.json").read_text()) == manifest


def test_fields_lists_every_field() -> None:
    result = runner.invoke(app, ["fields"])
    assert result.exit_code == 0
    assert "| `income.growth` | `0.073` | 1/year |" in result.output
    assert "`shocks.illness.annual_probability`" in result.output
    # the entries of a list of tables too, and a default made by a factory as it is
    assert "| `geography.deep_areas[].incidence` | `(required)` |" in result.output
    assert "| `geography.provinces[].survey_population` | `None` | people |" in result.output
    assert "PydanticUndefined" not in result.output


def test_an_illness_episodes_cost_is_per_episode() -> None:
    """povsim fields gave the mean cost of an episode the unit yuan/household."""
    result = runner.invoke(app, ["fields"])
    assert result.exit_code == 0
    assert "| `shocks.illness.oop_cost_mean` | `6000.0` | yuan/episode |" in result.output


@pytest.mark.parametrize("command", ["sweep", "sensitivity", "calibrate"])
def test_resumable_commands_refuse_a_file_or_a_foreign_directory(
    tmp_path: Path, command: str
) -> None:
    args = {
        "sweep": ["sweep", str(SCENARIOS / "designs" / "growth_and_industry.toml")],
        "sensitivity": [
            "sensitivity",
            BASELINE,
            "--problem",
            str(SCENARIOS / "problems" / "baseline_six.toml"),
        ],
        "calibrate": [
            "calibrate",
            str(SCENARIOS / "regions" / "sichuan.toml"),
            "--targets",
            str(SCENARIOS / "regions" / "sichuan_targets.toml"),
        ],
    }[command]
    kept = tmp_path / "notes.txt"
    kept.write_text("keep")
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "a.csv").write_text("1")
    for target, why in ((kept, "not a directory"), (foreign, "not a povsim output")):
        output = _refused([*args, "--out", str(target), "--executor", "serial", "--quiet"])
        assert why in output
    assert kept.read_text() == "keep"
    assert sorted(p.name for p in foreign.iterdir()) == ["a.csv"]


def test_a_nul_byte_or_an_unknown_executor_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "null byte" in _refused(["run", BASELINE, "--out", f"{tmp_path}/a\0b", *SMALL])
    monkeypatch.chdir(tmp_path)
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'extends = {json.dumps(BASELINE)}\nname = "a\\u0000b"\n')
    assert "control character" in _refused(["run", str(scenario), *SMALL])
    assert not (tmp_path / "runs").exists()
    output = _refused(["run", BASELINE, "--executor", "thread", "--out", str(tmp_path / "r")])
    assert "--executor must be one of" in output
    assert not (tmp_path / "r").exists()


def test_a_malformed_scheduler_address_is_a_clear_error(tmp_path: Path) -> None:
    """A port left out, or the scheduler's dashboard address, ended in Dask's traceback."""
    for address, problem in (
        ("localhost", "missing port"),
        ("http://127.0.0.1:8787", "unknown address scheme 'http'"),
    ):
        out = tmp_path / "r"
        output = _refused(
            [
                "run",
                BASELINE,
                "--replications",
                "2",
                "--scheduler",
                address,
                "--out",
                str(out),
                *SMALL,
            ]
        )
        assert "--scheduler" in output
        assert problem in output
        assert "tcp://HOST:PORT" in output
        assert not out.exists()


def test_a_scheduler_is_for_a_dask_run_of_replications(tmp_path: Path) -> None:
    """A walk-through found `--scheduler` ignored on a single run, overriding an explicit
    `--executor serial`, and an unreachable one exiting with status 1."""
    import dask
    import distributed  # noqa: F401

    # distributed's defaults are merged into dask's config on its import; imported inside
    # the `set` below, the whole "distributed" section was taken out again on leaving it,
    # and a later test's cluster failed on a missing key.

    out = tmp_path / "r"
    nowhere = ["--scheduler", "tcp://127.0.0.1:1", "--out", str(out), *SMALL]
    assert "is for --replications N" in _refused(["run", BASELINE, *nowhere])
    # workers for a single run went unused without a word
    lone = ["run", BASELINE, "--workers", "2", "--out", str(out), *SMALL]
    assert "--workers is for --replications N" in _refused(lone)
    output = _refused(["run", BASELINE, "--replications", "2", "--executor", "serial", *nowhere])
    assert "cannot go with --executor serial" in output
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        output = _refused(["run", BASELINE, "--replications", "2", *nowhere])
    # Said at once, not after Dask's 30 s of trying.
    assert output.startswith(
        "error: --scheduler: no Dask scheduler at tcp://127.0.0.1:1: nothing listens on port 1 "
        "of 127.0.0.1 (connection refused)"
    )
    assert not out.exists()
    # A colon left out, a host that cannot exist (RFC 2606): no such host, said at once too.
    for typo, host in (
        ("tcp//127.0.0.1:8786", "tcp//127.0.0.1"),
        ("nowhere.invalid:8786", "nowhere.invalid"),
    ):
        output = _refused(["run", BASELINE, "--replications", "2", "--scheduler", typo, *SMALL])
        assert f"no host called {host!r} (a typo in the address" in " ".join(output.split())


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (None, "said nothing Dask understands within 1 s"),
        (b"HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "does not speak Dask's"),
    ],
)
def test_a_scheduler_address_where_something_else_answers_is_refused_in_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: bytes | None, said: str
) -> None:
    """A web server at the address (the dashboard's port 8787 for the scheduler's 8786) kept
    the run waiting for ever, and one that answered ended in a traceback (its reply read as
    a Dask frame of exabytes)."""
    import socket
    import threading

    from povsim.experiments import executors

    monkeypatch.setattr(executors, "SCHEDULER_SECONDS", 1)
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = server.accept()
                held.append(conn)  # a silent one keeps it open, saying nothing
                if answer is not None:
                    conn.recv(100)
                    conn.sendall(answer)
                    conn.close()

    threading.Thread(target=serve, daemon=True).start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    out = tmp_path / "r"
    try:
        args = ["run", BASELINE, "--replications", "2", "--scheduler", address, "--out"]
        clock = time.perf_counter()
        output = _refused([*args, str(out), *SMALL])
        assert time.perf_counter() - clock < 30  # not a speed: it once waited for ever
    finally:
        server.close()
        for conn in held:
            conn.close()
    assert f"error: --scheduler: no Dask scheduler at {address}: what answers there" in output
    assert said in " ".join(output.split())
    assert not out.exists()


def test_a_scheduler_without_workers_is_said(capsys: pytest.CaptureFixture[str]) -> None:
    from distributed import LocalCluster

    from povsim.cli.common import _executor

    with (
        LocalCluster(n_workers=0, dashboard_address=":0") as cluster,
        _executor("dask", None, cluster.scheduler_address),
    ):
        pass
    assert "has no workers yet" in capsys.readouterr().err


def test_a_set_that_breaks_one_of_several_scenarios_names_it() -> None:
    """compare A B --set ...: the shares' total was said without whose it was."""
    industry = str(SCENARIOS / "industry_led.toml")
    result = runner.invoke(
        app, ["compare", BASELINE, industry, "--set", "programs.relocation.share=0.5"]
    )
    assert result.exit_code == 2
    assert f"{BASELINE}: --set programs.relocation.share: programs: program shares" in (
        " ".join(result.output.split())
    )


def test_a_nations_yearly_table_fits_a_terminal_of_80_columns() -> None:
    """Its villages (53,351/128,035) ran 3 columns past 80, and the terminal cut them."""
    from rich.console import Console

    from povsim.cli.tables import summary_table

    national = povsim.load_scenario(SCENARIOS / "regions" / "national.toml")
    small = national.updated({"population.households": 4000, "population.villages": 80})
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(summary_table(povsim.simulate(small, 1, counterfactual=False)))
    text = console.export_text()
    assert "…" not in text
    assert "villages: exited/designated, thousands" in text


def test_a_table_written_to_a_file_is_whole() -> None:
    """Redirected, rich cut the validation table at 80 columns: every number was '…'."""
    targets = str(SCENARIOS / "regions" / "national_targets.toml")
    args = ["validate", targets, "--replications", "2", "--households", "2000"]
    result = runner.invoke(app, [*args, "--executor", "serial", "--quiet"])
    assert result.exit_code in (0, 1), result.output
    assert "…" not in result.output
    assert "registered_household_size_start@2014" in result.output
    assert "3.04" in result.output  # three figures, not "3"


def test_a_librarys_warning_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """SALib's warning came with its file, line number and source line."""
    from povsim.cli import _one_line

    _one_line(UserWarning("n should be a power of 2"), UserWarning, "/x/sobol.py", 136, None, "x")
    assert capsys.readouterr().err == "warning: n should be a power of 2\n"


def test_a_second_writer_is_refused_while_the_first_lives(tmp_path: Path) -> None:
    """Issue 13: eight runs on one --out all reported success and seven results vanished."""
    import subprocess
    import sys

    out = tmp_path / "run"
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / ".run.lock").write_text(f"{owner.pid}\n")
        output = _refused(["run", BASELINE, "--out", str(out), *SMALL])
        assert f"pid {owner.pid}" in output
        design = SCENARIOS / "designs" / "growth_and_industry.toml"
        (tmp_path / ".sweep.lock").write_text(f"{owner.pid}\n")
        sweep = ["sweep", str(design), "--out", str(tmp_path / "sweep"), "--executor", "serial"]
        assert f"pid {owner.pid}" in _refused([*sweep, "--quiet"])
    finally:
        owner.kill()
        owner.wait()
    # Its owner gone, the lock is stale: the next writer takes it over and releases it.
    assert runner.invoke(app, ["run", BASELINE, "--out", str(out), *SMALL]).exit_code == 0
    assert not (tmp_path / ".run.lock").exists()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="a zombie is seen in /proc")
def test_a_writer_ended_but_not_yet_reaped_holds_no_lock(tmp_path: Path) -> None:
    """A writer that has ended lingers as a zombie until its parent waits for it, and its
    lock refused every other writer meanwhile, though it writes nothing more."""
    import subprocess
    import sys

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        os.waitid(os.P_PID, ended.pid, os.WEXITED | os.WNOWAIT)  # ended, not reaped
        lock = tmp_path / ".run.lock"
        lock.write_text(f"{ended.pid}\n", encoding="utf-8")
        with povsim.runs.store.locked(tmp_path / "run"):
            assert lock.read_text(encoding="utf-8") == f"{os.getpid()}\n"
    finally:
        ended.wait()


def test_what_a_killed_writer_left_is_recovered(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert runner.invoke(app, ["run", BASELINE, "--out", str(out), *SMALL]).exit_code == 0
    # Killed between the two renames: the old run only in .run.old-*, a half-written new one.
    old = tmp_path / ".run.old-x"
    old.mkdir()
    out.rename(old / "run")
    (tmp_path / ".run.tmp-y").mkdir()
    (tmp_path / ".run.tmp-y" / "indicators.parquet").write_text("half")
    refused = runner.invoke(app, ["run", BASELINE, "--out", str(out), *SMALL])
    assert refused.exit_code == 2  # the old run is back, and is not replaced without asking
    assert (out / "manifest.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_the_run_progress_bar_ends_on_the_last_year_run(small: Scenario) -> None:
    """A run of 2014-2020 ended its bar on 2021: the year December's step moves on to. And
    the run without support that follows went back to 2014 unlabelled, as if the run had
    started again."""
    from povsim import simulate
    from povsim.cli.common import LazyProgress

    progress = LazyProgress(2 * len(small.years) * small.steps_per_year, enabled=False, passes=2)
    shown: list[str] = []

    def step(model: Any) -> None:
        progress(model)
        shown.append(progress.progress.tasks[0].fields["year"])

    simulate(small, 1, on_step=step)
    half = len(shown) // 2
    assert shown[0] == str(small.start_year)
    assert shown[half - 1] == str(small.end_year)
    assert set(shown[:half]) == {str(year) for year in small.years}
    assert set(shown[half:]) == {f"{year}, without support" for year in small.years}
    assert shown[-1] == f"{small.end_year}, without support"


def _unwritable_commands(target: Path) -> list[list[str]]:
    """run, compare and discover into ``target``: each is refused before its work."""
    industry = str(SCENARIOS / "industry_led.toml")
    results, where = str(target.parent / "none"), "incidence_end > 0.01"
    return [
        ["run", BASELINE, "--out", str(target), *SMALL],
        ["compare", BASELINE, industry, "--out", str(target), "--executor", "serial", *SMALL],
        ["discover", results, "--where", where, "--out", str(target)],
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a folder of mode 0555")
def test_an_empty_target_folder_that_cannot_be_written_is_refused_before_the_work(
    tmp_path: Path,
) -> None:
    """A folder without write permission was found only once the runs were done: exit 1,
    and a hidden .NAME.old-* folder left beside it every time."""
    target = tmp_path / "locked"
    target.mkdir()
    target.chmod(0o555)
    try:
        for args in _unwritable_commands(target):
            output = " ".join(_refused(args).split())
            assert f"cannot write {target}: no permission to write in it" in output
    finally:
        target.chmod(0o755)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locked"]


def test_a_target_folder_that_takes_no_file_is_refused_before_the_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As above where os.access cannot tell (root, an immutable folder: chattr +i): the
    folder is tried with a file."""
    import tempfile

    target = tmp_path / "immutable"
    target.mkdir()
    make = tempfile.mkstemp

    def refused_in_target(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if Path(kwargs.get("dir") or ".").resolve() == target.resolve():
            raise PermissionError(1, "Operation not permitted")
        return make(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refused_in_target)
    for args in _unwritable_commands(target):
        output = " ".join(_refused(args).split())
        assert f"cannot write {target}: it takes no new files (Operation not permitted)" in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["immutable"]


def test_a_failed_move_aside_leaves_no_hidden_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An output that could not be moved aside left an empty .NAME.old-* folder; one moved
    aside whose replacement could not be moved in was left there."""
    from povsim.runs.store import staged

    out = tmp_path / "run"
    with staged(out, "run") as directory:
        directory.manifest()
    earlier = (out / "manifest.json").read_text(encoding="utf-8")
    move = os.replace
    for failing in ("aside", "in"):

        def refuse(source: Any, destination: Any, failing: str = failing) -> None:
            moving = Path(source) == out if failing == "aside" else Path(destination) == out
            if moving and not Path(source).parent.name.startswith(".run.old-"):
                raise PermissionError(1, "Operation not permitted")
            move(source, destination)

        monkeypatch.setattr(os, "replace", refuse)
        with pytest.raises(PermissionError), staged(out, "run") as directory:
            directory.manifest()
        monkeypatch.setattr(os, "replace", move)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["run"], failing
        assert (out / "manifest.json").read_text(encoding="utf-8") == earlier


def test_a_full_disk_during_a_sweep_is_one_line_and_keeps_the_finished_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import povsim.experiments.sweep as sweep_module

    written = 0
    original = sweep_module.write_parquet

    def fill_up(frame: pd.DataFrame, target: Path) -> None:
        nonlocal written
        if target.parent.name == "indicators" and written == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        written += target.parent.name == "indicators"
        original(frame, target)

    monkeypatch.setattr(sweep_module, "write_parquet", fill_up)
    design = SCENARIOS / "designs" / "growth_and_industry.toml"
    out = tmp_path / "sweep"
    result = runner.invoke(app, ["sweep", str(design), "--out", str(out), "--executor", "serial"])
    assert result.exit_code == 1
    assert "No space left on device" in result.output
    assert "Traceback" not in result.output
    assert len(list((out / "indicators").glob("*.parquet"))) == 2


def test_an_unknown_field_suggests_what_was_meant(tmp_path: Path) -> None:
    output = _refused(["check", BASELINE, "--set", "income.grwoth=0.1"])
    assert "income.grwoth: unknown field (did you mean income.growth?)" in output
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        f"extends = {json.dumps(BASELINE)}\n[shocks.illnes]\nannual_probability = 0.1\n"
    )
    assert "did you mean shocks.illness?" in _refused(["check", str(scenario)])
    # Inside program tables too, by the table's kind (named or implied by its name).
    scenario.write_text(
        f"extends = {json.dumps(BASELINE)}\n[programs.industry]\ngian = 1\n"
        '[programs.posts]\nkind = "public_jobs"\nwgae = 1\n'
    )
    output = _refused(["check", str(scenario)])
    assert "programs.industry.gian: unknown field (did you mean programs.industry.gain?)" in output
    assert "programs.posts.wgae: unknown field (did you mean programs.posts.wage?)" in output
    # A kind set on an inherited table leaves the parent's fields of the other kind.
    scenario.write_text(f'extends = {json.dumps(BASELINE)}\n[programs.industry]\nkind = "health"\n')
    output = " ".join(_refused(["check", str(scenario)]).split())
    assert (
        "programs.industry.gain: unknown field for a program of kind 'health' "
        "(programs.industry.kind, set in"
    ) in output


def test_a_set_is_answered_with_what_to_type(tmp_path: Path) -> None:
    """--set ...statuses=[registered] was told to write ["[registered]"]; income.growth=fast
    to write numbers without quotes it had not written; income=0.3 got pydantic's "Input
    should be a valid dictionary or instance of IncomeConfig"."""

    def said(setting: str) -> str:
        output = _refused(["check", BASELINE, "--set", setting])
        assert len(output.strip().splitlines()) == 1, output
        return output.strip()

    wanted = "write --set 'programs.industry.statuses=[\"registered\"]'"
    assert said("programs.industry.statuses=[registered]").endswith(wanted)
    assert said("programs.industry.statuses=registered").endswith(wanted)
    assert said('programs.industry.statuses=["registered"').endswith(wanted)  # left open
    assert said("programs.industry.statuses=[registered,exited]").endswith(
        'write --set \'programs.industry.statuses=["registered", "exited"]\''
    )
    assert said("income.growth=fast").endswith('income.growth: a number is expected, not "fast"')
    assert said("income.growth=5%").endswith('not "5%" (5% is written 0.05)')
    assert said("income.growth=nan%").endswith('not "nan%"')  # no hint to write nan
    assert said("population.households=5%").endswith('not "5%"')  # a count is no percentage
    assert said('income.growth="0.05"').endswith("write numbers without quotes")
    shown = said("income=0.3")
    assert shown.startswith("error: --set income: a table of settings, not 0.3: set one of its")
    assert "e.g. --set income.initial_mean=..." in shown
    assert "IncomeConfig" not in shown
    # a program's table too (it said only "must be a table"); one of no known kind needs one
    assert "e.g. --set programs.industry.share=..." in said("programs.industry=1")
    assert "e.g. --set programs.mine.kind=..." in said("programs.mine=1")
    # A dated series given one number: the one year is what is most likely meant.
    assert said("budget.total=1000000").endswith(
        "(a dated series: --set budget.total.2017=1000000 changes one year; "
        "--set 'budget.total={2017 = 1000000}' replaces the whole series)"
    )


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("2014.5 = 2800", "poverty_line.2014: a dated series' key is a whole year, not 2014.5"),
        # a table written as one is not a year with a decimal point
        ("2014 = {a = 1}", "poverty_line.2014: a single number is expected, not a table"),
    ],
)
def test_a_dated_series_key_that_is_not_a_whole_year_is_named_as_written(
    tmp_path: Path, line: str, said: str
) -> None:
    """TOML reads 2014.5 as the key 2014 holding a table: the error said "poverty_line.2014:
    a single number is expected, not a table", of a key the file never wrote."""
    scenario = tmp_path / "s.toml"
    scenario.write_text(f"extends = {json.dumps(BASELINE)}\n[poverty_line]\n{line}\n")
    assert said in " ".join(_refused(["check", str(scenario)]).split())


def test_a_list_or_a_single_value_in_the_wrong_place_is_named_plainly(tmp_path: Path) -> None:
    """pydantic's "Input should be a valid tuple" did not say what to write."""
    scenario = tmp_path / "s.toml"
    scenario.write_text(f"extends = {json.dumps(BASELINE)}\n[exit]\nreverify_years = 2017\n")
    output = " ".join(_refused(["check", str(scenario)]).split())
    assert "exit.reverify_years: a list is expected: write [2017], not 2017" in output
    scenario.write_text(f"extends = {json.dumps(BASELINE)}\n[income]\ngrowth = [0.05]\n")
    output = " ".join(_refused(["check", str(scenario)]).split())
    assert "income.growth: a single number is expected, not a list" in output
    # Brackets are offered only where a list of any length is wanted.
    scenario.write_text(
        f"extends = {json.dumps(BASELINE)}\n[population]\nhousing_grade_probs = 0.5\n"
        "[programs.social_security]\nstatuses = true\nstandard = 4300\n"
    )
    output = " ".join(_refused(["check", str(scenario)]).split())
    assert "population.housing_grade_probs: a list is expected, not 0.5" in output
    assert "programs.social_security.statuses: a list is expected, not true" in output
    assert (
        "programs.social_security.standard: a table is expected, not 4300 (a dated series: "
        "a value from each year, e.g. {2017 = 4300})"
    ) in output


def test_a_missing_file_is_named_with_the_field_that_refers_to_it(tmp_path: Path) -> None:
    """A problem's base or a targets file's scenario was only "../nope.toml: file not found"."""
    problem = tmp_path / "p.toml"
    problem.write_text('base = "../nope.toml"\noutputs = ["incidence_end"]\n', "utf-8")
    output = " ".join(_refused(["check", str(problem)]).split())
    assert f"{problem}: base: scenario not found" in output
    targets = tmp_path / "t.toml"
    targets.write_text(
        'scenario = "nope.toml"\nregion = "x"\n[[targets]]\nyear = 2015\nvalue = 0.1\n'
        'source = "x"\nindicator = "incidence"\nrelative_tolerance = 0.1\n',
        "utf-8",
    )
    output = " ".join(_refused(["check", str(targets)]).split())
    assert f"{targets}: scenario: scenario not found" in output


def test_a_scenario_that_extends_a_design_names_its_extends(tmp_path: Path) -> None:
    """It was told "this is a sweep design", as if the scenario itself were the design."""
    design = tmp_path / "d.toml"
    design.write_text(f'base = {json.dumps(BASELINE)}\n[grid]\n"income.growth" = [0.1]\n')
    scenario = tmp_path / "s.toml"
    scenario.write_text('extends = "d.toml"\n')
    output = " ".join(_refused(["check", str(scenario)]).split())
    assert f"{scenario}: extends: {design} is a sweep design, not a scenario file" in output


def test_a_name_like_an_emoji_code_is_printed_as_given(tmp_path: Path) -> None:
    """rich turned ':fire:.toml' into a flame and 'a:b' into an emoji B in messages."""
    output = _refused(["check", str(tmp_path / ":fire:.toml")])
    assert ":fire:.toml: file not found" in output


def test_a_population_too_large_names_the_file_that_set_it(tmp_path: Path) -> None:
    child = tmp_path / "child.toml"
    child.write_text(f"extends = {json.dumps(BASELINE)}\n[population]\nhouseholds = 1e12\n")
    top = tmp_path / "top.toml"
    top.write_text('extends = "child.toml"\nname = "x"\n')
    output = _refused(["check", str(top)])
    assert f"{child}: population.households:" in " ".join(output.split())
    assert "of memory; this machine has" in output


def test_calibrate_over_a_damaged_history_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "cal"
    args = [
        "calibrate",
        str(SCENARIOS / "regions" / "sichuan.toml"),
        "--targets",
        str(SCENARIOS / "regions" / "sichuan_targets.toml"),
        "--out",
        str(out),
        "--households",
        "200",
        "--generations",
        "1",
        "--population",
        "2",
        "--replications",
        "1",
        "--executor",
        "serial",
        "--quiet",
    ]
    assert runner.invoke(app, args).exit_code == 0
    (out / "history.parquet").write_text("garbage")
    assert "history.parquet: damaged" in _refused(args)
    assert (out / "history.parquet").read_text() == "garbage"


@pytest.mark.parametrize(
    ("args", "given", "named"),
    [
        (["run", "{designs}/mixes.toml"], "sweep design", "not a scenario file"),
        (["run", "{regions}/jiangjin_targets.toml"], "targets file", "not a scenario file"),
        (["run", "{problems}/baseline_six.toml"], "sensitivity problem", "not a scenario file"),
        # a --set of a scenario's table made the file look like a scenario: "base: unknown
        # field", "replications: unknown field", ...
        (
            ["run", "{designs}/mixes.toml", "--set", "population.households=200"],
            "sweep design",
            "not a scenario file",
        ),
        (
            [
                "compare",
                "{baseline}",
                "{regions}/jiangjin_targets.toml",
                "--set",
                "income.growth=0.1",
            ],
            "targets file",
            "not a scenario file",
        ),
        (["sweep", "{baseline}"], "scenario file", "not a sweep design"),
        (
            ["sensitivity", "{baseline}", "--problem", "{designs}/mixes.toml"],
            "sweep design",
            "not a sensitivity problem",
        ),
        (["validate", "{baseline}"], "scenario file", "not a targets file"),
    ],
)
def test_a_file_of_another_kind_is_named_for_what_it_is(
    tmp_path: Path, args: list[str], given: str, named: str
) -> None:
    places = {
        "designs": SCENARIOS / "designs",
        "regions": SCENARIOS / "regions",
        "problems": SCENARIOS / "problems",
        "baseline": BASELINE,
    }
    args = [a.format(**places) for a in args]
    if args[0] in ("run", "compare", "sweep", "sensitivity"):
        args += ["--out", str(tmp_path / "out")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert f"this is a {given}, {named}; it is read by `povsim " in lines[0]
    assert not (tmp_path / "out").exists()


def test_check_takes_every_kind_of_input_file() -> None:
    files = [
        SCENARIOS / "designs" / "mixes.toml",
        SCENARIOS / "problems" / "baseline_six.toml",
        SCENARIOS / "problems" / "baseline_programs.toml",
        SCENARIOS / "regions" / "jiangjin_targets.toml",
        SCENARIOS / "baseline.toml",
    ]
    result = runner.invoke(app, ["check", *map(str, files)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    for part in (
        "sweep design: 4 scenarios",
        "sensitivity problem: 6 inputs",
        "sensitivity problem: 8 inputs",
        "targets of jiangjin",
    ):
        assert part in text
    result = runner.invoke(app, ["check", str(files[0]), "--set", "income.growth=0.1"])
    assert result.exit_code == 2
    assert "--set applies to scenario files; this is a sweep design" in result.output


def test_check_counts_one_scenario_in_the_singular(tmp_path: Path) -> None:
    design = tmp_path / "one.toml"
    base = (SCENARIOS / "baseline.toml").as_posix()
    design.write_text(f'base = "{base}"\n[[variants]]\nname = "only"\n', encoding="utf-8")
    result = runner.invoke(app, ["check", str(design)])
    assert result.exit_code == 0, result.output
    assert "sweep design: 1 scenario)" in " ".join(result.output.split())


def test_check_counts_one_target_and_one_free_parameter_in_the_singular(tmp_path: Path) -> None:
    # A targets file of one target and one parameter (docs/regions.md's example) was
    # "1 targets, 1 free parameters", where a design or a problem of one says it in the singular.
    shandan = (SCENARIOS / "regions" / "shandan.toml").as_posix()
    targets = tmp_path / "one_targets.toml"
    targets.write_text(
        f'region = "shandan"\nscenario = "{shandan}"\n'
        "[[calibration.parameters]]\n"
        'path = "income.household_sd"\nbounds = [0.4, 1.0]\nwhy = "spread"\n'
        "[[targets]]\n"
        'indicator = "registered_people"\nyear = 2017\nvalue = 3916\n'
        'relative_tolerance = 0.1\nsource = "002"\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["check", str(targets)])
    assert result.exit_code == 0, result.output
    assert "targets of shandan: 1 target, 1 free parameter," in " ".join(result.output.split())


@pytest.mark.parametrize(
    "args",
    [
        ["compare", "{base}", "{base}", "--replications", "1"],
        ["run", "{base}", "--nope"],
        ["validate", "--replications", "many"],
    ],
)
def test_an_option_out_of_range_or_misspelt_is_one_line(args: list[str]) -> None:
    """Typer drew such errors in a box of several lines, unlike every other error; and one
    out of range did not say what it was given."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "povsim", *(a.format(base=BASELINE) for a in args)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert args[-2] in lines[0] or "--nope" in lines[0]
    if args[-1] == "1":
        assert lines[0].endswith("greater than or equal to 2 (given: 1)"), lines[0]


def test_version_prints_the_installed_release() -> None:
    from povsim import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"povsim {__version__}\n"


def test_help_reads_in_whole_sentences() -> None:
    """Typer's help kept the docstrings' line breaks and wrapped again at the terminal: "its"
    ended one line of `povsim run --help` and "partitions run" began the next, and the
    descriptions of check and columns broke mid-sentence in `povsim --help`."""
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        for paragraph in (command.help or "").split("\n\n"):
            assert "\n" not in paragraph, f"{name}: {paragraph!r}"
            assert "``" not in paragraph, f"{name}: reST code quotes printed as they are"
    shown = runner.invoke(app, ["run", "--help"], terminal_width=120)
    assert "its partitions run on the executor" in shown.output
    shown = runner.invoke(app, ["--help"], terminal_width=120)
    assert "every column of indicators.parquet, villages.parquet and households.parquet with" in (
        shown.output
    )


def test_help_shows_every_note_as_written() -> None:
    """Typer reads help as Rich markup: `povsim run --help` dropped "[default: runs/NAME-seedN]"
    from --out, every experiment's --executor and --workers lost their defaults, and
    calibrate's --param said "the targets file's  parameters" for "[calibration]"."""
    import typer.main
    from rich.text import Text

    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        texts = [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]
        for text in texts:
            assert Text.from_markup(text).plain == text, f"{name}: {text!r}"
    shown = runner.invoke(app, ["run", "--help"], terminal_width=200)
    assert "runs/NAME-seedN" in shown.output
    assert "default: processes" in shown.output


def test_calibrate_help_says_where_the_fits_effort_comes_from() -> None:
    """Without --generations and the rest, a fit takes the targets file's calibration table
    (chongzuo's: 35 generations of 30 candidates at 15,000 agents), else the built-in
    defaults; the help named neither."""
    import typer.main

    from povsim.experiments.calibration.targets import CalibrationSettings

    command = typer.main.get_command(app).commands["calibrate"]  # type: ignore[attr-defined]
    helps = {p.name: getattr(p, "help", "") for p in command.params}
    defaults = CalibrationSettings()
    table = "the targets file's calibration table's"
    assert helps["generations"].endswith(f"(default: {table}, else {defaults.generations})")
    for name in ("population", "replications", "seed"):
        value = getattr(defaults, name)
        assert helps[name].endswith(f"(default: the targets file's, else {value})"), name
    assert helps["households"].endswith("(default: the targets file's, else the scenario's)")


def test_none_for_a_field_that_must_have_a_value_says_so() -> None:
    """`--set income.growth=none` was told "Input should be a valid number", `name=none`
    "Input should be a valid string": none had unset a field that cannot be unset."""
    output = " ".join(
        _refused(["check", BASELINE, "--set", "income.growth=none", "--set", "name=none"]).split()
    )
    assert (
        "--set income.growth: none unsets only an optional field; this one needs "
        "--set income.growth=..."
    ) in output
    assert "--set name: none unsets only an optional field" in output
    assert "valid" not in output
    output = " ".join(_refused(["check", BASELINE, "--set", "programs.industry=none"]).split())
    assert "a table of settings, not none:" in output


def test_a_scenario_without_programs_is_noted(tmp_path: Path) -> None:
    """An empty file (or one that forgot its `extends`) ran the default county with no
    support at all and said nothing; the note shows [programs] as written (rich markup
    took it for a style)."""
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    result = runner.invoke(app, ["check", str(empty)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "no support programs" in text
    assert "under [programs]" in text
    assert "no support programs" not in " ".join(
        runner.invoke(app, ["check", str(SCENARIOS / "no_intervention.toml")]).output.split()
    )


@pytest.mark.parametrize("copies", [2, 3])
def test_compare_names_every_file_sharing_a_name(tmp_path: Path, copies: int) -> None:
    """Mixes are told apart by name: files sharing one are refused, each named ("both" was
    said of three)."""
    files = []
    for i in range(copies):
        path = tmp_path / f"mix{i}.toml"
        path.write_text(f'extends = "{(SCENARIOS / "baseline.toml").as_posix()}"\n')
        files.append(str(path))
    result = runner.invoke(app, ["compare", *files, "--replications", "2"])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    every = "both" if copies == 2 else f"all {copies}"
    assert f"are {every} named 'baseline'" in message
    for path in files:
        assert Path(path).name in message


def test_help_is_whole_at_80_columns() -> None:
    """At 80 columns rich's option panels left the help text some twenty columns and cut what
    did not fit with an ellipsis: compare's example outcome, calibrate's and optimize's
    syntax, discover's example, even sensitivity's --no-second-order; and Click's command
    list cuts a summary short with "..." unless it is given whole."""
    import typer.main

    group = typer.main.get_command(app)
    listing = " ".join(runner.invoke(app, ["--help"], terminal_width=80).output.split())
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert " ".join((command.short_help or "").split()) in listing, name
        shown = runner.invoke(app, [name, "--help"], terminal_width=80).output
        assert "…" not in shown, name
        assert max(len(line) for line in shown.splitlines()) <= 80, name
        flat = " ".join(shown.split())
        for param in command.params:
            assert " ".join((getattr(param, "help", None) or "").split()) in flat, (name, param)
            for flag in (*param.opts, *param.secondary_opts):
                assert flag in flat, (name, flag)


def test_an_error_after_the_bar_began_is_one_line_in_a_pipe(tmp_path: Path) -> None:
    """Where standard error is a pipe or a file, the progress bar, started before a lever was
    found wrong, ended with a blank line before the error (rich ends a bar it never drew
    with one)."""
    import subprocess
    import sys

    command = [
        *(sys.executable, "-m", "povsim", "optimize", BASELINE),
        *("--objectives", "poor_person_years", "--levers", "shares=industry,nosuch"),
        *("--out", str(tmp_path / "o"), "--executor", "serial"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: "), repr(done.stderr)
    assert len(done.stderr.splitlines()) == 1, repr(done.stderr)


def test_a_note_the_mixes_share_is_said_once(tmp_path: Path) -> None:
    """compare's mixes of one county, shrunk by one --set, printed the same four-line note
    for each mix."""
    mixes = [str(SCENARIOS / "five_batches.toml"), str(SCENARIOS / "industry_led.toml")]
    args = ["compare", *mixes, "--set", "population.households=300", "--replications", "2"]
    args += ["--executor", "serial", "--quiet", "--out", str(tmp_path / "c")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert said.count("--set population.households keeps the file's 50 villages") == 1, said
    assert f"note: {mixes[0]}, {mixes[1]}: --set population.households" in said
