#!/usr/bin/env python3
"""gaps.py FILE: median microseconds from each 'e' stamp to the next 's' stamp."""
import statistics
import sys

gaps, last_exit = [], None
for line in open(sys.argv[1]):
    kind, ns = line.split()
    if kind == 'e':
        last_exit = int(ns)
    elif last_exit is not None:
        gaps.append((int(ns) - last_exit) / 1000.0)
        last_exit = None
print('%.1f %d' % (statistics.median(gaps), len(gaps)))
