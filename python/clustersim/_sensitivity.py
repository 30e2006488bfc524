"""Variance-based sensitivity of a saltelli sweep: the Sobol indices of one outcome per setting.

    ds = cs.load("results/sweep.h5")
    cs.sensitivity(ds, "G3")                          # share of replicates meeting goal G3
    cs.sensitivity(ds, "sum(output_value, 2020)")     # output summed over clusters in 2020
    cs.sensitivity(ds, ds["output_value"].isel(time=-1).sum("cluster"))   # any DataArray

The design and the estimators are the engine's (``_core.saltelli_design`` and
``_core.sobol_indices``, sim/analysis/sobol.cpp); only the outcome expressions are evaluated here, with
xarray, following the grammar of ``clustersim sensitivity --outcome`` (results/README.md) and
giving the same numbers as the engine.
"""
import re

import numpy as np
import pandas as pd
import xarray as xr

from . import _core

__all__ = ["sensitivity", "evaluate_outcome"]

COLUMNS = ["S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"]

_FORMS = ("a goal (G3, G3.value, G3.cost) or sum(M), mean(M), clusters(M >= X), each with an "
          "optional period (2020, 2020Q4, 2016Q1:2020Q4)")
_SPACE = " \t\n\r\f\v"  # C's isspace
# What std::from_chars accepts as a decimal number (no sign '+', no hex).
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_GOAL_FIELDS = {"value": "goal_value_at_deadline", "cost": "goal_cost_to_deadline"}


def sensitivity(ds, outcome, bootstrap=1000, confidence=0.95, seed=0):
    """Sobol indices of ``outcome`` for each setting varied by the saltelli sweep ``ds``.

    ds
        the Dataset :func:`clustersim.load` reads from a ``clustersim sweep`` result of method
        ``saltelli`` (attributes ``sweep_method``, ``sweep_settings``, ``sweep_base_samples``).
    outcome
        an expression (``"G3"``, ``"G3.value"``, ``"G3.cost"``, ``"sum(M[, P])"``,
        ``"mean(M[, P])"``, ``"clusters(M >= X[, P])"``; P is 2020, 2020Q4 or
        2016Q1:2020Q4), or a DataArray over ``run`` (or ``run`` and ``replicate``: then its
        mean over replicates).
    bootstrap, confidence, seed
        the percentile intervals: ``bootstrap`` resamples of the base samples (0: none, the
        intervals are NaN) drawn from a counter-based stream keyed by ``seed``.

    Returns a DataFrame indexed by setting, largest total index first, with columns S1,
    S1_low, S1_high (first-order index, Saltelli et al. 2010, and its interval) and ST,
    ST_low, ST_high (total index, Jansen 1999). ``df.attrs`` holds the outcome, its variance
    and the bootstrap's parameters. Raises ValueError for a dataset that is not a saltelli
    sweep, a bad expression, or an outcome that is not finite or does not vary.
    """
    settings, base_samples = _design(ds)
    if isinstance(outcome, str):
        y, name = evaluate_outcome(ds, outcome), outcome
    elif isinstance(outcome, xr.DataArray):
        y, name = _per_run(outcome), str(outcome.name or "outcome")
    else:
        raise TypeError(f"outcome must be an expression (str) or an xarray DataArray, not "
                        f"{type(outcome).__name__}")
    expected = base_samples * (len(settings) + 2)
    if y.shape != (expected,):
        raise ValueError(f"the outcome has {y.size} values; the saltelli sweep of {base_samples} "
                         f"base samples and {len(settings)} settings has {expected} runs")
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise ValueError(f"the outcome {name!r} is not finite in {bad.size} run(s), first run "
                         f"{bad[0]} ({y[bad[0]]}); Sobol indices need a number for every run")
    try:
        r = _core.sobol_indices(y, len(settings), base_samples, bootstrap=int(bootstrap),
                                confidence=float(confidence), seed=int(seed))
    except ValueError as e:
        raise ValueError(f"outcome {name!r}: {e}") from None
    df = pd.DataFrame({"S1": r["first"], "S1_low": r["first_low"], "S1_high": r["first_high"],
                       "ST": r["total"], "ST_low": r["total_low"], "ST_high": r["total_high"]},
                      index=pd.Index(settings, name="setting"))
    df = df.sort_values("ST", ascending=False, kind="stable")
    df.attrs.update(outcome=name, variance=r["variance"], base_samples=base_samples,
                    bootstrap=r["bootstrap"], confidence=r["confidence"], seed=r["seed"])
    return df


