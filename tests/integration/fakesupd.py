#!/usr/bin/env python3
"""fakesupd.py — a stand-in for supd's control socket, for supctl's tests.

Speaks varlink (NUL-terminated JSON) on a UNIX socket and answers
io.supd.Supervisor calls from a small fixed model: a root supervisor with
workers web and db, a dynamic supervisor jobs with child w1 in group g.
Every call is appended to the --record file as one JSON line, so tests can
check what supctl sent.  Usage: fakesupd.py SOCKET RECORD
"""
import json
import os
import signal
import socket
import sys
import threading
import time

IFACE = "io.supd.Supervisor."
T0 = 1764110943000  # unix ms, a fixed "now" for started_at

CHILDREN = [
    {"name": "root", "type": "supervisor", "parent": None, "state": "running",
     "pid": None, "restarts": 0, "started_at": T0, "task": False, "groups": []},
    {"name": "web", "type": "worker", "parent": "root", "state": "running",
     "pid": 101, "restarts": 2, "started_at": T0, "task": False, "groups": ["g"],
     "cpu_ms": 1500, "rss_bytes": 64 << 20},
    {"name": "db", "type": "worker", "parent": "root", "state": "stopped",
     "pid": None, "restarts": 0, "started_at": None, "task": False, "groups": []},
    {"name": "jobs", "type": "dynamic", "parent": "root", "state": "running",
     "pid": None, "restarts": 0, "started_at": T0, "task": False, "groups": []},
    {"name": "w1", "type": "worker", "parent": "jobs", "state": "running",
     "pid": 201, "restarts": 0, "started_at": T0, "task": False, "groups": ["g"]},
    {"name": "bad", "type": "worker", "parent": "jobs", "state": "failed",
     "pid": None, "restarts": 5, "started_at": None, "task": False, "groups": []},
]

TREE = [
    {"name": "root", "type": "supervisor", "state": "running", "depth": 0,
     "pid": None, "strategy": "one_for_all", "max_restarts": 3,
     "max_seconds": 5, "window_use": 1, "children": None},
    {"name": "web", "type": "worker", "state": "running", "depth": 1,
     "pid": 101, "strategy": None, "max_restarts": None, "max_seconds": None,
     "window_use": None, "children": None},
    {"name": "pipe", "type": "supervisor", "state": "running", "depth": 1,
     "pid": None, "strategy": "rest_for_one", "max_restarts": 5,
     "max_seconds": 10, "window_use": 0, "children": None},
    {"name": "prod", "type": "worker", "state": "running", "depth": 2,
     "pid": 111, "strategy": None, "max_restarts": None, "max_seconds": None,
     "window_use": None, "children": None},
    {"name": "cons", "type": "worker", "state": "starting", "depth": 2,
     "pid": 112, "strategy": None, "max_restarts": None, "max_seconds": None,
     "window_use": None, "children": None},
    {"name": "db", "type": "worker", "state": "stopped", "depth": 1,
     "pid": None, "strategy": None, "max_restarts": None, "max_seconds": None,
     "window_use": None, "children": None},
    {"name": "jobs", "type": "dynamic", "state": "running", "depth": 1,
     "pid": None, "strategy": "one_for_one", "max_restarts": 10,
     "max_seconds": 60, "window_use": 0, "children": 2},
    {"name": "w1", "type": "worker", "state": "running", "depth": 2,
     "pid": 201, "strategy": None, "max_restarts": None, "max_seconds": None,
     "window_use": None, "children": None},
    {"name": "bad", "type": "worker", "state": "failed", "depth": 2,
     "pid": None, "strategy": None, "max_restarts": None, "max_seconds": None,
     "window_use": None, "children": None},
]

EVENTS = [
    {"seq": 1, "time": T0, "event": "start", "name": "web", "pid": 101},
    {"seq": 2, "time": T0 + 1, "event": "exit", "name": "web", "pid": 101,
     "code": 1, "normal": False},
    {"seq": 3, "time": T0 + 2, "event": "restart", "name": "web"},
    {"seq": 4, "time": T0 + 3, "event": "start_failed", "name": "bad",
     "reason": "exec: No such file or directory"},
    {"seq": 5, "time": T0 + 4, "event": "spawn", "name": "w1", "pid": 201},
]

SIGNALS = {"HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM", "STOP",
           "CONT", "1", "2", "3", "9", "10", "12", "15"}


class Model:
    def __init__(self):
        self.lock = threading.Lock()
        self.next_pid = 300
        self.tasks = {}
        self.ntask = 0


