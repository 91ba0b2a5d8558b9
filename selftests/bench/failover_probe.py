# SPDX-License-Identifier: GPL-2.0
# failover_probe.py CLIENT_NS DST PORT INTERVAL_MS SECONDS READY_FILE SRV_NS...:
# the failover part's probe stream (selftests/bench/failover.sh).
import os, select, signal, socket, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'py'))
from nlbstest import enter  # noqa: E402
client, dst, port, ival, secs, ready = sys.argv[1:7]
port, ival, secs = int(port), float(ival) / 1000, float(secs)
rx = []
for ns in sys.argv[7:]:
    enter(ns)
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    r.bind((dst, port))
    r.setblocking(False)
    rx.append(r)
enter(client)
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ev, stop = [None], [None]
signal.signal(signal.SIGUSR1, lambda *a: ev.__setitem__(0, time.monotonic()))
signal.signal(signal.SIGTERM, lambda *a: stop.__setitem__(0, time.monotonic()))
open(ready, 'w').close()
t0 = time.monotonic()
end, nxt, seq, arr = t0 + secs, t0, 0, []
while True:
    now = time.monotonic()
    if now >= end or stop[0] is not None:
        end = min(now, end)
        break
    if now >= nxt:
        try:
            tx.sendto(seq.to_bytes(4, 'big'), (dst, port))
        except OSError:
            pass
        seq += 1
        nxt += ival
        if nxt < now:
            nxt = now + ival    # after a stall: no burst
    try:
        rd = select.select(rx, [], [], max(0.0, nxt - time.monotonic()))[0]
    except InterruptedError:
        continue
    for r in rd:
        while True:
            try:
                r.recv(64)
            except BlockingIOError:
                break
            arr.append(time.monotonic())
e = ev[0] if ev[0] is not None else end
def longest(ts):
    return max((b - a for a, b in zip(ts, ts[1:])), default=0.0)
pre = [t for t in arr if t < e]
post = pre[-1:] + [t for t in arr if t >= e]   # the gaps ending after the event
resumed = any(t > e for t in arr)
gap = longest(post)
if not resumed:
    gap = end - (post[-1] if post else e)
print(seq, len(arr), int(gap * 1000), int(longest(pre) * 1000), int(resumed))