def _design(ds):
    """The varied settings (design column order) and base samples of a saltelli sweep."""
    method = ds.attrs.get("sweep_method")
    if method is None or "run" not in ds.dims:
        raise ValueError("the dataset is not a sweep (no sweep_method attribute or run "
                         "dimension); load the result of `clustersim sweep`")
    if method != "saltelli":
        raise ValueError(f"not a saltelli sweep (its method is {method!r}): Sobol indices need "
                         f"the runs of a Saltelli design")
    settings = ds.attrs.get("sweep_settings", [])
    settings = [settings] if isinstance(settings, str) else [str(s) for s in settings]
    base_samples = int(ds.attrs.get("sweep_base_samples", 0))
    runs = ds.sizes["run"]
    if not settings or base_samples < 1 or runs != base_samples * (len(settings) + 2):
        raise ValueError(f"wrong shape: a saltelli sweep of {base_samples} base samples and "
                         f"{len(settings)} settings has {base_samples * (len(settings) + 2)} "
                         f"runs, the dataset has {runs}")
    return settings, base_samples


def _per_run(da):
    """A DataArray outcome as one value per run (its mean over replicates if it has them)."""
    if "replicate" in da.dims:
        da = da.mean("replicate", skipna=False)
    if da.dims != ("run",):
        raise ValueError(f"an outcome DataArray must have dims (run,) or (run, replicate), not "
                         f"{da.dims}")
    return np.asarray(da.values, dtype=np.float64)


# --- outcome expressions ----------------------------------------------------------------------

def evaluate_outcome(ds, expression):
    """The outcome named by ``expression`` for each run of a sweep Dataset, as a NumPy array:
    the numbers ``clustersim sensitivity --outcome`` computes from the same file."""
    outcome = _Parser(expression, ds).parse()
    return outcome(ds)


