"""benchlib.py — what every benchmark of tests/bench shares.

A temporary directory per benchmark; supd started in it on a generated
configuration; every process the benchmark starts carries
SUPD_BENCH_TAG=<that directory> in its environment (supd and the peers pass
their environment on to their children), which is how the cleanup finds
each one, grandchildren included, even when the benchmark fails half way.
A benchmark reports its figures with result(): one line
"BENCH-RESULT {json}" each on stdout, which run-all collects into one table.
"""
import atexit
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.abspath(os.environ.get('BUILD', 'build-bench'))
QUICK = os.environ.get('BENCH_QUICK', '') not in ('', '0')
HZ = os.sysconf('SC_CLK_TCK')
NAME = os.path.basename(sys.argv[0])


def built(rel):
    path = os.path.join(BUILD, rel)
    if not os.access(path, os.X_OK):
        sys.exit('%s: no %s (build first: meson setup %s --buildtype=release '
                 '&& ninja -C %s)' % (NAME, path, BUILD, BUILD))
    return path


SUPD = built('daemon/supd')
SUPCTL = built('cli/supctl')
VLPIPE = built('tests/bench/vlpipe')
STAMP = built('tests/bench/stamp')
BARE = built('tests/bench/bare-restart')
SPAWN_ONCE = built('tests/bench/spawn-once')

TMP = tempfile.mkdtemp(prefix='supd-bench.')
ENV = dict(os.environ, SUPD_BENCH_TAG=TMP)
ENV.pop('SUPD_SOCKET', None)

# Thousands of children: as many descriptors and processes as we may have.
for lim in (resource.RLIMIT_NOFILE, resource.RLIMIT_NPROC):
    try:
        resource.setrlimit(lim, (resource.getrlimit(lim)[1],) * 2)
    except (ValueError, OSError):
        pass


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---- processes -----------------------------------------------------------

def tagged():
    """Pids of live processes (not zombies) carrying this benchmark's tag."""
    want = ('SUPD_BENCH_TAG=' + TMP).encode()
    pids = []
    for d in os.listdir('/proc'):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open('/proc/%s/environ' % d, 'rb') as f:
                if want not in f.read().split(b'\0'):
                    continue
            with open('/proc/%s/stat' % d) as f:
                if f.read().rsplit(')', 1)[1].split()[0] == 'Z':
                    continue
        except OSError:
            continue
        pids.append(int(d))
    return pids


def kill_tagged(sig=signal.SIGKILL):
    left = tagged()
    for p in left:
        try:
            os.kill(p, sig)
        except OSError:
            pass
    return left


_cleanups = []


def on_cleanup(fn):
    """Run fn (a peer's own stop command, say) at exit, before the kill."""
    _cleanups.append(fn)


def _cleanup():
    for fn in reversed(_cleanups):
        try:
            fn()
        except Exception as e:      # the kill below still runs
            log('%s: cleanup: %s' % (NAME, e))
    for sv in list(Supd.running):     # still up: the benchmark failed
        sv.stop()
        with open(sv.errlog.name, errors='replace') as f:
            # the shutdown's own lines say nothing
            tail = ''.join(l for l in f if 'signal TERM' not in l)[-3000:]
        if tail:
            log('%s: the end of supd\'s log:\n%s' % (NAME, tail))
    left = kill_tagged()
    end = time.monotonic() + 5
    while tagged() and time.monotonic() < end:
        time.sleep(0.2)
    if left:
        log('%s: killed processes left behind: %s' % (NAME, left[:20]))
    shutil.rmtree(TMP, ignore_errors=True)


atexit.register(_cleanup)
for _s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(_s, lambda s, f: sys.exit(128 + s))


def check_clean():
    """Fail the benchmark if a process it started is still alive."""
    end = time.monotonic() + 10        # a scan of /proc is not free
    while time.monotonic() < end:
        if not tagged():
            return
        time.sleep(0.2)
    left = kill_tagged()
    sys.exit('%s: processes left behind: %s' % (NAME, left[:20]))


