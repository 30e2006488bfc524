#!/usr/bin/python3
"""Mutation testing of the model rules: do the unit tests catch wrong economics?

Each mutation below plants one documented semantic bug in models/*.cpp (an exact snippet of the
source and its replacement). The script applies them one at a time, rebuilds incrementally
(cmake --build BUILD --target unit_tests clustersim), runs the unit tests except the regression
tests (which compare with stored output and would catch any change, economic or not), and
reports for each mutation the tests that failed, or NOT CAUGHT. The source is restored after
each mutation, also on Ctrl-C or an error.

Takes minutes (one incremental build and one unit-test run per mutation): not part of CI.
See tests/mutation/README.md.

Exit status: 0 every mutation caught; 1 some mutation not caught; 2 bad input (a snippet not
found once, a dirty models/ tree, a mutation that does not compile, failing tests before any
mutation).
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Tests that compare with stored output: excluded, a mutation must be caught by the economics.
EXCLUDED_TESTS = "*Regression*"


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str  # relative to the repository root
    original: str  # must occur exactly once in the file
    replacement: str
    description: str  # the economic bug, one line


MUTATIONS = [
    Mutation(
        "rd_deduction_x1.1",
        "models/firm.cpp",
        "claimed_deduction(f, i, r) * deductible_rd, licence,",
        "1.1 * claimed_deduction(f, i, r) * deductible_rd, licence,",
        "the R&D super-deduction claimed in a quarter's tax is 10% too large",
    ),
    Mutation(
        "carry_years_as_quarters",
        "models/tax.cpp",
        'r.loss_carry_quarters = static_cast<int>(4 * sc.number("tax.loss_carry_forward_years"',
        'r.loss_carry_quarters = static_cast<int>(sc.number("tax.loss_carry_forward_years"',
        "loss carry-forward years read as quarters (5 years applied as 5 quarters)",
    ),
    Mutation(
        "carry_4_years",
        "models/tax.cpp",
        's.add(lever("tax.loss_carry_forward_years", "years", 0, 20, "5",',
        's.add(lever("tax.loss_carry_forward_years", "years", 0, 20, "4",',
        "losses carried forward 4 years instead of the 5 of EIT law art. 18",
    ),
    Mutation(
        "carry_lapses_a_quarter_early",
        "models/tax.cpp",
        "if (out.pool > 0 && out.age > limit_quarters)",
        "if (out.pool > 0 && out.age >= limit_quarters)",
        "a loss lapses in the last quarter of its carry-forward period instead of after it",
    ),
    Mutation(
        "imitation_skipped",
        "models/quarter.cpp",
        "if (target != firms_.size()) {",
        "if (false && target != firms_.size()) {",
        "no firm ever imitates a firm of its cluster",
    ),
    Mutation(
        "imitation_gap_halved",
        "models/firm.cpp",
        "return a + p.imitation_gap_share * gap;",
        "return a + 0.5 * p.imitation_gap_share * gap;",
        "an imitator closes half the documented share firm.imitation_gap_share of its gap",
    ),
    Mutation(
        "ip_protection_helps_imitators",
        "models/firm.cpp",
        "return target_patent_stock > 0 ? 1.0 - p.ip_imitation_block * ip_protection : 1.0;",
        "return target_patent_stock > 0 ? 1.0 + p.ip_imitation_block * ip_protection : 1.0;",
        "IP protection raises the chance of copying a patent holder (sign of the block flipped)",
    ),
    Mutation(
        "collaboration_cost_plus_1pct",
        "models/quarter.cpp",
        "const double cofunding = pc.collaboration_cofunding * l.collaboration * rd_real;",
        "const double cofunding = 1.01 * pc.collaboration_cofunding * l.collaboration * rd_real;",
        "the collaboration lever's co-funding costs the province 1% more than its rule",
    ),
    Mutation(
        "ip_budget_plus_1pct",
        "models/budget_levers.cpp",
        "b.ip_protection = l.ip_protection * costs.ip_protection_budget / 4.0;",
        "b.ip_protection = 1.01 * l.ip_protection * costs.ip_protection_budget / 4.0;",
        "the IP-protection lever's budget is 1% more than the lever times the yearly budget",
    ),
    Mutation(
        "talent_cost_plus_1pct",
        "models/quarter.cpp",
        "cost(c, kCostTalentProgramme) = talent_.paid_recruits[c] * setup_.costs.talent_cost_per_recruit;",
        "cost(c, kCostTalentProgramme) =\n"
        "        1.01 * talent_.paid_recruits[c] * setup_.costs.talent_cost_per_recruit;",
        "each talent-programme recruit costs 1% more than policy_costs.talent_per_recruit",
    ),
    Mutation(
        "hnte_rate_not_applied",
        "models/tax.cpp",
        "if (hnte) tax = std::min(tax, r.hnte_rate * taxable);",
        "if (hnte) tax = std::min(tax, r.standard_rate * taxable);",
        "a certified HNTE pays the standard rate, not the 15% preferential rate",
    ),
    Mutation(
        "small_profit_ignores_assets",
        "models/tax.cpp",
        "return taxable <= r.small_ceiling && assets <= r.small_max_assets;",
        "return taxable <= r.small_ceiling;",
        "the small low-profit regime is granted whatever the firm's assets",
    ),
    Mutation(
        "tech_transfer_relief_whole",
        "models/tax.cpp",
        "std::min(annual_income, exempt) + 0.5 * std::max(0.0, annual_income - exempt)",
        "std::min(annual_income, exempt) + 1.0 * std::max(0.0, annual_income - exempt)",
        "technology-transfer income above the exempt amount is relieved whole, not half",
    ),
    Mutation(
        "user_cost_without_expense",
        "models/tax.cpp",
        "return 1.0 - marginal_rate * (1.0 + deduction);",
        "return 1.0 - marginal_rate * deduction;",
        "the R&D user cost forgets that the expense itself is deductible (1 - t theta)",
    ),
    Mutation(
        "tech_sme_deduction_not_the_larger",
        "models/tax.cpp",
        "return tech_sme ? std::max(r.deduction_tech_sme, r.deduction_general) : r.deduction_general;",
        "return tech_sme ? r.deduction_tech_sme : r.deduction_general;",
        "a technology-based SME is denied the general deduction when that is the larger",
    ),
    Mutation(
        "hnte_term_a_quarter_short",
        "models/tax.cpp",
        "    quarters_left = term_quarters;\n",
        "    quarters_left = term_quarters - 1;\n",
        "an HNTE certificate runs one quarter less than its three-year term",
    ),
    Mutation(
        "hnte_small_band_threshold",
        "models/tax.cpp",
        "if (annual_sales <= r.hnte_small_sales) return r.hnte_intensity_small;",
        "if (annual_sales <= r.hnte_small_sales) return r.hnte_intensity_medium;",
        "small firms face the medium sales band's HNTE R&D intensity",
    ),
    Mutation(
        "search_success_halved",
        "models/firm.cpp",
        "return effort > 0.0 ? 1.0 - std::exp(-zeta * effort) : 0.0;",
        "return effort > 0.0 ? 1.0 - std::exp(-0.5 * zeta * effort) : 0.0;",
        "search succeeds as if half the effort had been spent",
    ),
    Mutation(
        "ip_pledge_credit_ignored",
        "models/firm.cpp",
        "l.ip_pledge * std::max(0.0, patent_stock);",
        "0.0 * l.ip_pledge * std::max(0.0, patent_stock);",
        "pledged patents add no credit",
    ),
    Mutation(
        "hnte_gain_ignores_regime",
        "models/tax.cpp",
        "  return annual_income_tax(annual_taxable, false, assets, r) -\n"
        "         annual_income_tax(annual_taxable, true, assets, r);",
        "  return (r.standard_rate - r.hnte_rate) * std::max(0.0, annual_taxable);",
        "HNTE certification is worth the full rate cut to every firm, small low-profit ones too",
    ),
    Mutation(
        "subsidised_rd_deducted",
        "models/firm.cpp",
        "const double deductible_rd = std::max(0.0, rd_reported - subsidised_rd);",
        "const double deductible_rd = rd_reported;",
        "R&D paid from non-taxable subsidies is still super-deducted",
    ),
    Mutation(
        "key_lab_opportunity_dropped",
        "models/quarter.cpp",
        "                                   pe.opportunity +\n",
        "                                   0.0 +\n",
        "key labs no longer shift the innovation step (the opportunity channel is dead)",
    ),
    Mutation(
        "dividend_pays_out_all_cash",
        "models/firm.cpp",
        "return std::max(0.0, cash - p.cash_target_ratio * std::max(0.0, capital));",
        "return std::max(0.0, cash);",
        "firms pay out all their cash, keeping none of the cash target",
    ),
    Mutation(
        "risk_compensation_gap_ignored",
        "models/firm.cpp",
        "return p.collateral_ratio * (access + gap_closed * (1.0 - access));",
        "return p.collateral_ratio * access + 0.0 * gap_closed;",
        "the risk-compensation pool no longer widens SMEs' and startups' credit",
    ),
    Mutation(
        "startups_at_incumbents_investment_limit",
        "models/quarter.cpp",
        "old_type == FirmType::Startup ? p.startup_max_investment_rate",
        "old_type == FirmType::Startup ? p.max_investment_rate",
        "startups are held to an established firm's investment limit (no scale-up)",
    ),
    Mutation(
        "g4_per_gross_output",
        "models/goals.cpp",
        "const double value_added = test.value_added_share * output;",
        "const double value_added = output;",
        "G4's intensities are measured per yuan of gross output, not of value added",
    ),
    Mutation(
        "g2_growth_nominal",
        "models/goals.cpp",
        "const double real_growth = output_now / output_at_start / price_change;",
        "const double real_growth = output_now / output_at_start;",
        "G2's growth test uses nominal growth, ignoring producer prices",
    ),
]


class BadInput(Exception):
    pass


def check_mutations(mutations):
    """Every snippet occurs exactly once in its file, before anything is changed."""
    names = set()
    for m in mutations:
        if m.name in names:
            raise BadInput(f"mutation {m.name} is listed twice")
        names.add(m.name)
        path = ROOT / m.file
        if not path.is_file():
            raise BadInput(f"mutation {m.name}: no file {m.file}")
        count = path.read_text().count(m.original)
        if count != 1:
            raise BadInput(
                f"mutation {m.name}: its snippet occurs {count} times in {m.file}, not once: "
                f"{m.original!r}"
            )


def check_clean_models():
    """A dirty models/ would be mutated on top of uncommitted changes and left as found."""
    out = subprocess.run(
        ["git", "status", "--porcelain", "--", "models"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    if out.strip():
        raise BadInput("models/ has uncommitted changes; commit or stash them first:\n" + out)


def build(build_dir):
    result = subprocess.run(
        ["cmake", "--build", str(build_dir), "--parallel", "2",
         "--target", "unit_tests", "clustersim"],
        cwd=ROOT, capture_output=True, text=True,
    )
    return result.returncode == 0, result.stdout + result.stderr


FAILED_TEST = re.compile(r"^\[  FAILED  \] ([\w/]+\.[\w/]+)", re.MULTILINE)


def run_unit_tests(build_dir):
    """Names of the failed tests (the regression tests excluded)."""
    result = subprocess.run(
        [str(build_dir / "bin" / "unit_tests"), f"--gtest_filter=-{EXCLUDED_TESTS}",
         "--gtest_brief=1"],
        cwd=ROOT, capture_output=True, text=True,
    )
    failed = sorted(set(FAILED_TEST.findall(result.stdout)))
    if result.returncode != 0 and not failed:
        # A crash or an abort fails the run without naming a test.
        failed = [f"unit_tests exited with status {result.returncode}"]
    return failed


def run_pytest(files):
    if not files:
        return []
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files],
        cwd=ROOT, capture_output=True, text=True,
    )
    return sorted(set(re.findall(r"^FAILED (\S+)", result.stdout, re.MULTILINE)))


def apply_and_test(m, build_dir, pytest_files):
    path = ROOT / m.file
    original = path.read_text()
    try:
        path.write_text(original.replace(m.original, m.replacement, 1))
        ok, log = build(build_dir)
        if not ok:
            raise BadInput(f"mutation {m.name} does not compile:\n{log[-3000:]}")
        return run_unit_tests(build_dir) + run_pytest(pytest_files)
    finally:
        path.write_text(original)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=str(ROOT / "build"), help="build directory")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="run only this mutation (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--pytest", action="append", default=[], metavar="FILE",
                        help="also run this pytest file for each mutation (repeatable; "
                        "the CLI tests need CLUSTERSIM set to the build's executable)")
    args = parser.parse_args()

    # SIGTERM restores the source as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

    try:
        mutations = MUTATIONS
        if args.only:
            unknown = set(args.only) - {m.name for m in MUTATIONS}
            if unknown:
                raise BadInput(f"no mutation named {', '.join(sorted(unknown))} (see --list)")
            mutations = [m for m in MUTATIONS if m.name in args.only]
        if args.list:
            for m in mutations:
                print(f"{m.name:36} {m.file:26} {m.description}")
            return 0
        pytest_files = [f for f in args.pytest if "regression" not in Path(f).name]
        check_clean_models()
        check_mutations(mutations)
        build_dir = Path(args.build).resolve()

        started = time.monotonic()
        ok, log = build(build_dir)
        if not ok:
            raise BadInput("the unmutated source does not build:\n" + log[-3000:])
        failing = run_unit_tests(build_dir) + run_pytest(pytest_files)
        if failing:
            raise BadInput("tests fail before any mutation: " + ", ".join(failing))

        not_caught = 0
        print(f"| mutation | file | economic bug | caught by |")
        print(f"|---|---|---|---|")
        for m in mutations:
            failed = apply_and_test(m, build_dir, pytest_files)
            caught = ", ".join(failed) if failed else "**NOT CAUGHT**"
            not_caught += 0 if failed else 1
            print(f"| `{m.name}` | {m.file} | {m.description} | {caught} |", flush=True)
        # Leave the build matching the restored source.
        build(build_dir)
        minutes = (time.monotonic() - started) / 60
        print(f"\n{len(mutations) - not_caught} of {len(mutations)} mutations caught "
              f"in {minutes:.1f} min.")
        return 1 if not_caught else 0
    except BadInput as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the source is restored", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
