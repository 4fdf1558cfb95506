"""Sweeps: grid expansion, resumability, records, executors (threads, processes, Dask), figures."""

from __future__ import annotations

import dataclasses
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from nelc_edu import sweeps
from nelc_edu.sweeps import SweepGrid, load_results, run_sweep

#: A budget of a fraction of a second per run (digits, K = 3).
TINY = dict(n_updates=12, n_checkpoints=2, diag_samples=20, kl_chains=6,
            kl_burn_in=2, kl_steps=4)


def tiny_grid(**kw) -> SweepGrid:
    args = dict(dataset="digits", seeds=[0, 1], latents=[3], kinds=["two_matrix", "rbm"],
                overrides=TINY)
    args.update(kw)
    return SweepGrid(**args)


class CountingExecutor(ThreadPoolExecutor):
    """A thread pool that counts submitted tasks."""

    def __init__(self):
        super().__init__(max_workers=2)
        self.n_submitted = 0

    def submit(self, fn, /, *args, **kwargs):
        self.n_submitted += 1
        return super().submit(fn, *args, **kwargs)


# ------------------------------------------------------------------------------ the grid
def test_grid_expansion_order_and_defaults():
    g = SweepGrid(dataset="digits", seeds=range(2), latents=[3, 4], learning_rates=[0.01, 0.02],
                  kinds=["two_matrix", "rbm", "rbm_exact"], overrides={"n_updates": 7})
    runs = g.expand()
    assert len(runs) == len(g) == 2 * 2 * 2 * 3
    assert [(r.seed, r.K, r.learning_rate, r.kind) for r in runs[:4]] == [
        (0, 3, 0.01, "two_matrix"), (0, 3, 0.01, "rbm"), (0, 3, 0.01, "rbm_exact"),
        (0, 3, 0.02, "two_matrix")]
    assert all(r.n_updates == 7 and r.dataset == "digits" for r in runs)
    assert len({sweeps.run_id(r) for r in runs}) == len(runs)
    # default learning rate: the dataset's measured default
    from nelc_edu.experiments import default_settings

    g2 = SweepGrid(dataset="mnist5k", seeds=[0], kinds=["rbm"])
    assert g2.expand()[0].learning_rate == default_settings("mnist5k")["learning_rate"]


def test_run_id_depends_on_every_setting():
    a, b = tiny_grid(seeds=[0]).expand()[0], tiny_grid(seeds=[0],
                                                        overrides={**TINY, "n_updates": 13})
    assert sweeps.run_id(a) != sweeps.run_id(b.expand()[0])
    assert sweeps.run_id(a).startswith("digits-two_matrix-K3-lr0.01-seed0-")


@pytest.mark.parametrize("kwargs, match", [
    (dict(kinds=["two_matrix", "boltzmann"]), "unknown model kind 'boltzmann'"),
    (dict(kinds=[]), "kinds is empty"),
    (dict(seeds=[]), "seeds is empty"),
    (dict(latents=[]), "latents is empty"),
    (dict(latents=[1]), "K"),
    (dict(seeds=[0, 0]), "repeated"),
    (dict(learning_rates=[-0.1]), "positive"),
    (dict(dataset="cifar"), "dataset must be one of"),
    (dict(overrides={"n_update": 5}), "unknown run setting 'n_update'"),
    (dict(overrides={"seed": 5}), "grid axis"),
])
def test_bad_grids_raise_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tiny_grid(**kwargs)


