"""What the web app's tests use (fixtures are made from these in the test files): a running `clustersim serve`, plain HTTP requests to it, and
headless Chromium sessions (Debian's chromium and chromium-driver through python3-selenium)."""
import json
import os
import pathlib
import queue
import signal
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request

from conftest import EXECUTABLE, SOURCE_DIR

SCREENSHOTS = pathlib.Path(os.environ.get("CLUSTERSIM_SCREENSHOTS",
                                          EXECUTABLE.parents[1] / "web"))
START_TIMEOUT = 60


class Server:
    """One `clustersim serve` process: its address, token and output."""

    def __init__(self, *args, cwd):
        self.process = subprocess.Popen([str(EXECUTABLE), "serve", "--port", "0", *map(str, args)],
                                        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        lines = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.process.stdout.readline()),
                         daemon=True).start()
        try:
            first = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            self.stop()
            raise AssertionError("clustersim serve printed no address")
        assert first.startswith("clustersim serve: "), first + self.process.stderr.read()
        self.url = first.split(" at ")[1].strip()
        parts = urllib.parse.urlsplit(self.url)
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.token = urllib.parse.parse_qs(parts.query)["token"][0]

    def request(self, path, params=None, body=None, headers=None, token=True):
        """(status, body bytes, headers) of one request; `token` False leaves it out."""
        query = dict(params or {})
        if token:
            query["token"] = self.token
        url = self.base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
        headers = dict(headers or {})
        if data is not None:
            headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(url, data=data, headers=headers,
                                         method="POST" if data is not None else "GET")
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers

    def run(self, request):
        """POSTs a run request; returns the reply (asserting 200)."""
        status, body, _ = self.request("/api/run", body=request)
        assert status == 200, body
        return json.loads(body)

    def stream(self, job):
        """The job's server-sent events as they come, (event, data) pairs, up to its end."""
        url = self.base + "/api/events?" + urllib.parse.urlencode({"token": self.token,
                                                                   "job": job})
        event = None
        with urllib.request.urlopen(url, timeout=300) as stream:
            for raw in stream:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[len("event: "):]
                elif line.startswith("data: "):
                    yield event, json.loads(line[len("data: "):])
                    if event == "end":
                        return

    def events(self, job):
        """All the job's server-sent events, once it has ended."""
        return list(self.stream(job))

    def stop(self, sig=signal.SIGINT, timeout=30):
        """Stops it with `sig`; returns (exit code, stderr)."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        return code, self.process.stderr.read()


def small_server(cwd):
    """The small test world with its levers against itself without them: fast runs."""
    data = SOURCE_DIR / "tests" / "data"
    return Server(data / "small-levers.yaml", "--compare", data / "small.yaml", cwd=cwd)


def browsers():
    """A generator of a factory of fresh headless Chromium sessions, each closed at the end;
    it fails if a page it opened logged a console error (use it as a pytest fixture)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    sessions = []

    def open_session():
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                         "--window-size=1400,1800", "--disable-gpu"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        sessions.append(driver)
        return driver

    yield open_session
    errors = []
    for driver in sessions:
        errors += [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        driver.quit()
    assert not errors, f"console errors: {errors}"