def run(args, **kw):
    kw.setdefault('env', ENV)
    kw.setdefault('stdout', subprocess.PIPE)
    kw.setdefault('stderr', subprocess.PIPE)
    kw.setdefault('timeout', 120)
    return subprocess.run(args, text=True, **kw)


def must(args, **kw):
    r = run(args, **kw)
    if r.returncode != 0:
        sys.exit('%s: %s failed (%d): %s' % (NAME, ' '.join(args[:4]),
                 r.returncode, (r.stderr or r.stdout or '').strip()[-2000:]))
    return r.stdout


def timed(args, **kw):
    """Wall seconds of one run of a command, which must succeed."""
    t0 = time.perf_counter()
    must(args, **kw)
    return time.perf_counter() - t0


def fields(text):
    """'k1 v1 k2 v2 ...' (vlpipe's output) as a dict of floats."""
    w = text.split()
    return {w[i]: float(w[i + 1]) for i in range(0, len(w) - 1, 2)}


# ---- /proc ----------------------------------------------------------------

def cpu_ticks(pid):
    """utime + stime of a process (all its threads), in clock ticks."""
    with open('/proc/%d/stat' % pid) as f:
        st = f.read().rsplit(')', 1)[1].split()
    return int(st[11]) + int(st[12])


def ctx_switches(pid):
    """Voluntary + involuntary context switches of every thread of pid."""
    n = 0
    for t in os.listdir('/proc/%d/task' % pid):
        try:
            with open('/proc/%d/task/%s/status' % (pid, t)) as f:
                for line in f:
                    if line.startswith(('voluntary_ctxt_switches:',
                                        'nonvoluntary_ctxt_switches:')):
                        n += int(line.split()[1])
        except OSError:
            pass
    return n


def rss(pid):
    """VmRSS in bytes."""
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    return 0


