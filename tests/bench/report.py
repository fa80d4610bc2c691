"""report.py — run-all's and run-peers' output: the machine a run came
from, a table as Markdown (it goes into the README as it is), the JSON."""
import json
import os
import platform
import subprocess


def machine():
    model = ''
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    model = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open('/etc/debian_version') as f:
            debian = f.read().strip()
    except OSError:
        debian = None
    try:
        with open('/proc/meminfo') as f:
            mem = int(f.readline().split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        mem = None
    try:
        rev = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                             capture_output=True, text=True,
                             cwd=os.path.dirname(os.path.abspath(__file__))
                             ).stdout.strip()
    except OSError:
        rev = ''
    return dict(cpus=os.cpu_count(), cpu=model, memory_bytes=mem,
                debian=debian, kernel=platform.release(), commit=rev,
                load_average=os.getloadavg()[0])


def machine_line(m):
    return ('%d CPUs (%s), %s GiB, Debian %s, Linux %s, commit %s, load %.1f '
            'at the start' % (m['cpus'], m['cpu'] or '?',
                              '%.0f' % (m['memory_bytes'] / 2.0 ** 30)
                              if m['memory_bytes'] else '?',
                              m['debian'] or '?', m['kernel'], m['commit'] or '?',
                              m['load_average']))


def fmt(v):
    if v is None:
        return '-'
    if isinstance(v, str):
        return v
    if abs(v) >= 100 or v == int(v):
        return '{:,.0f}'.format(v)
    if abs(v) >= 10:
        return '%.1f' % v
    if abs(v) >= 1:
        return '%.2f' % v
    return '%.3f' % v


def table(header, rows):
    """Rows of strings as a Markdown table, columns padded."""
    w = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: '| ' + ' | '.join(c.ljust(w[i]) for i, c in enumerate(r)) + ' |'
    return '\n'.join([line(header), '|' + '|'.join('-' * (x + 2) for x in w) + '|']
                     + [line(r) for r in rows])


def write_json(path, doc):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + '.tmp', 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')
    os.replace(path + '.tmp', path)