def err(_name, **params):
    return {"error": IFACE + _name, "parameters": params}


def ok(**params):
    return {"parameters": params}


def child(name):
    for c in CHILDREN:
        if c["name"] == name:
            return c
    return None


def m_status(m, p):
    names = p.get("names") or []
    for n in names:
        if child(n) is None:
            return err("NotFound", name=n)
    return ok(children=[c for c in CHILDREN if not names or c["name"] in names])


def m_inspect(m, p):
    if p["name"] == "hang":
        time.sleep(3600)
    c = child(p["name"])
    if c is None:
        return err("NotFound", name=p["name"])
    info = dict(c)
    info["spec"] = {"command": ["/bin/sleep", "1000"], "restart": "permanent",
                    "shutdown": 5000, "env": ["A=1", "B=2"]}
    info["last_exits"] = [{"code": 1, "signal": None, "at": T0 + 1}]
    return ok(info=info)


def m_start(m, p):
    c = child(p["name"])
    if c is None:
        return err("NotFound", name=p["name"])
    if c["state"] == "running":
        return err("AlreadyStarted", name=c["name"], pid=c["pid"])
    if c["name"] == "bad":
        return err("StartFailed", name="bad",
                   reason="exec /nonexistent: No such file or directory")
    return ok(name=c["name"], pid=555)


def m_stop(m, p):
    c = child(p["name"])
    if c is None:
        return err("NotFound", name=p["name"])
    if c["state"] != "running":
        return err("NotRunning", name=c["name"])
    return ok(name=c["name"], removed=c["parent"] == "jobs")


def m_restart(m, p):
    c = child(p["name"])
    if c is None:
        return err("NotFound", name=p["name"])
    return ok(name=c["name"], pid=556)


def m_signal(m, p):
    t, s = p["target"], p["signal"]
    if s.upper().removeprefix("SIG") not in SIGNALS:
        return err("InvalidSignal", signal=s)
    if t.startswith("@"):
        n = sum(1 for c in CHILDREN if t[1:] in c["groups"] and c["pid"])
        return ok(signalled=n)
    c = child(t)
    if c is None:
        return err("NotFound", name=t)
    if not c["pid"]:
        return err("NotRunning", name=t)
    return ok(signalled=1)


def m_spawn(m, p):
    sup, name = p["supervisor"], p["name"]
    c = child(sup)
    if c is None:
        return err("NotFound", name=sup)
    if c["type"] != "dynamic":
        return err("NotDynamic", name=sup)
    if name == "full":
        return err("MaxChildren", supervisor=sup, max=2)
    if name == "broken":
        return err("StartFailed", name=name,
                   reason="exec /usr/local/bin/job: No such file or directory")
    e = child(name)
    if e is not None:
        return err("AlreadyStarted", name=name, pid=e["pid"])
    with m.lock:
        m.next_pid += 1
        return ok(name=name, pid=m.next_pid)


def task_result(name, args, timeout):
    r = {"name": name, "state": "exited", "pid": 400, "code": 0,
         "signal": None, "exit_status": 0, "timed_out": False,
         "started_at": T0, "ended_at": T0 + 10}
    if args[:1] == ["exit"]:
        r["code"] = r["exit_status"] = int(args[1])
    elif args[:1] == ["kill"]:
        r["code"] = None
        r["signal"] = int(args[1])
        r["exit_status"] = 128 + int(args[1])
    elif args[:1] == ["sleep"] and timeout is not None:
        r["code"] = None
        r["signal"] = 15
        r["exit_status"] = 143
        r["timed_out"] = True
    elif args[:1] == ["forever"]:
        r["state"] = "running"
    elif args[:1] == ["fail"]:
        r.update(state="failed", pid=None, code=None, exit_status=None,
                 ended_at=None, reason="exec /nonexistent: No such file")
    return r


def m_run(m, p):
    sup = p["supervisor"]
    c = child(sup)
    if c is None:
        return err("NotFound", name=sup)
    if c["type"] != "dynamic":
        return err("NotDynamic", name=sup)
    with m.lock:
        m.ntask += 1
        name = p.get("name") or "jobs-task-%d" % m.ntask
        if name in m.tasks or child(name) is not None:
            return err("AlreadyStarted", name=name, pid=None)
        m.tasks[name] = task_result(name, p.get("args") or [], p.get("timeout"))
    return ok(name=name, pid=400)


