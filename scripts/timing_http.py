#!/usr/bin/env python3
"""Unknown user vs wrong password at the HTTP level: does POST /api/login take as long for a
username that does not exist as for one that does with the wrong password?

Starts the portal binary (given as the first argument) with --demo on a fresh database in a
temporary directory, on 127.0.0.1 with a free port, and sends rounds of three requests in a
random order over one keep-alive connection: the demo user "alice" with a wrong password, an
unknown username with the same wrong password, and alice's wrong password again (a control:
the same request twice shows the noise floor). Each must answer 401 BadCredentials. Prints the
medians and Welch's t (slowest tenth of all samples dropped), per run; exits 1 only on a gross
leak: |t| > 10 between wrong password and unknown user in every run.

    scripts/timing_http.py SERVER_BINARY [ROUNDS_PER_RUN] [RUNS]

Only the loopback address is ever contacted.
"""

import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

GROSS = 10.0
WRONG = json.dumps({"username": "alice", "password": "not the password"})
UNKNOWN = json.dumps({"username": "nobody-here", "password": "not the password"})
HEADERS = {"Content-Type": "application/json", "X-Secure-Login": "1"}


def start(binary, workdir):
    www = os.path.join(workdir, "www")
    pkg = os.path.join(workdir, "pkg")
    os.makedirs(www)
    os.makedirs(pkg)
    server = subprocess.Popen(
        [binary, "--addr", "127.0.0.1:0", "--db", os.path.join(workdir, "timing.sqlite3"),
         "--www", www, "--pkg", pkg, "--demo",
         # Every round is a wrong password: keep the password throttle out of the measurement
         # (it does the same work for both classes; here it would only answer 429).
         "--password-free-failures", "1000000", "--source-free-failures", "1000000",
         # ... nor its slow phase from the 100th failure in a row (each run sends more).
         "--password-slow-after", "1000000"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    for line in server.stdout:
        found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if found:
            # Keep reading what it prints, so a full pipe never stalls it.
            threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
            return server, int(found.group(1))
        if time.monotonic() > deadline:
            break
    server.kill()
    raise SystemExit("the server did not say where it listens")


def post(conn, body):
    start = time.perf_counter_ns()
    conn.request("POST", "/api/login", body=body, headers=HEADERS)
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter_ns() - start
    if response.status != 401 or b"BadCredentials" not in data:
        raise SystemExit(f"expected 401 BadCredentials, got {response.status} {data[:200]!r}")
    return elapsed / 1e6  # milliseconds


def welch(a, b):
    va, vb = statistics.variance(a), statistics.variance(b)
    return (statistics.mean(a) - statistics.mean(b)) / ((va / len(a) + vb / len(b)) ** 0.5)


def cropped(samples, cut):
    return [t for t in samples if t <= cut]


def run(port, rounds):
    """`rounds` rounds of three requests in random order: wrong password, unknown user, and wrong
    password again (the control: its difference from the first is the noise floor)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(10):  # warm-up
        post(conn, WRONG)
        post(conn, UNKNOWN)
    samples = {"wrong": [], "unknown": [], "control": []}
    bodies = {"wrong": WRONG, "unknown": UNKNOWN, "control": WRONG}
    for _ in range(rounds):
        order = list(bodies)
        random.shuffle(order)
        for name in order:
            samples[name].append(post(conn, bodies[name]))
    conn.close()
    everything = sorted(t for times in samples.values() for t in times)
    cut = everything[int(len(everything) * 0.9)]
    return {name: cropped(times, cut) for name, times in samples.items()}


def line(what, a, b):
    t = welch(a, b)
    ma, mb = statistics.median(a), statistics.median(b)
    return t, (f"{what}: medians {ma:.2f} / {mb:.2f} ms (difference {mb - ma:+.2f} ms), "
               f"Welch t = {t:+.2f} (n = {len(a)} / {len(b)})")


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    with tempfile.TemporaryDirectory() as workdir:
        server, port = start(binary, workdir)
        try:
            print(f"POST /api/login, {rounds} rounds per run of wrong password, unknown user and "
                  f"wrong password again (order random in each round; slowest 10% dropped), "
                  f"{runs} runs")
            all_gross = True
            for number in range(1, runs + 1):
                got = run(port, rounds)
                t, text = line("wrong password vs unknown user", got["wrong"], got["unknown"])
                all_gross &= abs(t) > GROSS
                print(f"run {number}: {text}")
                _, text = line("control, wrong password vs itself", got["wrong"], got["control"])
                print(f"run {number}: {text}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    if all_gross:
        print(f"timing leak: |t| > {GROSS} in every run", file=sys.stderr)
        sys.exit(1)
    print(f"no gross leak: |t| <= {GROSS} in at least one run")


if __name__ == "__main__":
    main()