class _Parser:
    """The grammar of sim/analysis/outcome.cpp, with its messages and 1-based columns."""

    def __init__(self, text, ds):
        self.text, self.pos = text, 0
        self.goals = [str(g) for g in ds["goal"].values] if "goal" in ds.coords else []
        self.metrics = sorted(str(name) for name in ds.data_vars)
        if "time_label" not in ds.coords:
            raise ValueError("the dataset has no time_label coordinate")
        self.labels = [str(label) for label in ds["time_label"].values]

    def fail(self, column, detail):
        raise ValueError(f"outcome {self.text!r}, column {column}: {detail}")

    # --- the cursor
    def column(self):
        return self.pos + 1

    def at_end(self):
        return self.pos >= len(self.text)

    def peek(self):
        return "" if self.at_end() else self.text[self.pos]

    def skip_space(self):
        while not self.at_end() and self.text[self.pos] in _SPACE:
            self.pos += 1

    def found(self):
        return "the end" if self.at_end() else f"'{self.text[self.pos]}'"

    def expect(self, token, why):
        self.skip_space()
        if not self.text.startswith(token, self.pos):
            self.fail(self.column(), f"expected '{token}' {why}, found {self.found()}")
        self.pos += len(token)

    @staticmethod
    def word_char(c):
        return c.isascii() and (c.isalnum() or c == "_")

    def identifier(self, expected):
        self.skip_space()
        c = self.peek()
        if not (c and c.isascii() and (c.isalpha() or c == "_")):
            self.fail(self.column(), f"expected {expected}, found {self.found()}")
        start = self.pos
        while not self.at_end() and self.word_char(self.text[self.pos]):
            self.pos += 1
        return self.text[start:self.pos]

    def number(self):
        self.skip_space()
        match = _NUMBER.match(self.text, self.pos)
        value = float(match.group()) if match else float("nan")
        if not np.isfinite(value):
            self.fail(self.column(),
                      f"expected a finite number such as 100e9, found {self.found()}")
        self.pos = match.end()
        return value

    # --- the grammar
    def parse(self):
        self.skip_space()
        if self.at_end():
            self.fail(1, f"the outcome is empty; expected {_FORMS}")
        column = self.column()
        name = self.identifier(_FORMS)
        self.skip_space()
        outcome = self.function(name, column) if self.peek() == "(" else self.goal(name, column)
        self.skip_space()
        if not self.at_end():
            self.fail(self.column(), f"unexpected {self.found()} after the outcome")
        return outcome

    def goal(self, goal, column):
        if goal not in self.goals:
            if goal in self.metrics:
                self.fail(column, f"'{goal}' is a metric: use sum({goal}), mean({goal}) or "
                                  f"clusters({goal} >= X)")
            self.fail(column, f"no goal '{goal}': the sweep has no goals" if not self.goals else
                      f"no goal '{goal}'; goals are {', '.join(self.goals)}")
        variable = "goal_met"
        self.skip_space()
        if self.peek() == ".":
            self.pos += 1
            field_column = self.column()
            field = self.identifier("a goal field (value or cost)")
            if field not in _GOAL_FIELDS:
                self.fail(field_column, f"no goal field '{field}'; fields are value and cost "
                                        f"({goal} alone is the share of replicates meeting it)")
            variable = _GOAL_FIELDS[field]
        return lambda ds: self.goal_outcome(ds, goal, variable, column)

    def goal_outcome(self, ds, goal, variable, column):
        met = ds["goal_met"].sel(goal=goal).transpose("run", "replicate")
        undecided = np.argwhere(met.values < 0)
        if undecided.size:
            run, replicate = undecided[0]
            self.fail(column, f"goal {goal} is undecided in run {run} (replicate {replicate}): "
                              f"the run ends before the goal's deadline")
        if variable == "goal_met":
            return (met == 1).mean("replicate").values.astype(np.float64)
        if variable not in ds.coords and variable not in ds.data_vars:
            raise ValueError(f"the sweep has no {variable} (the model does not cost its policy)")
        values = ds[variable].sel(goal=goal).transpose("run", "replicate")
        return values.mean("replicate", skipna=False).values.astype(np.float64)

    def function(self, name, column):
        if name not in ("sum", "mean", "clusters"):
            self.fail(column, f"no function '{name}'; functions are sum, mean and clusters")
        self.expect("(", "after the function's name")
        self.skip_space()
        metric_column = self.column()
        metric = self.identifier("a metric name")
        if metric not in self.metrics:
            self.fail(metric_column,
                      f"no metric '{metric}'; metrics are {', '.join(self.metrics)}")
        threshold = None
        if name == "clusters":
            self.expect(">=", "after the metric: clusters(M >= X) counts clusters at least X")
            threshold = self.number()
        steps = (0, len(self.labels) - 1)
        self.skip_space()
        if self.peek() == ",":
            self.pos += 1
            steps = self.period()
        self.expect(")", f"to close {name}(")
        return lambda ds: _metric_outcome(ds[metric], name, steps, threshold)

    def period(self):
        self.skip_space()
        column = self.column()
        first = self.period_end()
        self.skip_space()
        if self.peek() != ":":
            return first
        self.pos += 1
        last = self.period_end()
        if last[1] < first[0]:
            self.fail(column, f"the period {self.text[column - 1:self.pos]} ends before it starts")
        return first[0], last[1]

    def period_end(self):
        """A year or a quarter as the steps it starts and ends at."""
        self.skip_space()
        column = self.column()
        start = self.pos
        while not self.at_end() and self.word_char(self.text[self.pos]):
            self.pos += 1
        word = self.text[start:self.pos]
        digits = len(word) >= 4 and all("0" <= c <= "9" for c in word[:4])
        year = len(word) == 4 and digits
        quarter = len(word) == 6 and digits and word[4] in "Qq" and "1" <= word[5] <= "4"
        if not year and not quarter:
            self.fail(column, "expected a year (2020) or a quarter (2020Q4), found " +
                      (f"'{word}'" if word else self.found()))
        if quarter:
            label = word[:4] + "Q" + word[5]
            step = self.step_of(label, column, f"no quarter {label}")
            return step, step
        whole = f"the year {word} is not wholly in the sweep"
        return self.step_of(word + "Q1", column, whole), self.step_of(word + "Q4", column, whole)

    def step_of(self, label, column, problem):
        if label in self.labels:
            return self.labels.index(label)
        if not self.labels:
            self.fail(column, f"{problem}: the sweep has no quarters")
        self.fail(column, f"{problem}: the sweep runs from {self.labels[0]} to {self.labels[-1]}")


def _metric_outcome(da, function, steps, threshold):
    """sum, mean or clusters of a [run, replicate, time, cluster] metric over steps[0]..steps[1]
    (inclusive), averaged over replicates. NaN is never skipped, as in the engine."""
    da = da.isel(time=slice(steps[0], steps[1] + 1))
    if function == "sum":
        per_replicate = da.sum(["time", "cluster"], skipna=False)
    elif function == "mean":
        per_replicate = da.sum("cluster", skipna=False).mean("time", skipna=False)
    else:  # clusters whose sum over the period is at least the threshold
        per_replicate = (da.sum("time", skipna=False) >= threshold).sum("cluster")
    per_run = per_replicate.astype(np.float64).mean("replicate", skipna=False)
    return per_run.transpose("run").values
