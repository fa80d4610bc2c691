#!/usr/bin/env python3
"""soak.py: a real supd under load for a bounded time (make soak).

500 workers (some crash-looping, kept under intensity by their own
supervisors, some flooding their stdout), 50 concurrent clients on the
control socket issuing Status, Spawn, Stop and Events (follow), a few
sending garbage or stalling, and a Reload every 15 s.  Checked along the way and at the end:

  - every request is answered, or refused with an error: none unanswered
  - p99 Status latency (reported)
  - supd's RSS and fd count flat after warm-up (within a small bound)
  - no zombie left among supd's children
  - no acknowledged spawn lost; nothing acknowledged as stopped running

Prints a summary table; exits 1 when a check failed.
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

IFACE = "io.supd.Supervisor."
REPLY_TIMEOUT = 60.0      # seconds a request may wait for its answer


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=300.0)
    ap.add_argument("--supd", default="build/daemon/supd")
    ap.add_argument("--supctl", default="build/cli/supctl")
    ap.add_argument("--workers", type=int, default=500)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--rss-bound-kb", type=int, default=16 * 1024,
                    help="RSS growth allowed after warm-up")
    ap.add_argument("--fd-bound", type=int, default=16,
                    help="fd growth allowed after warm-up")
    ap.add_argument("--keep", action="store_true", help="keep the directory")
    ap.add_argument("--verbose", action="store_true", help="supd -v (its log is kept on failure)")
    return ap.parse_args()


def make_config(d, nworkers):
    """Groups of plain workers, crash-loopers under their own supervisors, flooders."""
    crashers, flooders = 10, 4
    plain = nworkers - crashers - flooders
    groups = 10
    lines = [
        "[supd]", "max_clients = 256", "idle_timeout = 20000",
        "log_max_bytes = 1048576", "log_backups = 1", "",
        "[supervisor:root]", "max_restarts = 100", "max_seconds = 10", "",
    ]
    for g in range(groups):
        lines += ["[supervisor:g%d]" % g, "parent = root", "max_restarts = 10",
                  "max_seconds = 10", ""]
    for i in range(plain):
        lines += ["[worker:w%d]" % i, "parent = g%d" % (i % groups),
                  "command = /bin/sleep 1000000", ""]
    # each crash-looper fails every ~1.5 s: its supervisor allows 100 in 10 s
    for i in range(crashers):
        lines += ["[supervisor:cs%d]" % i, "parent = root", "max_restarts = 100",
                  "max_seconds = 10", "",
                  "[worker:crash%d]" % i, "parent = cs%d" % i,
                  "command = /bin/sh -c 'sleep 1.%d; echo dying >&2; exit 3'" % i,
                  ""]
    # about a megabyte a second each, in bursts
    for i in range(flooders):
        lines += ["[worker:flood%d]" % i, "parent = root",
                  "command = /bin/sh -c 'while :; do head -c 100000 /dev/zero | "
                  "tr \"\\000\" x; echo; sleep 0.1; done'", ""]
    lines += ["[dynamic:dyn]", "parent = root", "max_children = 2000",
              "max_restarts = 100", "max_seconds = 10",
              "command = /bin/sleep 1000000", ""]
    path = os.path.join(d, "supd.ini")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return path


class Conn:
    """One varlink connection: calls with a NUL after each message."""

    def __init__(self, path, timeout=REPLY_TIMEOUT):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""

    def send_raw(self, b):
        self.s.sendall(b)

    def call(self, method, params=None, more=False):
        msg = {"method": IFACE + method, "parameters": params or {}}
        if more:
            msg["more"] = True
        self.s.sendall(json.dumps(msg).encode() + b"\0")

    def reply(self, parse=True):
        """The next message, or None at end of file; socket.timeout if none.
        parse=False: only whether it is an error ({"error": name} or {})."""
        scan = 0
        while True:
            i = self.buf.find(b"\0", scan)
            if i >= 0:
                break
            scan = len(self.buf)
            chunk = self.s.recv(262144)
            if not chunk:
                return None
            self.buf += chunk
        m, self.buf = self.buf[:i], self.buf[i + 1:]
        if parse:
            return json.loads(m)
        # a Status reply is large: the client's CPU is not what is measured
        if m.startswith(b'{"error"'):
            return json.loads(m)
        return {}

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = {}
        self.answered = {}
        self.errors = {}
        self.unanswered = []
        self.status_ms = []
        self.acked_spawn = set()
        self.acked_stop = set()
        self.in_doubt = set()     # a Stop without an answer: either way is right
        self.events = 0
        self.garbage_answered = 0
        self.garbage_closed = 0
        self.stalls_closed = 0
        self.failures = []

    def add(self, field, key, n=1):
        with self.lock:
            d = getattr(self, field)
            d[key] = d.get(key, 0) + n

    def fail(self, why):
        with self.lock:
            self.failures.append(why)


def client_loop(sock, stats, stop, rng, cid):
    """Status most of the time; spawns and stops of dynamic children."""
    mine = []
    n = 0
    conn = None
    while not stop.is_set():
        if conn is None:
            try:
                conn = Conn(sock)
            except OSError as e:
                stats.add("errors", "connect: %s" % e.__class__.__name__)
                time.sleep(0.5)
                continue
        r = rng.random()
        try:
            if r < 0.6 or (r < 0.8 and not mine):
                method = "Status"
                t0 = time.monotonic()
                conn.call("Status")
            elif r < 0.8:
                method = "Stop"
                name = mine.pop(rng.randrange(len(mine)))
                conn.call("Stop", {"name": name})
            else:
                method = "Spawn"
                name = "c%d-%d" % (cid, n)
                n += 1
                conn.call("Spawn", {"supervisor": "dyn", "name": name})
            stats.add("sent", method)
            t_sent = time.monotonic()
            rep = conn.reply(parse=method != "Status")
        except socket.timeout:
            with stats.lock:
                stats.unanswered.append(method)
                if method == "Stop":
                    stats.in_doubt.add(name)
            conn.close()
            conn = None
            continue
        except OSError as e:
            # supd closed the connection: a refusal, not an answer lost,
            # only if it said why first; here it did not
            with stats.lock:
                stats.unanswered.append("%s (%s)" % (method, e.__class__.__name__))
                if method == "Stop":
                    stats.in_doubt.add(name)
            conn.close()
            conn = None
            continue
        if rep is None:
            with stats.lock:
                stats.unanswered.append(method + " (closed after %.0f s)" % (
                    time.monotonic() - t_sent))
                if method == "Stop":
                    stats.in_doubt.add(name)
            conn.close()
            conn = None
            continue
        stats.add("answered", method)
        if "error" in rep:
            stats.add("errors", rep["error"].rsplit(".", 1)[-1])
            if method == "Stop":
                # not stopped: it may still run (a busy supervisor); keep it
                mine.append(name)
        elif method == "Status":
            with stats.lock:
                stats.status_ms.append((time.monotonic() - t0) * 1000.0)
        elif method == "Spawn":
            with stats.lock:
                stats.acked_spawn.add(name)
            mine.append(name)
        elif method == "Stop":
            with stats.lock:
                stats.acked_stop.add(name)
        time.sleep(rng.uniform(0.02, 0.2))
    if conn is not None:
        conn.close()


def follower(sock, stats, stop, rng, slow):
    """Events follow; a slow one reads now and then (supd may cut it off)."""
    while not stop.is_set():
        try:
            conn = Conn(sock, timeout=1.0)
            conn.call("Events", {"follow": True}, more=True)
            stats.add("sent", "Events")
            first = True
            while not stop.is_set():
                try:
                    rep = conn.reply()
                except socket.timeout:
                    continue
                if rep is None:
                    break
                if first:
                    stats.add("answered", "Events")
                    first = False
                if "error" in rep:
                    stats.add("errors", rep["error"].rsplit(".", 1)[-1])
                    break
                with stats.lock:
                    stats.events += 1
                if slow:
                    time.sleep(0.5)
            conn.close()
        except OSError:
            time.sleep(0.2)


GARBAGE = [
    b"\0",
    b"not json\0",
    b"{\"method\":42}\0",
    b"[1,2,3]\0",
    b"{\"method\":\"io.supd.Supervisor.Status\",\"parameters\":[]}\0",
    b"{\"method\":\"io.supd.Supervisor.Nope\"}\0",
    b"{\"method\":\"io.supd.Supervisor.Spawn\",\"parameters\":{\"supervisor\":1}}\0",
    b"\xff\xfe\xfd\0",
    b"{" * 5000 + b"\0",
]


def garbage(sock, stats, stop, rng):
    """Bad messages, random bytes, a message past the size limit: answered or closed."""
    while not stop.is_set():
        try:
            conn = Conn(sock, timeout=REPLY_TIMEOUT)
            k = rng.random()
            if k < 0.6:
                conn.send_raw(rng.choice(GARBAGE))
            elif k < 0.8:
                conn.send_raw(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))) + b"\0")
            else:
                conn.send_raw(b"x" * (70 * 1024))
            stats.add("sent", "garbage")
            try:
                rep = conn.reply()
            except (OSError, ValueError):
                rep = None
            if rep is not None:
                stats.garbage_answered += 1
                stats.add("answered", "garbage")
            else:
                stats.garbage_closed += 1
                stats.add("answered", "garbage")   # closed: refused
            conn.close()
        except socket.timeout:
            with stats.lock:
                stats.unanswered.append("garbage")
        except OSError:
            pass
        time.sleep(rng.uniform(0.05, 0.3))


def staller(sock, stats, stop, rng):
    """Half a message, then silence; or a follow never read."""
    while not stop.is_set():
        try:
            conn = Conn(sock, timeout=1.0)
            if rng.random() < 0.5:
                conn.send_raw(b"{\"method\":\"io.supd.Supervisor.Sta")
            else:
                conn.call("Events", {"follow": True}, more=True)
                conn.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            deadline = time.monotonic() + 30
            while not stop.is_set() and time.monotonic() < deadline:
                time.sleep(0.5)
            conn.close()
        except OSError:
            time.sleep(0.5)


def reloader(sock, stats, stop, rng):
    """A reload (of the same file) every 15 s: under load, it changes nothing."""
    while not stop.wait(15.0):
        try:
            conn = Conn(sock)
            conn.call("Reload")
            stats.add("sent", "Reload")
            rep = conn.reply()
            conn.close()
        except socket.timeout:
            with stats.lock:
                stats.unanswered.append("Reload")
            continue
        except OSError:
            continue
        if rep is None:
            with stats.lock:
                stats.unanswered.append("Reload (closed)")
            continue
        stats.add("answered", "Reload")
        if "error" in rep:
            stats.add("errors", "Reload " + rep["error"].rsplit(".", 1)[-1])


def proc_sample(pid):
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    fds = len(os.listdir("/proc/%d/fd" % pid))
    zombies = 0
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                st = f.read()
        except OSError:
            continue
        rest = st[st.rfind(")") + 2:].split()
        if int(rest[1]) == pid and rest[0] == "Z":
            zombies += 1
    return rss, fds, zombies


def status_now(sock):
    conn = Conn(sock)
    conn.call("Status")
    rep = conn.reply()
    conn.close()
    return {c["name"]: c for c in rep["parameters"]["children"]}


def main():
    a = parse_args()
    for b in (a.supd, a.supctl):
        if not os.access(b, os.X_OK):
            sys.exit("soak: %s: not built (make build)" % b)
    d = tempfile.mkdtemp(prefix="supd-soak.")
    conf = make_config(d, a.workers)
    sock = os.path.join(d, "supd.sock")
    log = open(os.path.join(d, "supd.log"), "w")
    supd = subprocess.Popen([a.supd, "-c", conf, "-s", sock, "--state",
                             os.path.join(d, "state.db"), "--log-dir",
                             os.path.join(d, "log")] + (["-v"] if a.verbose else []),
                            stdout=log, stderr=log, start_new_session=True)
    stats = Stats()
    stop = threading.Event()
    threads = []
    ok = True
    try:
        for _ in range(600):
            if os.path.exists(sock) and supd.poll() is None:
                try:
                    st = status_now(sock)
                    if sum(1 for c in st.values() if c["pid"]) >= a.workers - 10:
                        break
                except (OSError, ValueError, KeyError):
                    pass
            if supd.poll() is not None:
                sys.exit("soak: supd exited %d at start; see %s/supd.log" % (supd.returncode, d))
            time.sleep(0.1)
        else:
            sys.exit("soak: supd's tree did not come up")

        time.sleep(2.0)
        quiet0 = proc_sample(supd.pid)     # fds with no client and no dynamic child
        rng = random.Random(os.getpid())
        nclients = a.clients
        roles = (["client"] * (nclients - 10) + ["follow"] * 4 + ["slow"] +
                 ["garbage"] * 3 + ["stall"] * 2 + ["reload"])
        for i, role in enumerate(roles):
            r = random.Random(rng.random())
            if role == "client":
                t = threading.Thread(target=client_loop, args=(sock, stats, stop, r, i))
            elif role in ("follow", "slow"):
                t = threading.Thread(target=follower, args=(sock, stats, stop, r, role == "slow"))
            elif role == "garbage":
                t = threading.Thread(target=garbage, args=(sock, stats, stop, r))
            elif role == "reload":
                t = threading.Thread(target=reloader, args=(sock, stats, stop, r))
            else:
                t = threading.Thread(target=staller, args=(sock, stats, stop, r))
            t.daemon = True
            t.start()
            threads.append(t)

        t_start = time.monotonic()
        warm = min(60.0, a.seconds * 0.25)
        samples = []     # (t, rss, fds, zombies)
        base = None
        while time.monotonic() - t_start < a.seconds:
            time.sleep(2.0)
            if supd.poll() is not None:
                stats.fail("supd exited %d during the soak" % supd.returncode)
                break
            s = proc_sample(supd.pid)
            t = time.monotonic() - t_start
            samples.append((t,) + s)
            if base is None and t >= warm:
                base = s
            if base is not None:
                if s[0] - base[0] > a.rss_bound_kb:
                    stats.fail("RSS grew %d kB after warm-up (t=%.0fs)" % (s[0] - base[0], t))
                    break
        stop.set()
        for t in threads:
            t.join(REPLY_TIMEOUT + 5)

        # the end: quiet, then the state against what was acknowledged
        alive = supd.poll() is None
        lost, stray = [], []
        zombies_end = -1
        crash_restarts = -1
        end = None
        if alive:
            time.sleep(3.0)
            end = proc_sample(supd.pid)
            zombies_end = end[2]
            st = status_now(sock)
            crash_restarts = sum(c.get("restarts", 0) for n, c in st.items()
                                 if n.startswith("crash"))
            if crash_restarts <= 0:
                stats.fail("the crash-loopers did not crash: no restart counted")
            for n in stats.acked_spawn - stats.acked_stop - stats.in_doubt:
                c = st.get(n)
                if c is None or not c["pid"]:
                    lost.append(n)
            for n in stats.acked_stop:
                if n in st and st[n]["pid"]:
                    stray.append(n)
            # back to the tree of the start: its fds are what supd had then
            conn = Conn(sock)
            for n, c in st.items():
                if n.startswith("c") and "-" in n:
                    conn.call("Stop", {"name": n})
                    conn.reply(parse=False)
            conn.close()
            time.sleep(3.0)
            end = proc_sample(supd.pid)
            if end[1] - quiet0[1] > a.fd_bound:
                stats.fail("fds: %d before the load, %d after it" % (quiet0[1], end[1]))
        else:
            stats.fail("supd is not running at the end")
        if stats.unanswered:
            stats.fail("%d requests unanswered: %s" % (len(stats.unanswered),
                       ", ".join(sorted(set(stats.unanswered)))))
        if lost:
            stats.fail("%d acknowledged spawns lost: %s" % (len(lost), " ".join(sorted(lost)[:10])))
        if stray:
            stats.fail("%d children acknowledged as stopped run: %s" % (len(stray), " ".join(stray[:10])))
        if zombies_end > 0:
            stats.fail("%d zombies among supd's children at the end" % zombies_end)
        if base is not None and end is not None and end[0] - base[0] > a.rss_bound_kb:
            stats.fail("RSS grew %d kB after warm-up" % (end[0] - base[0]))
        if base is None and alive:
            stats.fail("the soak ended before the warm-up did: no flatness check")

        lat = sorted(stats.status_ms)

        def pct(p):
            return lat[min(len(lat) - 1, int(len(lat) * p))] if lat else float("nan")
        maxz = max((s[3] for s in samples), default=0)
        rows = [
            ("duration", "%.0f s (warm-up %.0f s)" % (a.seconds, warm)),
            ("workers / clients", "%d / %d" % (a.workers, a.clients)),
        ]
        for m in ("Status", "Spawn", "Stop", "Events", "Reload", "garbage"):
            rows.append(("%s sent / answered" % m, "%d / %d" % (stats.sent.get(m, 0),
                         stats.answered.get(m, 0))))
        rows += [
            ("refused with an error", ", ".join("%s %d" % kv for kv in sorted(stats.errors.items())) or "0"),
            ("unanswered", str(len(stats.unanswered))),
            ("garbage: answered / closed", "%d / %d" % (stats.garbage_answered, stats.garbage_closed)),
            ("events received", str(stats.events)),
            ("crash-loop restarts (under intensity)", str(crash_restarts)),
            ("Status latency p50 / p99 / max", "%.1f / %.1f / %.1f ms" % (pct(0.5), pct(0.99), lat[-1] if lat else float("nan"))),
            ("acknowledged spawns / stops", "%d / %d" % (len(stats.acked_spawn), len(stats.acked_stop))),
            ("lost spawns / stopped running", "%d / %d" % (len(lost), len(stray))),
        ]
        if base is not None and end is not None:
            rows += [
                ("RSS warm-up -> end", "%d -> %d kB (bound +%d)" % (base[0], end[0], a.rss_bound_kb)),
                ("fds before -> most -> after the load", "%d -> %d -> %d (bound +%d)" % (
                    quiet0[1], max(s[2] for s in samples), end[1], a.fd_bound)),
            ]
        rows += [("zombies: most seen / at end", "%d / %d" % (maxz, zombies_end))]
        w = max(len(r[0]) for r in rows)
        print("soak summary")
        print("-" * (w + 40))
        for k, v in rows:
            print("%-*s  %s" % (w, k, v))
        print("-" * (w + 40))
        if stats.failures:
            ok = False
            for f in stats.failures:
                print("FAIL: " + f)
        else:
            print("PASS: every check held")
    finally:
        stop.set()
        if supd.poll() is None:
            supd.send_signal(signal.SIGTERM)
            try:
                supd.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(supd.pid, signal.SIGKILL)
                supd.wait()
        log.close()
        if ok and not a.keep:
            shutil.rmtree(d, ignore_errors=True)
        else:
            print("soak: kept %s" % d)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