def pss(pid):
    """Pss in bytes (smaps_rollup)."""
    try:
        with open('/proc/%d/smaps_rollup' % pid) as f:
            for line in f:
                if line.startswith('Pss:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def children_of(pid):
    out = []
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                st = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if int(st[1]) == pid:
            out.append((int(d), st[0]))
    return out


def settle(pid, limit=60):
    """Wait until no child of pid is running or in a disk wait: thousands
    of processes just started are still loading, and a figure taken
    meanwhile measures them."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if not any(s in 'RD' for _, s in children_of(pid)):
            return
        time.sleep(0.2)


# ---- supd -----------------------------------------------------------------

class Supd:
    running = []

    def __init__(self, conf, name='supd'):
        self.dir = os.path.join(TMP, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.sock = os.path.join(self.dir, 'supd.sock')
        self.ini = os.path.join(self.dir, 'bench.ini')
        with open(self.ini, 'w') as f:
            f.write(conf)
        self.errlog = open(os.path.join(self.dir, 'supd.log'), 'w')
        self.proc = subprocess.Popen(
            [SUPD, '-c', self.ini, '-s', self.sock, '--state',
             os.path.join(self.dir, 'state.db'), '--log-dir',
             os.path.join(self.dir, 'log')],
            env=ENV, stdin=subprocess.DEVNULL, stdout=self.errlog,
            stderr=self.errlog)
        self.pid = self.proc.pid
        Supd.running.append(self)
        end = time.monotonic() + 30
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                break
            if os.path.exists(self.sock) and \
                    run([SUPCTL, '-s', self.sock, 'whereis', 'x']).returncode != 3:
                return
            time.sleep(0.02)
        self.errlog.flush()
        with open(self.errlog.name) as f:
            sys.exit('%s: supd did not start:\n%s' % (NAME, f.read()[-3000:]))

    def ctl(self, *args, **kw):
        return must([SUPCTL, '-s', self.sock] + list(args), **kw)

    def ctl_args(self, *args):
        return [SUPCTL, '-s', self.sock] + list(args)

    def call(self, n, fmt, first=0, window=64):
        """n varlink calls pipelined over one connection (vlpipe)."""
        return fields(must([VLPIPE, 'call', self.sock, str(n), str(first),
                            str(window), fmt], timeout=600))

    def spawn_range(self, first, n, pool='pool'):
        r = self.call(n, '{"method":"io.supd.Supervisor.Spawn","parameters":'
                      '{"supervisor":"%s","name":"w%%ld"}}' % pool, first)
        if r.get('errors'):
            sys.exit('%s: %d Spawn calls failed' % (NAME, r['errors']))
        return r

    def metric(self, name):
        """The sum of a metric's samples."""
        total = 0.0
        for line in self.ctl('metrics').splitlines():
            k = line.split('{')[0].split(' ')[0]
            if k == name:
                total += float(line.split()[-1])
        return total

    def count(self, parent=None, state='running'):
        kids = json.loads(self.ctl('--json', 'status'))
        return sum(1 for c in kids if c.get('state') == state and
                   (parent is None or c.get('parent') == parent))

    def kill(self):
        """SIGKILL supd, then its children: when its orderly stop is not what
        is measured (a static tree stops one child at a time, in order)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        kill_tagged()
        self.stop()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(120)
            except subprocess.TimeoutExpired:
                log('%s: supd did not stop in 120 s; killed' % NAME)
                self.proc.kill()
                self.proc.wait()
        if self in Supd.running:
            Supd.running.remove(self)
        self.errlog.close()


def pool_ini(sync='normal', extra=''):
    """supd with a dynamic supervisor "pool" of long sleeps, output dropped."""
    return ('[supd]\nsync = %s\n[supervisor:root]\n%s'
            '[dynamic:pool]\nparent = root\nmax_children = 0\n'
            'max_restarts = 1000000\nmax_seconds = 1\n'
            'command = /bin/sleep 1000000\nstdout = null\nstderr = null\n'
            % (sync, extra))


# ---- figures --------------------------------------------------------------

def median(v):
    return statistics.median(v)


def pct(v, p):
    s = sorted(v)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def rtt(args, k, out=None):
    """Median wall seconds of k runs of a command (one warm-up first);
    out: its standard output goes to this file (as `cmd > out`), not to a
    pipe this script reads."""
    def once():
        if out is None:
            return timed(args)
        with open(out, 'w') as f:
            return timed(args, stdout=f)
    once()
    return median([once() for _ in range(k)])


def result(bench, supd, unit, baseline=None, baseline_what=None, ratio=None,
           targets=(), **extra):
    """Report one figure.  targets: (what, op, limit) tuples, what being
    "ratio" (supd / baseline unless ratio is given) or "supd" (the figure
    itself); op "<=" or ">="; every one must hold."""
    if ratio is None and baseline:
        ratio = supd / baseline
    ok = None
    texts = []
    for what, op, limit in targets:
        v = ratio if what == 'ratio' else supd
        hold = v is not None and (v <= limit if op == '<=' else v >= limit)
        ok = hold if ok is None else ok and hold
        sym = '\u2264' if op == '<=' else '\u2265'
        texts.append('%s %gx' % (sym, limit) if what == 'ratio'
                     else '%s %g %s' % (sym, limit, unit))
    r = dict(bench=bench, supd=supd, unit=unit, baseline=baseline,
             baseline_what=baseline_what, ratio=ratio,
             target='; '.join(texts) or None, passed=ok, source=NAME)
    r.update(extra)
    print('BENCH-RESULT ' + json.dumps(r), flush=True)
    log('  %-44s %s %s%s%s' % (
        bench, fmt(supd), unit,
        ('  (%s %s)' % (baseline_what, fmt(baseline))) if baseline is not None else '',
        ('  ratio %.2f' % ratio) if ratio is not None else ''))


def fmt(v):
    if v is None:
        return '-'
    if isinstance(v, int) or abs(v) >= 100 or v == int(v):
        return '{:,.0f}'.format(v)
    if abs(v) >= 10:
        return '%.1f' % v
    if abs(v) >= 1:
        return '%.2f' % v
    return '%.3f' % v