def m_await(m, p):
    name = p["name"]
    with m.lock:
        r = m.tasks.get(name)
    if r is None:
        return err("NotFound", name=name)
    if r["state"] == "running":
        if p.get("timeout") is not None:
            time.sleep(p["timeout"] / 1000.0)
            return err("Timeout", name=name)
        time.sleep(3600)
    return ok(result=r)


def m_whereis(m, p):
    c = child(p["name"])
    if c is None:
        return err("NotFound", name=p["name"])
    if not c["pid"]:
        return err("NotRunning", name=p["name"])
    return ok(name=c["name"], pid=c["pid"])


def m_members(m, p):
    g = p["group"]
    return ok(members=[{"name": c["name"], "pid": c["pid"]} for c in CHILDREN
                       if g in c["groups"] and c["pid"]])


def m_metrics(m, p):
    return ok(text="# HELP supd_children Children by state.\n"
              "# TYPE supd_children gauge\n"
              "supd_children{state=\"running\"} 3\n")


def m_reload(m, p):
    check = bool(p.get("check"))
    return ok(check=check,
              added=[{"name": "cache", "type": "worker", "parent": "root"}],
              removed=[] if check else [{"name": "old", "type": "worker",
                                         "children": 0}],
              changed=[{"name": "web", "type": "worker",
                        "keys": ["command", "env"], "action": "restarted"}],
              settings=[{"key": "history_max", "applied": False}],
              failed=[], warnings=[])


def m_logs(m, p):
    if p["name"] in m.tasks:
        return ok(lines=[])     # a task's output: none, and the stream ends
    c = child(p["name"])
    if c is None:
        return err("NotFound", name=p["name"])
    lines = ["line %d" % i for i in range(1, 11)]
    n = p.get("lines")
    if n is not None:
        lines = lines[-n:] if n else []
    return ok(lines=lines)


METHODS = {
    "Status": m_status, "Inspect": m_inspect, "Start": m_start,
    "Stop": m_stop, "Restart": m_restart, "Signal": m_signal,
    "Spawn": m_spawn, "Run": m_run, "Await": m_await, "Whereis": m_whereis,
    "Members": m_members, "Metrics": m_metrics, "Reload": m_reload,
    "Logs": m_logs,
    "Tree": lambda m, p: ok(nodes=TREE),
}


def send(conn, msg):
    conn.sendall(json.dumps(msg).encode() + b"\0")


def stream_events(conn, p, more):
    since = p.get("since") or 0
    names = p.get("names") or []
    evs = [e for e in EVENTS if e["seq"] > since and
           (not names or e["name"] in names)]
    if p.get("follow"):
        evs += [{"seq": 6, "time": T0 + 5, "event": "stop", "name": "web"},
                {"seq": 7, "time": T0 + 6, "event": "exit", "name": "web",
                 "pid": 101, "signal": 15, "normal": True}]
    if not more:
        send(conn, {"error": "org.varlink.service.ExpectedMore",
                    "parameters": {}})
        return
    for i, e in enumerate(evs):
        if p.get("follow") and e["seq"] > 5:
            time.sleep(0.05)
        send(conn, {"parameters": {"event": e}, "continues": True})
    # the end of a stream: a last reply with no event
    send(conn, {"parameters": {}})


def serve(conn, model, record):
    buf = b""
    while True:
        try:
            data = conn.recv(65536)
        except OSError:
            break
        if not data:
            break
        buf += data
        while b"\0" in buf:
            raw, buf = buf.split(b"\0", 1)
            call = json.loads(raw)
            with model.lock:
                with open(record, "a") as f:
                    f.write(json.dumps(call) + "\n")
            method = call.get("method", "")
            params = call.get("parameters") or {}
            short = method.removeprefix(IFACE)
            if not method.startswith(IFACE) or (
                    short not in METHODS and
                    short not in ("Events", "Shutdown")):
                send(conn, {"error": "org.varlink.service.MethodNotFound",
                            "parameters": {"method": method}})
                continue
            if short == "Events":
                stream_events(conn, params, call.get("more", False))
            elif short == "Shutdown":
                send(conn, ok())
                conn.close()
                os.kill(os.getpid(), signal.SIGTERM)
                return
            else:
                send(conn, METHODS[short](model, params))
    conn.close()


def main():
    path, record = sys.argv[1], sys.argv[2]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(64)
    model = Model()
    signal.signal(signal.SIGTERM, lambda *a: (os.unlink(path), os._exit(0)))
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, model, record),
                         daemon=True).start()


if __name__ == "__main__":
    main()
