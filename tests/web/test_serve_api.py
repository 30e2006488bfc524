"""clustersim serve over plain HTTP: what it refuses (token, Host, Origin, oversized and bad
bodies, settings `--set` would refuse, with the same message), the equivalence of a job with
the command it names, assumptions applied to both sides, cancellation by a newer change, the
cache, downloads, several clients, and a clean stop on SIGINT. The small test world keeps the
runs short."""
import concurrent.futures
import json
import os
import subprocess

import pytest

import serve_support
from conftest import EXECUTABLE, SOURCE_DIR

DATA = SOURCE_DIR / "tests" / "data"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = serve_support.small_server(tmp_path_factory.mktemp("serve-small"))
    yield running
    running.stop()


def finished(server, reply):
    events = server.events(reply["job"])
    assert events[-1][0] == "end", events[-1]
    return events


@pytest.mark.parametrize("token", [None, "0" * 32, "short"])
def test_a_request_without_the_right_token_is_refused(server, token):
    params = {} if token is None else {"token": token}
    for path in ("/", "/api/setup", "/api/events"):
        status, body, _ = server.request(path, params=params, token=False)
        assert status == 401 and b"token" in body


def test_a_foreign_origin_or_host_is_refused(server):
    status, body, _ = server.request("/api/setup", headers={"Origin": "http://evil.example"})
    assert status == 403 and b"origin" in body
    status, _, _ = server.request("/api/run", body={"client": "x", "changes": []},
                                  headers={"Origin": "http://evil.example"})
    assert status == 403
    status, body, _ = server.request("/api/setup", headers={"Host": "evil.example"})
    assert status == 403 and b"Host" in body
    # Its own origin is served.
    own = server.base.replace("http://", "")
    assert server.request("/api/setup", headers={"Origin": server.base, "Host": own})[0] == 200


