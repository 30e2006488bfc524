"""clustersim serve in a real browser (headless Chromium): a lever changed through the page's
own controls gives the numbers `clustersim goals --json` gives for the same --set, and the
share link reopens them in a fresh session. Screenshots go to build/web/."""
import json
import re
import subprocess

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

import serve_support
from conftest import EXECUTABLE

LEVER = "policy.hnte_tax_rate"
EXPECTED_SET = "policy.hnte_tax_rate={2014Q1: 0.15, 2016Q1: 0.1}"
RUN_TIMEOUT = 300  # s: two 32-replicate ensembles of the plan on a busy 2-core machine


@pytest.fixture(scope="module")
def plan_server(tmp_path_factory):
    """The plan's baseline against no policy: what `clustersim serve` serves by default."""
    server = serve_support.Server(cwd=tmp_path_factory.mktemp("serve"))
    yield server
    server.stop()


@pytest.fixture
def browser():
    yield from serve_support.browsers()


def wait_until_done(driver, other_than=None):
    """Waits for the page's ensemble (another job than `other_than`) to finish; its key."""
    def finished(d):
        status = d.find_element(By.ID, "status")
        job = status.get_attribute("data-job")
        state = status.get_attribute("data-state")
        assert state != "failed", d.find_element(By.ID, "error").text
        return job if state == "done" and job and job != other_than else False
    return WebDriverWait(driver, RUN_TIMEOUT, poll_frequency=0.2).until(finished)


def shown_numbers(driver):
    """The goals' chances and the comparison's medians as the page holds them."""
    goals = {row.get_attribute("data-goal"): [float(row.get_attribute(a)) for a in
                                              ("data-share-met", "data-share-met-low",
                                               "data-share-met-high")]
             for row in driver.find_elements(By.CSS_SELECTOR, "#goals tbody tr")}
    costs = {row.get_attribute("data-measure"): float(row.get_attribute("data-median"))
             for row in driver.find_elements(By.CSS_SELECTOR, "#costs tbody tr")}
    return goals, costs


def cli_numbers(tmp_path, sets):
    out = tmp_path / "cli.h5"
    command = [str(EXECUTABLE), "run", "shandong-2015", "--compare", "no-policy", "-o", str(out),
               "--quiet"]
    for assignment in sets:
        command += ["--set", assignment]
    done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(subprocess.run([str(EXECUTABLE), "goals", "--json", str(out)],
                                       capture_output=True, text=True, check=True).stdout)
    goals = {g["id"]: [g["share_met"], g["share_met_low"], g["share_met_high"]]
             for g in report["goals"]}
    costs = {m["name"]: m["median"] for m in report["comparison"]}
    return goals, costs


def test_a_lever_changed_on_the_page_matches_the_cli_and_its_share_link_reopens_it(
        plan_server, browser, tmp_path):
    serve_support.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    first = browser()
    first.get(plan_server.url)
    baseline_job = wait_until_done(first)
    first.save_screenshot(str(serve_support.SCREENSHOTS / "serve-baseline.png"))

    # The page's own controls: the HNTE rate cut to 10% from 2016 on.
    control = first.find_element(By.CSS_SELECTOR, f'input.value[data-key="{LEVER}"]')
    first.execute_script("arguments[0].scrollIntoView()", control)
    control.send_keys("0.1")
    Select(first.find_element(By.CSS_SELECTOR, f'select.from[data-key="{LEVER}"]')) \
        .select_by_value("2016")
    changed_job = wait_until_done(first, other_than=baseline_job)
    first.save_screenshot(str(serve_support.SCREENSHOTS / "serve-lever-changed.png"))
    command = first.find_element(By.ID, "command").text
    assert f"--set '{EXPECTED_SET}'" in command

    page = shown_numbers(first)
    assert set(page[0]) == {"G1", "G2", "G3", "G4"}
    assert page == cli_numbers(tmp_path, [EXPECTED_SET])
    # Shown as a percentage with its interval, from the same numbers.
    g4 = first.find_element(By.CSS_SELECTOR, '#goals tr[data-goal="G4"] td.num').text
    shown = [float(x) for x in re.findall(r"([0-9.]+)%", g4)]
    assert len(shown) == 3
    assert all(abs(a - 100 * b) <= 0.05 for a, b in zip(shown, page[0]["G4"]))

    # The share link in a fresh session: the same lever settings, the same job, the same numbers.
    share = first.current_url
    assert "set=policy.hnte_tax_rate%3D0.1%402016" in share and "seed=20150123" in share
    second = browser()
    second.get(share)
    assert wait_until_done(second) == changed_job
    assert second.find_element(By.CSS_SELECTOR, f'input.value[data-key="{LEVER}"]') \
        .get_attribute("value") == "0.1"
    assert Select(second.find_element(By.CSS_SELECTOR, f'select.from[data-key="{LEVER}"]')) \
        .first_selected_option.get_attribute("value") == "2016"
    assert shown_numbers(second) == page
    second.save_screenshot(str(serve_support.SCREENSHOTS / "serve-share-link.png"))


def test_saved_scenarios_sit_side_by_side(plan_server, browser):
    driver = browser()
    driver.get(plan_server.url)
    wait_until_done(driver)
    driver.find_element(By.ID, "save").click()
    baseline_job = driver.find_element(By.ID, "status").get_attribute("data-job")
    control = driver.find_element(By.CSS_SELECTOR,
                                  'input.value[data-key="policy.guide_fund.capital_per_year"]')
    driver.execute_script("arguments[0].scrollIntoView()", control)
    control.send_keys("4e8")
    control.send_keys("\t")  # the change event fires when the field loses focus
    wait_until_done(driver, other_than=baseline_job)
    driver.find_element(By.ID, "save").click()
    table = driver.find_element(By.ID, "compare-table")
    headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "tr:first-child th")]
    assert [h.split()[0] for h in headers[1:]] == ["S1", "S2"]
    text = table.text
    assert "policy.guide_fund.capital_per_year=400000000" in text
    assert "G1 chance met" in text and "output_per_public_yuan" in text
    assert len(driver.find_elements(By.CSS_SELECTOR, "#compare-fan path")) >= 4
    driver.execute_script(
        "document.getElementById('compare').scrollIntoView()")
    driver.save_screenshot(str(serve_support.SCREENSHOTS / "serve-side-by-side.png"))
