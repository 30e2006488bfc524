"""The statistical-equivalence test (equivalence.py, tests/stats/README.md): the current build is
the same model as the stored reference, a deliberately changed model is not, and the statistics
helpers do what they say.

The two ensemble tests run 256 replicates of shandong-2015 each on 2 threads: about 32 and 21
CPU-seconds, 45 s and 33 s on the 2-core development machine at a load of 7 to 8."""
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from conftest import EXECUTABLE, SOURCE_DIR

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import equivalence  # noqa: E402  (this folder is not a package)

TOOL = pathlib.Path(equivalence.__file__)
REFERENCE = SOURCE_DIR / "tests" / "data" / "equivalence" / "shandong-2015.csv"
# Any seed but the reference's: a fresh sample of the same model.
OTHER_SEED = 1616
# The negative control: half the entry rate (0.025 -> 0.0125 per quarter) moves output, R&D
# and patents clearly; it also makes the run cheaper (fewer firms) than doubling the
# innovation rate, which moves output but not R&D.
CHANGED = "firm.entry.rate=0.0125"


def run_ensemble(out, *settings):
    """The current build's shandong-2015 at the reference's size, with another seed."""
    command = [str(EXECUTABLE), "run", equivalence.REFERENCE_SCENARIO, "-o", str(out),
               "--replicates", str(equivalence.REFERENCE_REPLICATES), "--seed", str(OTHER_SEED),
               "--threads", "2", "--quiet"]
    for setting in settings:
        command += ["--set", setting]
    done = subprocess.run(command, cwd=SOURCE_DIR, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return out


def compare_cli(a, b):
    """The command line as the next session will use it, in a process of its own: exit code
    and printed table."""
    return subprocess.run([sys.executable, str(TOOL), "compare", str(a), str(b)],
                          capture_output=True, text=True, timeout=120)


def compare_main(capsys, a, b):
    """The command line's main() in this process (a new Python with SciPy costs a second or
    more on a busy machine): (exit code, stdout, stderr)."""
    code = equivalence.main(["compare", str(a), str(b)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def rejected(a, b):
    rows = equivalence.compare(equivalence.load(a), equivalence.load(b))
    return [r["quantity"] for r in rows if r["rejected"]]


# --- The model against its stored reference ---------------------------------------------------

def test_reference_is_256_replicates_of_shandong_with_provenance():
    reference = equivalence.load(REFERENCE)
    assert reference.scenario == "shandong-2015"
    assert reference.replicates == equivalence.REFERENCE_REPLICATES
    header = [line for line in REFERENCE.read_text().splitlines() if line.startswith("#")]
    for key in ("commit:", "command:", "date:"):
        assert any(line.startswith(f"# {key}") for line in header), key
    assert {"output_2020", "rd_spend_total", "patents_total", "G3.value"} <= set(
        reference.quantities)


def test_current_build_is_the_reference_model(tmp_path):
    out = run_ensemble(tmp_path / "same.h5")
    done = compare_cli(REFERENCE, out)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_changed_parameter_is_rejected(tmp_path, capsys):
    out = run_ensemble(tmp_path / "changed.h5", CHANGED)
    code, table, errors = compare_main(capsys, REFERENCE, out)
    assert code == 1, table + errors
    differing = rejected(REFERENCE, out)
    # Fewer entrants: less output in 2020, less R&D and fewer patents over the run.
    assert {"output_2020", "rd_spend_total", "patents_total"} <= set(differing), (
        f"with {CHANGED} only {differing} were rejected:\n{table}")


# --- The statistics helpers -------------------------------------------------------------------

def test_holm_on_a_worked_example():
    # Sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> raised to 0.06.
    adjusted = equivalence.holm([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])
    # At alpha 0.05 Holm rejects the first two in sorted order, Bonferroni (0.0125) only one.
    assert list(adjusted <= 0.05) == [True, False, False, True]


def test_holm_caps_at_one_and_keeps_ties():
    np.testing.assert_allclose(equivalence.holm([0.5, 0.5, 0.9]), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(equivalence.holm([0.001, 0.001]), [0.002, 0.002])
    np.testing.assert_allclose(equivalence.holm([0.2]), [0.2])


def test_holm_matches_its_definition():
    """max over j <= i of min(1, (m - j + 1) p_(j)), written out with loops."""
    p = np.random.default_rng(3).uniform(0, 0.05, 12)
    order = np.argsort(p)
    expected = np.empty(len(p))
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[index]))
        expected[index] = running
    np.testing.assert_allclose(equivalence.holm(p), expected)


def test_equal_constants_are_the_same_and_different_constants_differ():
    statistic, p, note = equivalence.two_sample_test(np.zeros(40), np.zeros(300))
    assert (statistic, p) == (0.0, 1.0) and "constant" in note
    statistic, p, note = equivalence.two_sample_test(np.zeros(40), np.ones(40))
    assert (statistic, p) == (1.0, 0.0) and "constants" in note


def test_a_constant_against_a_varying_sample_is_tested():
    varying = np.r_[np.zeros(30), np.ones(30)]
    statistic, p, note = equivalence.two_sample_test(np.zeros(60), varying)
    assert statistic == pytest.approx(0.5) and p < 1e-6 and note == ""


def test_ks_on_samples_of_one_distribution_and_of_shifted_ones():
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=256), rng.normal(size=256)
    assert equivalence.two_sample_test(a, b)[1] > 0.01
    assert equivalence.two_sample_test(a, b + 0.5)[1] < 1e-6


def ensemble(path, scenario="s", n=64, shift=0.0, **constants):
    rng = np.random.default_rng(11)
    quantities = {"x": rng.normal(size=n) + shift, **{k: np.full(n, v) for k, v in
                                                     constants.items()}}
    return equivalence.Ensemble(path, scenario, quantities, {k: "1" for k in quantities})


def test_compare_rejects_only_what_differs_after_holm():
    rows = equivalence.compare(ensemble("a", c=1.0, d=2.0), ensemble("b", shift=1.0, c=1.0, d=3.0))
    verdicts = {r["quantity"]: r["rejected"] for r in rows}
    assert verdicts == {"x": True, "c": False, "d": True}
    assert all(r["p_holm"] >= r["p"] for r in rows)


def test_csv_round_trip_is_exact(tmp_path):
    original = ensemble(str(tmp_path / "a.h5"), c=0.1 + 0.2)
    equivalence.write_csv(original, tmp_path / "a.csv", ["commit: test"])
    back = equivalence.load(str(tmp_path / "a.csv"))
    assert back.scenario == original.scenario and back.units == original.units
    for name, values in original.quantities.items():
        assert np.array_equal(back.quantities[name], values), name


# --- Bad input: exit 2, naming the file -------------------------------------------------------

def test_a_missing_file_is_bad_input(tmp_path, capsys):
    code, _, errors = compare_main(capsys, REFERENCE, tmp_path / "none.h5")
    assert code == 2 and "none.h5: no such file" in errors


def test_a_malformed_csv_is_bad_input(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("# scenario: shandong-2015\n# units: x 1\nreplicate,x\n0,1.0\n1,oops\n")
    code, _, errors = compare_main(capsys, REFERENCE, bad)
    assert code == 2 and "bad.csv: data row 3" in errors


def test_an_unsealed_hdf5_file_is_bad_input(tmp_path, capsys):
    h5py = pytest.importorskip("h5py")
    plain = tmp_path / "plain.h5"
    with h5py.File(plain, "w") as f:
        f["x"] = [1.0]
    code, _, errors = compare_main(capsys, REFERENCE, plain)
    assert code == 2 and "plain.h5" in errors and "seal" in errors


def test_another_scenario_or_other_quantities_are_bad_input(tmp_path):
    other = ensemble(str(tmp_path / "o.csv"), scenario="no-policy")
    with pytest.raises(equivalence.BadInput, match="o.csv: scenario 'no-policy'"):
        equivalence.check_comparable(ensemble("a"), other)
    with pytest.raises(equivalence.BadInput, match="b: has c"):
        equivalence.check_comparable(ensemble("a"), ensemble("b", c=1.0))


def test_too_few_replicates_are_bad_input(tmp_path, capsys):
    small = ensemble(str(tmp_path / "small.csv"), n=8)
    equivalence.write_csv(small, small.path)
    code, _, errors = compare_main(capsys, small.path, small.path)
    assert code == 2 and "small.csv: 8 replicates" in errors