def test_bodies_are_bounded_and_checked(server):
    status, _, _ = server.request("/api/run", body=b"x" * (64 * 1024 + 1))
    assert status == 413
    # A form-encoded body has httplib's tighter bound (8 KiB).
    status, _, _ = server.request("/api/run", body=b"x" * 9000,
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413
    status, body, _ = server.request("/api/run", body=b"{not json")
    assert status == 400 and b"not JSON" in body
    # A number past a double's range (serve_fuzz found it answered with 500).
    status, body, _ = server.request("/api/run", body=b'{"client": "x", "seed": 1e999}')
    assert status == 400 and b"number overflow" in body
    for bad, words in [
        ({"changes": []}, "client"),
        ({"client": "x", "changes": "no"}, "must be a list"),
        ({"client": "x", "changes": [], "extra": 1}, "not a field"),
        ({"client": "x", "changes": [{"key": "policy.nothing", "value": 1}]}, "not a setting"),
        ({"client": "x", "changes": [{"key": "run.seed", "value": 1}]}, "has no control"),
        ({"client": "x", "changes": [{"key": "policy.hnte_tax_rate"}]}, "gives no value"),
        ({"client": "x", "changes": [{"key": "policy.hnte_tax_rate", "value": 0.1,
                                      "clusters": {"atlantis": 0.2}}]}, "not a cluster"),
        ({"client": "x", "changes": [], "replicates": 0}, "whole number"),
        ({"client": "x", "changes": [{"key": "policy.hnte_tax_rate", "value": 1}] * 201},
         "at most 200"),
    ]:
        status, body, _ = server.request("/api/run", body=bad)
        assert status == 400, bad
        assert words in json.loads(body)["error"], (bad, body)


def test_a_bad_value_gets_the_same_message_as_set(server, tmp_path):
    status, body, _ = server.request(
        "/api/run", body={"client": "x", "changes": [{"key": "policy.hnte_tax_rate",
                                                      "value": 2}]})
    assert status == 400
    cli = subprocess.run([str(EXECUTABLE), "validate", str(DATA / "small-levers.yaml"), "--set",
                          "policy.hnte_tax_rate=2"], capture_output=True, text=True)
    assert cli.returncode == 2
    assert json.loads(body)["error"] == cli.stderr.strip()


def test_controls_come_from_the_schema(server):
    status, body, _ = server.request("/api/setup")
    assert status == 200
    setup = json.loads(body)
    controls = {c["key"]: c for c in setup["controls"]}
    schema = subprocess.run([str(EXECUTABLE), "schema"], capture_output=True, text=True,
                            check=True).stdout
    numeric = {line.split("`")[1] for line in schema.splitlines()
               if line.startswith("| `") and line.split("|")[2].strip() in
               ("number", "integer", "boolean")
               and line.split("`")[1].split(".")[0] not in ("run", "world", "goals",
                                                            "calibration", "output")}
    assert set(controls) == numeric
    lever = controls["policy.guide_fund.capital_per_year"]
    assert lever["kind"] == "lever" and lever["family"] == "guide_fund"
    assert lever["unit"] == "yuan/year" and lever["by_date"] and lever["by_cluster"]
    assert "lever 6" in lever["description"]
    assert controls["talent.mobile_share"]["kind"] == "assumption"
    assert all(c["kind"] == ("lever" if k.startswith("policy.") else "assumption")
               for k, c in controls.items())
    assert [k["id"] for k in setup["clusters"]][:1] and setup["replicates"] == 4


def run_cli(tmp_path, reply):
    """The job's own command, run; the goals report of its file."""
    command = reply["command"].replace("-o result.h5", f"-o {tmp_path / 'cli.h5'} --quiet")
    done = subprocess.run(command.replace("clustersim ", f"{EXECUTABLE} ", 1), shell=True,
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(subprocess.run([str(EXECUTABLE), "goals", "--json", str(tmp_path / "cli.h5")],
                                     capture_output=True, text=True, check=True).stdout)


def test_an_assumption_applies_to_both_sides_and_the_command_says_so(server, tmp_path):
    reply = server.run({"client": "assume", "replicates": 6, "changes": [
        {"key": "talent.mobile_share", "value": 0.3},
        {"key": "policy.guide_fund.capital_per_year", "value": 3e8,
         "clusters": {"beta": 5e8}}]})
    assert reply["compare_sets"] == ["talent.mobile_share=0.3"]
    assert "--compare-set talent.mobile_share=0.3" in reply["command"]
    assert "policy.guide_fund.capital_per_year={default: 300000000, beta: 500000000}" \
        in reply["sets"]
    events = finished(server, reply)
    end = events[-1][1]
    assert end["state"] == "done" and end["replicates_done"] == 6
    assert end["summary"]["goals"] == run_cli(tmp_path, reply)
    # Partial results carry as many replicates as they say.
    for _, data in events[:-1]:
        if "summary" in data:
            assert data["summary"]["replicates_done"] == data["summary"]["goals"]["goals"][0][
                "replicates"]


def test_a_finished_job_is_cached_and_downloads_its_result_and_report(server, tmp_path):
    request = {"client": "cache", "seed": 11, "changes": []}
    first = server.run(request)
    finished(server, first)
    again = server.run(dict(request, client="another"))
    assert again["job"] == first["job"] and again["state"] == "done"
    status, h5, headers = server.request("/api/result.h5", params={"job": first["job"]})
    assert status == 200 and h5.startswith(b"clustersim seal 1")
    assert "attachment" in headers["Content-Disposition"]
    (tmp_path / "down.h5").write_bytes(h5)
    from_file = json.loads(subprocess.run([str(EXECUTABLE), "goals", "--json",
                                           str(tmp_path / "down.h5")],
                                          capture_output=True, text=True, check=True).stdout)
    assert from_file == server.events(first["job"])[-1][1]["summary"]["goals"]
    status, html, _ = server.request("/api/report.html", params={"job": first["job"]})
    assert status == 200 and b"<svg" in html and b"G1" in html and b"<script" not in html
    assert server.request("/api/result.h5", params={"job": "nope"})[0] == 404


def test_a_newer_change_cancels_the_run_in_flight(server):
    slow = server.run({"client": "fickle", "replicates": 3000, "changes": []})
    newer = server.run({"client": "fickle", "replicates": 5, "changes": []})
    assert server.events(slow["job"])[-1][1]["state"] == "cancelled"
    assert finished(server, newer)[-1][1]["state"] == "done"
    # A cancelled job runs again when asked for again.
    again = server.run({"client": "fickle", "replicates": 3000, "changes": []})
    assert again["job"] == slow["job"] and again["state"] == "running"
    server.run({"client": "fickle", "replicates": 5, "changes": []})


def test_several_clients_run_at_once(server):
    requests = [{"client": f"c{i}", "seed": 100 + i, "replicates": 8, "changes": []}
                for i in range(3)]
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        ends = list(pool.map(lambda r: finished(server, server.run(r))[-1][1], requests))
    assert [e["state"] for e in ends] == ["done"] * 3
    assert len({e["key"] for e in ends}) == 3


def test_sigint_stops_it_cleanly_even_with_a_run_in_flight(tmp_path):
    running = serve_support.small_server(tmp_path)
    running.run({"client": "x", "replicates": 3000, "changes": []})
    code, stderr = running.stop()
    assert code == 0, stderr
    assert "stopped by signal 2" in stderr


def test_an_address_in_use_is_a_clear_error(server, tmp_path):
    port = server.base.rsplit(":", 1)[1]
    done = subprocess.run([str(EXECUTABLE), "serve", "--port", port], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr


def test_replicates_are_capped_by_the_memory_check(tmp_path):
    """The plan at 100,000 replicates needs about 41 GB for the two ensembles' metrics."""
    plan = serve_support.Server(cwd=tmp_path)
    try:
        setup = json.loads(plan.request("/api/setup")[1])
        metrics = 46  # the model's metrics, as the small world's result file lists them
        replicates = 100000
        needed = 2 * 8 * metrics * replicates * len(setup["quarters"]) * len(setup["clusters"])
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        status, body, _ = plan.request("/api/run", body={"client": "big", "changes": [],
                                                         "replicates": replicates})
        if needed <= 0.8 * physical:
            pytest.skip(f"this machine has room for {needed / 1e9:.0f} GB")
        assert status == 400
        message = json.loads(body)["error"]
        assert "key 'run.replicates'" in message
        assert "the metrics of the ensemble and its counterfactual" in message
    finally:
        plan.stop()


def test_at_most_four_run_at_once_and_the_eight_last_asked_for_are_kept(tmp_path):
    own = serve_support.small_server(tmp_path)
    try:
        slow = [own.run({"client": f"slow{i}", "replicates": 5000, "seed": i, "changes": []})
                for i in range(4)]
        status, body, _ = own.request("/api/run", body={"client": "fifth", "replicates": 5000,
                                                        "changes": []})
        assert status == 503 and "busy" in json.loads(body)["error"]
        newer = [own.run({"client": f"slow{i}", "replicates": 2, "seed": 1000 + i,
                          "changes": []})
                 for i in range(4)]  # each client's next change cancels its slow run
        for reply in slow:
            assert own.events(reply["job"])[-1][1]["state"] == "cancelled"
        for reply in newer:  # four slots free again, however slow the machine
            assert own.events(reply["job"])[-1][1]["state"] == "done"
        finished_jobs = []
        for i in range(9):
            reply = own.run({"client": "many", "replicates": 2, "seed": 2000 + i, "changes": []})
            assert own.events(reply["job"])[-1][1]["state"] == "done"
            finished_jobs.append(reply["job"])
        # The four two-replicate runs above and these nine: the least recently asked for go.
        assert own.request("/api/result.h5", params={"job": finished_jobs[0]})[0] == 404
        for job in finished_jobs[1:]:
            assert own.request("/api/result.h5", params={"job": job})[0] == 200, job
    finally:
        own.stop()


def test_a_lever_change_reuses_the_counterfactual_and_matches_its_command(server, tmp_path):
    base = server.run({"client": "reuse", "seed": 31, "replicates": 6, "changes": []})
    assert finished(server, base)[-1][1]["counterfactual_reused"] is False
    lever = server.run({"client": "reuse", "seed": 31, "replicates": 6, "changes": [
        {"key": "policy.hnte_tax_rate", "value": 0.1, "from": 2015}]})
    end = finished(server, lever)[-1][1]
    assert end["state"] == "done" and end["counterfactual_reused"] is True
    assert end["summary"]["goals"] == run_cli(tmp_path, lever)
    # An assumption changes the counterfactual: simulated afresh.
    assumption = server.run({"client": "reuse", "seed": 31, "replicates": 6, "changes": [
        {"key": "talent.mobile_share", "value": 0.2}]})
    assert finished(server, assumption)[-1][1]["counterfactual_reused"] is False
