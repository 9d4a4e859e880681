"""The fault harness's clients (bench/faults.py): advisers reading and writing through HTTP, pairs saving one
plan section at the same instant, and a /healthz probe. Every request is recorded with its start, end and answer."""
import random
import re
import threading
import time
import urllib.parse
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from http.client import HTTPConnection, HTTPException
from http.cookies import SimpleCookie
from zoneinfo import ZoneInfo

import pyotp

from bench.run import Browser

PASSWORD = "bench faults long passphrase"
UK = ZoneInfo("Europe/London")
# What an adviser does next, and how often (weights).
ACTIONS = {"caseload": 15, "customer page": 15, "plan version page": 15, "week of hours": 15,
           "add hours": 25, "save plan section": 15}
SECTION = "length"
SECTION_FIELD = "length_rationale"
# Written into every hours entry's description and plan text: the run, the kind, the adviser, the sequence.
MARKER = re.compile(r"F\d{6}-[hp]-u\d+-n\d+")


# Forms in pages --------------------------------------------------------------------------------------------------

class Forms(HTMLParser):
    """The forms of a page: action, method, inputs, selects (options) and textareas."""

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._select, self._textarea = [], None, None, None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                          "inputs": {}, "selects": {}, "textareas": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image") or (kind in ("checkbox", "radio") and "checked" not in a):
                return
            self._form["inputs"][a["name"]] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["selects"][self._select] = []
        elif tag == "option" and self._select:
            self._form["selects"][self._select].append(a.get("value") or "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["textareas"][self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["textareas"][self._textarea] += data

    def with_field(self, name):
        return next((f for f in self.forms if f["method"] == "post" and (
            name in f["inputs"] or name in f["selects"] or name in f["textareas"])), None)


# HTTP ------------------------------------------------------------------------------------------------------------

class Recorder:
    """Every request: when it started and ended (s from the start of the load), what, and how it was answered."""

    def __init__(self, origin, run):
        self.origin = origin
        self.run = run  # the marker's prefix: "F" and the UTC time the load started
        self.requests = []
        self.writes = []     # hours entries and plan saves: marker, answer, times
        self.readbacks = []  # a plan section's text as an adviser's next form showed it
        self.pairs = []

    def now(self):
        return time.monotonic() - self.origin


def http(port, method, path, cookie=None, form=None, timeout=40.0, cookies=None):
    """(status or 'timeout' / 'no answer' / 'refused', Location, body). `cookies`, a dict, takes Set-Cookie."""
    connection = HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Host": f"127.0.0.1:{port}"}
    if cookie:
        headers["Cookie"] = cookie
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        if cookies is not None:
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    cookies.update({k: m.value for k, m in SimpleCookie(value).items()})
        return response.status, response.getheader("Location") or "", body
    except TimeoutError:
        return "timeout", "", ""
    except ConnectionRefusedError:
        return "refused", "", ""
    except (HTTPException, OSError):
        return "no answer", "", ""
    finally:
        connection.close()


class Adviser:
    def __init__(self, facts, port, recorder, timeout, seed):
        self.facts, self.port, self.recorder, self.timeout = facts, port, recorder, timeout
        self.rng = random.Random(seed)
        self.cookies = {}
        self.seq = 0

    @property
    def cookie(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def sign_in(self):
        browser = Browser(self.port)
        for _attempt in range(3):
            token = browser.csrf("/sign-in")
            status, headers, _ = browser.go("POST", "/sign-in", {"csrf_token": token, "email": self.facts["email"],
                                                                  "password": PASSWORD})
            if status != 302:
                raise SystemExit(f"{self.facts['email']}: password step refused ({status})")
            token = browser.csrf("/sign-in/code")
            code = pyotp.TOTP(self.facts["secret"]).now()
            status, headers, _ = browser.go("POST", "/sign-in/code", {"csrf_token": token, "code": code})
            if status == 302 and "/sign-in" not in headers.get("location", "/sign-in"):
                browser.go("GET", "/caseload/")  # the session gets its CSRF token, as in a browser
                self.cookies = dict(browser.cookies)
                return
            time.sleep(1)  # a code at the edge of its 30 s step: try the next one
        raise SystemExit(f"{self.facts['email']}: TOTP step refused")

    def go(self, page, method, path, form=None):
        began = self.recorder.now()
        status, location, body = http(self.port, method, path, self.cookie, form, self.timeout, self.cookies)
        self.recorder.requests.append({"t0": began, "t1": self.recorder.now(), "page": page, "method": method,
                                       "status": status})
        return status, location, body

    def marker(self, kind):
        self.seq += 1
        return f"{self.recorder.run}-{kind}-u{self.facts['n'] + 1}-n{self.seq}"

    # Pages.
    def week_path(self, day):
        monday = day - timedelta(days=day.weekday())
        f = self.facts
        return f"/customers/{f['customer_id']}/referrals/{f['referral_id']}/hours/{monday.isoformat()}"

    def a_day(self):
        today = datetime.now(UK).date()
        first = max(date.fromisoformat(self.facts["started_on"]), today - timedelta(days=20))
        return first + timedelta(days=self.rng.randint(0, (today - first).days))

    def section_path(self, facts=None):
        f = facts or self.facts
        return f"/customers/{f['customer_id']}/plan/{f['version_id']}/sections/{SECTION}"

    def read(self, action):
        f = self.facts
        path = {"caseload": "/caseload/", "customer page": f"/customers/{f['customer_id']}",
                "plan version page": f"/customers/{f['customer_id']}/plan/{f['version_id']}",
                "week of hours": self.week_path(self.a_day())}[action]
        self.go(action, "GET", path)

    def add_hours(self, think):
        """Open a week, fill in the form, add a quarter hour with a unique marker in the description."""
        day = self.a_day()
        path = self.week_path(day)
        status, _location, page = self.go("week of hours", "GET", path)
        form = Forms(page).with_field("description") if status == 200 else None
        if form is None:
            return
        values = dict(form["inputs"])
        choose = {name: [v for v in options if v] for name, options in form["selects"].items()}
        marker = self.marker("h")
        values.update({
            "on": day.isoformat(), "activity": self.rng.choice(choose.get("activity") or [""]),
            "source": "provider", "mode": (choose.get("mode") or [""])[0], "hours": "0.25",
            "objective": (choose.get("objective") or [""])[0], "source_name": "",
            "description": f"{marker}: fault harness session",
        })
        self.pause(think)
        began = self.recorder.now()
        status, location, _body = self.go("add hours (POST)", "POST", form["action"].split("#")[0] or path, values)
        self.recorder.writes.append({"kind": "hours", "marker": marker, "user": self.facts["n"], "status": status,
                                     "acknowledged": status == 302, "t0": began, "t1": self.recorder.now()})

    def open_section(self, facts=None, page="plan section form"):
        """GET a section form: (its form or None, the marker the text shows). Records the read-back."""
        began = self.recorder.now()
        status, _location, body = self.go(page, "GET", self.section_path(facts))
        form = Forms(body).with_field(SECTION_FIELD) if status == 200 else None
        if form is None:
            return None
        seen = MARKER.search(form["textareas"].get(SECTION_FIELD, ""))
        self.recorder.readbacks.append({"version_id": (facts or self.facts)["version_id"], "t0": began,
                                        "marker": seen.group(0) if seen else None})
        return form

    def post_section(self, form, facts=None, page="save plan section (POST)", pair=None):
        marker = self.marker("p")
        values = dict(form["inputs"])
        values[SECTION_FIELD] = f"{marker}: why this length of time on the programme, written under load"
        began = self.recorder.now()
        status, _location, body = self.go(page, "POST", self.section_path(facts), values)
        write = {"kind": "plan", "marker": marker, "user": self.facts["n"], "version_id": (facts or self.facts)["version_id"],
                 "status": status, "acknowledged": status == 302, "t0": began, "t1": self.recorder.now(),
                 "lock_seen": form["inputs"].get("lock_version"), "pair": pair,
                 "text_kept": status == 409 and marker in body}
        self.recorder.writes.append(write)
        return write

    def save_section(self, think):
        form = self.open_section()
        if form is not None:
            self.pause(think)
            self.post_section(form)

    def pause(self, think):
        """Filling in a form: a quarter to three quarters of the pause between actions."""
        time.sleep(self.rng.uniform(0.25, 0.75) * think)

    def run(self, stop, think):
        names, weights = list(ACTIONS), list(ACTIONS.values())
        stop.wait(self.rng.uniform(0, think))  # advisers do not all start at the same instant
        while not stop.is_set():
            action = self.rng.choices(names, weights)[0]
            if action == "add hours":
                self.add_hours(think)
            elif action == "save plan section":
                self.save_section(think)
            else:
                self.read(action)
            stop.wait(self.rng.uniform(0.5, 1.5) * think)


def run_pair(first, second, shared, stop, recorder, index):
    """Both advisers open the same section, then post it at the same instant (a barrier), every 5-10 s."""
    rng = random.Random(index)
    rounds = 0
    while not stop.is_set():
        rounds += 1
        forms = [first.open_section(shared, "plan section form (pair)"), second.open_section(shared, "plan section form (pair)")]
        if all(forms) and forms[0]["inputs"].get("lock_version") == forms[1]["inputs"].get("lock_version"):
            barrier, results = threading.Barrier(2, timeout=10), [None, None]

            def post(slot, adviser, form):
                try:
                    barrier.wait()
                except threading.BrokenBarrierError:
                    return
                results[slot] = adviser.post_section(form, shared, "save plan section (same instant)",
                                                     pair=f"{index}.{rounds}")

            threads = [threading.Thread(target=post, args=(slot, adviser, form), daemon=True)
                       for slot, (adviser, form) in enumerate(zip((first, second), forms))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(first.timeout + 15)
            if all(results):
                recorder.pairs.append({"pair": f"{index}.{rounds}", "version_id": shared["version_id"],
                                       "t0": min(r["t0"] for r in results),
                                       "statuses": [r["status"] for r in results],
                                       "text_kept": [r["text_kept"] for r in results]})
        stop.wait(rng.uniform(5, 10))


def probe_health(port, stop, recorder):
    """/healthz four times a second, each in its own thread (a hung probe must not hide the next one)."""
    outstanding = threading.Semaphore(24)

    def probe():
        try:
            began = recorder.now()
            status, _location, _body = http(port, "GET", "/healthz", timeout=30)
            recorder.requests.append({"t0": began, "t1": recorder.now(), "page": "/healthz", "method": "GET",
                                      "status": status})
        finally:
            outstanding.release()

    while not stop.wait(0.25):
        if outstanding.acquire(blocking=False):
            threading.Thread(target=probe, daemon=True).start()
