#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of the benchmark's CPU-time figures.

    cpuwatch.py RUNDIR OUT

Under TCG the guest's clock runs with the host's wall clock: when the host
deschedules the VM (other work on the same cores), a measured run simply
takes longer. The host CPU time the VM's threads consumed does not have that
problem. The guest writes "@mark ID begin" / "@mark ID end" lines around
each measured pktgen run (on stderr, which reaches the VM's serial port
ttyS1, written by QEMU to RUNDIR/out); this watcher polls that file every
few milliseconds and, on each mark, notes the CPU time of every thread of
the QEMU process (/proc/PID/task/*/schedstat, ns) and the host's monotonic
clock, one JSON object a line in OUT. It exits when QEMU is gone.

RUNDIR is build/vm/run.<pid of selftests/vm/run.sh>; QEMU is the process
whose command line names RUNDIR/env.
"""
import json
import os
import sys
import time


def find_qemu(env_path):
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                cmd = f.read().split(b'\0')
        except OSError:
            continue
        if cmd and cmd[0].endswith(b'qemu-system-x86_64') and \
                any(env_path.encode() in a for a in cmd):
            return int(pid)
    return None


def cpu_ns(pid):
    total = 0
    try:
        tasks = os.listdir(f'/proc/{pid}/task')
    except OSError:
        return None
    for t in tasks:
        try:
            with open(f'/proc/{pid}/task/{t}/schedstat') as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def main():
    rundir, outpath = sys.argv[1], sys.argv[2]
    env_path = os.path.join(rundir, 'env')
    deadline = time.monotonic() + 120
    qpid = None
    while qpid is None:
        if time.monotonic() > deadline:
            return 1
        if os.path.exists(env_path):
            qpid = find_qemu(env_path)
        if qpid is None:
            time.sleep(0.05)
    fd = None
    while fd is None:
        try:
            fd = os.open(os.path.join(rundir, 'out'), os.O_RDONLY)
        except OSError:
            if not os.path.exists(f'/proc/{qpid}'):
                return 1
            time.sleep(0.05)
    buf = b''
    with open(outpath, 'a') as out:
        while True:
            data = os.read(fd, 65536)
            if not data:
                if not os.path.exists(f'/proc/{qpid}'):
                    break
                time.sleep(0.002)
                continue
            buf += data
            *lines, buf = buf.split(b'\n')
            for line in lines:
                line = line.strip(b'\r')
                if not line.startswith(b'@mark '):
                    continue
                c = cpu_ns(qpid)
                w = time.monotonic_ns()
                p = line.decode(errors='replace').split()
                if len(p) >= 3 and c is not None:
                    out.write(json.dumps({'mark': p[1], 'edge': p[2], 'cpu_ns': c,
                                          'host_ns': w}) + '\n')
                    out.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
