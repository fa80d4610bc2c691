"""gaps.py — the restart benchmarks' reading of stamp files.

stamp (tests/bench/stamp.c) appends "s NS" when it starts and "e NS" just
before it exits (CLOCK_MONOTONIC).  The restart latency is the median gap
between consecutive starts; the gap from one instance's exit to the next
one's start is kept beside it (it leaves the child's own run out).
"""
import statistics


def read(path, limit=None):
    """[(kind, ns)] of a stamp file, the first `limit` starts at most."""
    out, starts = [], 0
    try:
        with open(path) as f:
            for line in f:
                w = line.split()
                if len(w) != 2 or w[0] not in 'se':
                    continue
                if w[0] == 's':
                    if limit is not None and starts == limit:
                        break
                    starts += 1
                out.append((w[0], int(w[1])))
    except FileNotFoundError:
        pass
    return out


def starts(path):
    n = 0
    try:
        with open(path, 'rb') as f:
            for line in f:
                n += line.startswith(b's')
    except FileNotFoundError:
        pass
    return n


def gaps(stamps):
    """(median start-to-start us, median exit-to-start us, number of gaps)."""
    ss, es, last_s, last_e = [], [], None, None
    for kind, ns in stamps:
        if kind == 's':
            if last_s is not None:
                ss.append((ns - last_s) / 1000.0)
            if last_e is not None:
                es.append((ns - last_e) / 1000.0)
            last_s, last_e = ns, None
        else:
            last_e = ns
    if not ss:
        return None, None, 0
    return statistics.median(ss), statistics.median(es) if es else None, len(ss)