def test_empty_settings_list_and_bad_executor(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        run_sweep([], tmp_path)
    with pytest.raises(ValueError, match="executor must be"):
        run_sweep(tiny_grid(seeds=[0]), tmp_path, executor="threads")


@pytest.mark.parametrize("text, expected", [("0-3", [0, 1, 2, 3]), ("0,2,5", [0, 2, 5]),
                                            ("0-1,7", [0, 1, 7]), ("4", [4])])
def test_parse_int_list(text, expected):
    from nelc_edu.cli.sweep import parse_int_list

    assert parse_int_list(text) == expected


def test_parse_errors():
    from nelc_edu.cli.sweep import parse_float_list, parse_int_list

    with pytest.raises(ValueError):
        parse_int_list("5-2")
    with pytest.raises(ValueError):
        parse_float_list(",")


# ------------------------------------------------------------------- records, resuming
@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    report = run_sweep(tiny_grid(), out, executor="serial")
    assert report.n_run == 4 and report.n_skipped == 0 and not report.failed
    return out


def test_record_schema_and_json_round_trip(finished_sweep):
    records = load_results(finished_sweep)
    assert len(records) == 4
    for rec in records:
        assert rec["format"] == sweeps.RECORD_FORMAT
        for key in ("run_id", "settings", "final", "history", "wall_time_s",
                    "nelc_edu_version", "params_file", "labeller_heldout_accuracy"):
            assert key in rec, key
        s = rec["settings"]
        assert s["kind"] in ("two_matrix", "rbm") and s["K"] == 3 and s["n_updates"] == 12
        f = rec["final"]
        for key in ("log_likelihood", "log_likelihood_heldout", "entropy_production",
                    "ep_noise_floor", "mean_self_transition", "class_kl", "T", "pi",
                    "model_class_hist", "data_class_hist"):
            assert key in f, key
        T = np.asarray(f["T"])
        assert T.shape == (3, 3) and np.allclose(T.sum(axis=1), 1.0)
        assert len(rec["history"]["steps"]) == len(rec["history"]["records"]) >= 2
        assert rec["wall_time_s"] > 0
        # the file is plain JSON, identical after a round trip
        path = finished_sweep / f"{rec['run_id']}.json"
        text = path.read_text()
        assert json.loads(text) == rec
        assert json.loads(json.dumps(rec)) == rec


def test_params_are_saved_and_load(finished_sweep):
    from nelc_edu.io import load_model, read_metadata

    for rec in load_results(finished_sweep):
        path = finished_sweep / rec["params_file"]
        model = load_model(path)
        assert model.K == 3
        expected = "TwoMatrixModel" if rec["settings"]["kind"] == "two_matrix" else "OneHotRBM"
        assert type(model).__name__ == expected
        assert read_metadata(path)["run_id"] == rec["run_id"]


def test_resume_reruns_only_missing_records(tmp_path):
    grid = tiny_grid()
    run_sweep(grid, tmp_path, executor="serial")
    ids = [sweeps.run_id(s) for s in grid.expand()]
    before = {i: (tmp_path / f"{i}.json").read_text() for i in ids}
    victim = ids[1]
    (tmp_path / f"{victim}.json").unlink()
    # leftovers of an interrupted write: a temp file, and a record cut short
    (tmp_path / f".{ids[2]}.json.abc123.tmp").write_text('{"format": "nelc')
    (tmp_path / f"{ids[3]}.json").write_text('{"format": "nelc')
    ex = CountingExecutor()
    with ex:
        report = run_sweep(grid, tmp_path, executor=ex)
    assert ex.n_submitted == 2 and report.n_run == 2 and report.n_skipped == 2
    assert (tmp_path / f"{ids[0]}.json").read_text() == before[ids[0]]  # untouched
    assert (tmp_path / f"{ids[2]}.json").read_text() == before[ids[2]]
    # nothing left to do now; temp files never count as records
    assert run_sweep(grid, tmp_path, executor="serial").n_run == 0
    assert len(load_results(tmp_path)) == 4
    assert not list(tmp_path.glob(".*.tmp"))  # the leftover of the interrupted write is gone


def test_failed_run_leaves_no_record(tmp_path, monkeypatch):
    def boom(settings_dict, *args, **kwargs):
        raise FloatingPointError("diverged")

    monkeypatch.setattr(sweeps, "run_one", boom)
    grid = tiny_grid(seeds=[0], kinds=["rbm"])
    with pytest.raises(FloatingPointError):
        run_sweep(grid, tmp_path, executor="serial")
    report = run_sweep(grid, tmp_path, executor="serial", raise_on_error=False)
    assert len(report.failed) == 1 and "diverged" in next(iter(report.failed.values()))
    assert list(tmp_path.glob("*.json")) == []


def test_summary_table(finished_sweep):
    records = load_results(finished_sweep)
    groups = sweeps.summarize(records, by=["kind"])
    assert {g["kind"] for g in groups} == {"two_matrix", "rbm"}
    g = next(g for g in groups if g["kind"] == "rbm")
    vals = [r["final"]["class_kl"] for r in records if r["settings"]["kind"] == "rbm"]
    assert g["n"] == 2 and g["class_kl"]["mean"] == pytest.approx(np.mean(vals))
    assert g["class_kl"]["std"] == pytest.approx(np.std(vals, ddof=1))
    md = sweeps.format_summary(records, markdown=True)
    assert md.count("\n") == 3 and "one-hot RBM (PCD)" in md and " ± " in md


# ------------------------------------------------------------------------------ executors
def test_sweep_through_a_thread_pool(tmp_path):
    with ThreadPoolExecutor(max_workers=2) as ex:
        report = run_sweep(tiny_grid(seeds=[3]), tmp_path, executor=ex, save_params=False)
    assert report.n_run == 2
    recs = load_results(tmp_path)
    assert [r["params_file"] for r in recs] == [None, None]


def test_threads_give_the_same_numbers_as_serial(tmp_path, finished_sweep):
    grid = tiny_grid(seeds=[0])
    with ThreadPoolExecutor(max_workers=2) as ex:
        run_sweep(grid, tmp_path, executor=ex)
    a = {r["run_id"]: r["final"]["log_likelihood"] for r in load_results(tmp_path)}
    b = {r["run_id"]: r["final"]["log_likelihood"] for r in load_results(finished_sweep)}
    assert a == {k: b[k] for k in a}


@pytest.mark.numba
def test_run_one_in_process_leaves_the_environment_and_numba_usable(finished_sweep):
    """A serial sweep in a live kernel must not poison later Numba compilations."""
    import numba

    env_before = dict(os.environ)
    threads_before = numba.get_num_threads()
    sweeps.run_one(tiny_grid(seeds=[0]).expand()[0].to_dict())
    assert dict(os.environ) == env_before
    assert numba.get_num_threads() == threads_before

    @numba.njit
    def _fresh_kernel(x):  # compiling anything re-reads Numba's config from the environment
        return x + 1

    assert _fresh_kernel(1) == 2


def test_sweep_through_the_default_process_pool(tmp_path, finished_sweep):
    env_before = {k: os.environ.get(k) for k in sweeps._THREAD_ENV}
    report = run_sweep(tiny_grid(seeds=[0]), tmp_path, max_workers=2)
    assert {k: os.environ.get(k) for k in sweeps._THREAD_ENV} == env_before  # restored
    assert report.n_run == 2
    recs = load_results(tmp_path)
    assert len({r["worker"]["pid"] for r in recs} - {os.getpid()}) >= 1
    # spawned single-threaded workers reproduce the serial numbers exactly
    b = {r["run_id"]: r["final"]["log_likelihood"] for r in load_results(finished_sweep)}
    assert all(r["final"]["log_likelihood"] == b[r["run_id"]] for r in recs)


def test_sweep_on_a_dask_local_cluster(tmp_path):
    # skips without Dask (an optional extra); under CI the root conftest turns that into a failure
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        report = run_sweep(tiny_grid(seeds=[0]), tmp_path, executor=client.get_executor())
    assert report.n_run == 2
    recs = load_results(tmp_path)
    assert {r["settings"]["kind"] for r in recs} == {"two_matrix", "rbm"}
    assert all((tmp_path / r["params_file"]).exists() for r in recs)


# ------------------------------------------------------------------ figures and CLI
def test_figures_render_to_png(finished_sweep, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from nelc_edu.plotting.sweeps import plot_sweep_overview, save_sweep_figures

    paths = save_sweep_figures(load_results(finished_sweep), tmp_path)
    assert len(paths) == 5
    for p in paths:
        assert p.read_bytes()[:4] == b"\x89PNG"
    import matplotlib.pyplot as plt

    fig = plot_sweep_overview(load_results(finished_sweep))
    assert len(fig.axes) == 4
    plt.close(fig)


def test_compact_results_and_widget(finished_sweep, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    path = sweeps.compact_results(finished_sweep, tmp_path / "small.npz",
                                  provenance={"command": "test"}, n_samples=5)
    records, prov = sweeps.read_results_file(path)
    assert prov == {"command": "test"} and len(records) == 4
    full = load_results(finished_sweep)
    for small, big in zip(records, full, strict=True):
        assert small["run_id"] == big["run_id"]
        assert small["final"]["log_likelihood"] == big["final"]["log_likelihood"]
        assert small["decoder_means"].shape == (3, 64)
        assert small["samples"].shape == (5, 64) and set(np.unique(small["samples"])) <= {0, 1}
        assert "T" not in small["history"]["records"][0]
    from nelc_edu.io import load_model

    means = load_model(finished_sweep / full[0]["params_file"]).decoder_probs()
    assert np.abs(records[0]["decoder_means"] - means).max() <= 0.5 / 255 + 1e-12
    from nelc_edu.widgets.sweeps import run_explorer

    box = run_explorer(records, kind="rbm", seed=1)
    out = box.children[-1]
    assert [o["output_type"] for o in out.outputs][-1] == "display_data"
    box.children[0].value = "two_matrix"  # redraw replaces, never appends
    assert len([o for o in out.outputs if o["output_type"] == "display_data"]) == 1
    with pytest.raises(ValueError, match="not a nelc_edu results file"):
        np.savez(tmp_path / "other.npz", a=np.zeros(2))
        sweeps.read_results_file(tmp_path / "other.npz")


def test_cli_sweep_and_figures(tmp_path, capsys):
    from nelc_edu.cli import main

    out = tmp_path / "res"
    sets = [f"--set={k}={v}" for k, v in TINY.items() if k != "n_updates"]
    rc = main(["sweep", "--dataset", "digits", "--seeds", "0", "--latent", "3",
               "--kinds", "two_matrix,rbm_exact", "--updates", "12", "--out", str(out),
               "--serial", *sets])
    assert rc == 0
    text = capsys.readouterr().out
    assert "2 trained" in text and "two-matrix model (PCD)" in text
    assert len(load_results(out)) == 2
    assert main(["figures", str(out), "--out", str(tmp_path / "figs")]) == 0
    assert len(list((tmp_path / "figs").glob("*.png"))) == 5


@pytest.mark.parametrize("argv, match", [
    (["--kinds", "two_matrix,gibbs"], "unknown model kind"),
    (["--latent", "1"], "K"),
    (["--set", "n_update=3"], "unknown run setting"),
    (["--workers", "0"], "--workers"),
])
def test_cli_bad_input(tmp_path, capsys, argv, match):
    from nelc_edu.cli import main

    rc = main(["sweep", "--out", str(tmp_path), *argv])
    assert rc == 2
    assert match in capsys.readouterr().err


def test_cli_figures_without_results(tmp_path, capsys):
    from nelc_edu.cli import main

    assert main(["figures", str(tmp_path / "nothing")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_shipped_results():
    path = sweeps.shipped_results_path("mnist5k")
    assert path.stat().st_size < 600_000
    records, prov = sweeps.load_shipped_results("mnist5k")
    assert {"command", "nelc_edu_version", "date", "machine"} <= set(prov)
    kinds = {r["settings"]["kind"] for r in records}
    assert kinds == {"two_matrix", "rbm", "rbm_exact"}
    for r in records:
        assert r["settings"]["dataset"] == "mnist5k"
        assert r["decoder_means"].shape == (r["settings"]["K"], 784)
        assert r["samples"].shape[1] == 784


def test_module_is_importable_without_dask():
    # dask is optional: importing the sweeps never needs it
    assert "import dask" not in Path(sweeps.__file__).read_text()
    from nelc_edu.cli import sweep as cli_sweep

    assert "import dask" not in Path(cli_sweep.__file__).read_text().split("def _cmd_sweep")[0]


# --------------------------------------------------- the reversibility dial as a grid axis
def test_tie_penalty_axis_runs_the_rbms_once_per_grid_point():
    g = SweepGrid(seeds=[0, 1], latents=[3], learning_rates=[0.01, 0.02],
                  kinds=["two_matrix", "rbm", "rbm_exact"], tie_penalties=[0, 1e-4, 1e-3],
                  stationary_terms=["exact", "one_step"], overrides={"n_updates": 7})
    runs = g.expand()
    # per (seed, K, lr): 2 terms x 3 lambdas two-matrix runs, one run of each RBM kind
    assert len(runs) == len(g) == 2 * 1 * 2 * (6 + 2)
    first = [(r.kind, r.stationary_term, r.tie_penalty) for r in runs[:8]]
    assert first == [("two_matrix", "exact", 0.0), ("two_matrix", "exact", 1e-4),
                     ("two_matrix", "exact", 1e-3), ("two_matrix", "one_step", 0.0),
                     ("two_matrix", "one_step", 1e-4), ("two_matrix", "one_step", 1e-3),
                     ("rbm", "exact", 0.0), ("rbm_exact", "exact", 0.0)]
    assert all(r.tie_penalty == 0 and r.stationary_term == "exact"
               for r in runs if r.kind != "two_matrix")
    assert len({sweeps.run_id(r) for r in runs}) == len(runs)
    assert all(r.n_updates == 7 for r in runs)
    # without the axes: one two-matrix run per point, as before
    assert len(SweepGrid(seeds=[0], kinds=["two_matrix", "rbm"])) == 2


@pytest.mark.parametrize("kwargs, match", [
    (dict(tie_penalties=[-1e-3]), "tie penalties must be numbers >= 0"),
    (dict(tie_penalties=[float("nan")]), "tie penalties must be numbers >= 0"),
    (dict(tie_penalties=[0, 0.0]), "repeated"),
    (dict(tie_penalties=[]), "tie_penalties is empty"),
    (dict(tie_penalties=[True]), "expected a number"),
    (dict(stationary_terms=["two_step"]), "stationary_term must be one of"),
    (dict(kinds=["rbm"], tie_penalties=[1e-3]), "add 'two_matrix' to kinds"),
    (dict(overrides={"tie_penalty": 1e-3}), "grid axis"),
    (dict(overrides={"stationary_term": "one_step"}), "grid axis"),
])
def test_bad_two_matrix_axes_raise_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tiny_grid(**kwargs)


def test_run_ids_of_default_runs_are_unchanged_and_new_settings_are_in_the_id():
    from nelc_edu.experiments import RunSettings

    # the ids in the shipped results are those run_id gives their settings
    records, _ = sweeps.load_shipped_results("mnist5k")
    for rec in records:
        settings = RunSettings(**{k: v for k, v in rec["settings"].items() if k != "training"})
        assert sweeps.run_id(settings) == rec["run_id"]
    base = RunSettings(kind="two_matrix", K=10, seed=3)
    tied = dataclasses.replace(base, tie_penalty=1e-4)
    trunc = dataclasses.replace(base, stationary_term="one_step")
    ids = [sweeps.run_id(s) for s in (base, tied, trunc)]
    assert len(set(ids)) == 3
    assert "-tie0.0001-seed3-" in ids[1] and "-one_step-seed3-" in ids[2]
    assert sweeps.run_id(dataclasses.replace(base, tie_penalty=0)) == ids[0]


def test_cli_parses_tie_penalties_and_stationary_terms():
    from nelc_edu.cli import build_parser
    from nelc_edu.cli.sweep import _grid_from_args

    args = build_parser().parse_args([
        "sweep", "--out", "x", "--kinds", "two_matrix,rbm", "--tie-penalty", "0,1e-4",
        "--tie-penalty", "1e-3", "--stationary-term", "exact,one_step"])
    g = _grid_from_args(args)
    assert g.tie_penalties == (0.0, 1e-4, 1e-3)
    assert g.stationary_terms == ("exact", "one_step")
    assert len(g) == 2 * 3 + 1
    plain = _grid_from_args(build_parser().parse_args(["sweep", "--out", "x"]))
    assert plain.tie_penalties is None and plain.stationary_terms is None


@pytest.mark.parametrize("argv, match", [
    (["--tie-penalty", "-1"], "tie penalties must be numbers >= 0"),
    (["--tie-penalty", "abc"], "could not convert"),
    (["--stationary-term", "exact,two_step"], "stationary_term must be one of"),
    (["--kinds", "rbm", "--tie-penalty", "1e-3"], "add 'two_matrix' to kinds"),
    (["--set", "tie_penalty=0.1"], "grid axis"),
])
def test_cli_bad_two_matrix_axes(tmp_path, capsys, argv, match):
    from nelc_edu.cli import main

    assert main(["sweep", "--out", str(tmp_path), *argv]) == 2
    assert match in capsys.readouterr().err


def test_cli_sweep_over_tie_penalties_records_and_tabulates_them(tmp_path, capsys):
    from nelc_edu.cli import main

    out = tmp_path / "res"
    sets = [f"--set={k}={v}" for k, v in TINY.items() if k != "n_updates"]
    rc = main(["sweep", "--seeds", "0", "--latent", "3", "--kinds", "two_matrix,rbm",
               "--updates", "12", "--tie-penalty", "0,0.5", "--out", str(out), "--serial",
               *sets])
    assert rc == 0
    text = capsys.readouterr().out
    recs = load_results(out)
    got = sorted((r["settings"]["kind"], r["settings"]["tie_penalty"],
                  r["settings"]["stationary_term"]) for r in recs)
    assert got == [("rbm", 0.0, "exact"), ("two_matrix", 0.0, "exact"),
                   ("two_matrix", 0.5, "exact")]
    # the penalty acted: it pulls the decoder towards the encoder
    from nelc_edu.io import load_model

    gap = {r["settings"]["tie_penalty"]: np.abs(m.U - m.W.T).mean()
           for r in recs if r["settings"]["kind"] == "two_matrix"
           for m in [load_model(out / r["params_file"])]}
    assert gap[0.5] < gap[0.0]
    table = text[text.index("model "):]
    assert "tie penalty λ" in table
    rows = [ln for ln in table.splitlines() if ln.startswith(("two-matrix", "one-hot"))]
    assert len(rows) == 3 and any(" 0.5 " in r for r in rows)
    assert any(r.startswith("one-hot") and " – " in r for r in rows)


# ------------------------------------------ runs of different settings are never pooled
@pytest.fixture(scope="module")
def two_budgets(tmp_path_factory, finished_sweep):
    """The 4 runs of `finished_sweep` (12 updates) plus 4 of another budget (13 updates)."""
    import shutil

    out = tmp_path_factory.mktemp("mixed")
    for p in finished_sweep.glob("*.*"):
        shutil.copy(p, out / p.name)
    run_sweep(tiny_grid(overrides={**TINY, "n_updates": 13}), out, executor="serial")
    return load_results(out)


def test_summary_groups_by_every_setting(two_budgets):
    groups = sweeps.summarize(two_budgets)
    assert len(groups) == 4 and all(g["n"] == 2 for g in groups)
    assert {(g["kind"], g["n_updates"]) for g in groups} == {
        ("two_matrix", 12), ("two_matrix", 13), ("rbm", 12), ("rbm", 13)}
    for g in groups:  # each group's mean is the mean of exactly its own runs
        vals = [r["final"]["class_kl"] for r in two_budgets
                if r["settings"]["kind"] == g["kind"]
                and r["settings"]["n_updates"] == g["n_updates"]]
        assert g["class_kl"]["mean"] == pytest.approx(np.mean(vals))
    with pytest.raises(ValueError, match=r"differ in n_updates \(1[23], 1[23]\)"):
        sweeps.summarize(two_budgets, by=["kind"])
    table = sweeps.format_summary(two_budgets)
    lines = table.splitlines()
    assert "updates" in lines[0] and len(lines) == 2 + 4
    assert sum(" 12 " in ln for ln in lines[2:]) == 2 and sum(" 13 " in ln for ln in lines[2:]) == 2


def test_figures_never_pool_runs_of_different_settings(two_budgets):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nelc_edu.plotting import sweeps as ps

    assert ps.varying_settings(two_budgets) == ["n_updates"]
    fig, ax = ps.plot_class_kl(two_budgets)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(labels) == 4 and sum("updates = 13" in t for t in labels) == 2
    plt.close(fig)
    fig, axes = ps.plot_sweep_curves(two_budgets)
    medians = [ln for ln in axes[0].get_lines() if ln.get_linewidth() > 2]
    assert len(medians) == 4
    plt.close(fig)
    fig, ax = ps.plot_sweep_class_histograms(two_budgets)
    from matplotlib.container import BarContainer

    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == 1 + 4  # the data's bars, then one set per kind and budget
    plt.close(fig)
    caption = ps._settings_caption(two_budgets)
    assert "n_updates 12, 13" in caption and "RMSprop updates" not in caption
    uniform = [r for r in two_budgets if r["settings"]["n_updates"] == 12]
    assert "12 RMSprop updates" in ps._settings_caption(uniform)


def test_cli_figures_says_when_settings_differ(two_budgets, tmp_path, capsys):
    from nelc_edu.cli import main

    out = tmp_path / "res"
    out.mkdir()
    for rec in two_budgets:
        (out / f"{rec['run_id']}.json").write_text(json.dumps(rec))
    assert main(["figures", str(out)]) == 0
    text = capsys.readouterr().out
    assert "the runs differ in n_updates" in text
    assert len(list((out / "figures").glob("*.png"))) == 5


# ------------------------------------------------------------- the reversibility dial
def test_rank_correlation_against_a_direct_computation():
    from nelc_edu.dial import rank_correlation

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=30), rng.normal(size=30)
    y[::3] = y[0]  # ties
    # Spearman = Pearson correlation of the (average) ranks
    def ranks(v):
        return np.array([np.mean(np.flatnonzero(np.sort(v) == e)) for e in v])
    expected = np.corrcoef(ranks(x), ranks(y))[0, 1]
    assert rank_correlation(x, y) == pytest.approx(expected, abs=1e-12)
    assert rank_correlation(x, 2 * x + 1) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least 3"):
        rank_correlation([1, 2], [3, 4])


def test_dial_table_and_summary_from_records():
    from nelc_edu.dial import dial_table, format_dial_summary, within_family

    recs = []
    for seed in range(2):
        for lam, ll, sig, d in [(0.0, -19.0, 0.4, 0.03), (1e-3, -20.0, 3e-3, 0.8),
                                (1.0, -22.0, 1e-5, 0.5)]:
            recs.append({"settings": {"kind": "two_matrix", "tie_penalty": lam, "seed": seed},
                         "final": {"log_likelihood": ll - seed, "entropy_production": sig,
                                   "ep_noise_floor": 1e-6, "mean_self_transition": d}})
        recs.append({"settings": {"kind": "rbm", "seed": seed},
                     "final": {"log_likelihood": -21.0, "entropy_production": 1e-30,
                               "ep_noise_floor": 1e-27, "mean_self_transition": 0.97}})
    t = dial_table(recs)
    assert t["kind"].tolist()[:2] == ["rbm", "rbm"] and np.isnan(t["tie_penalty"][0])
    assert t["measured"].sum() == 6  # every two-matrix run, no RBM run
    rho, n = within_family(t)
    assert n == 6 and rho > 0.7
    text = format_dial_summary(t)
    assert "lambda = 0.001" in text and "rank correlation" in text
