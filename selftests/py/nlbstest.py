# SPDX-License-Identifier: GPL-2.0
"""What the selftests' python3 helpers share: entering a network namespace
(setns, no ip-netns-exec process: fast under TCG), a capture socket, the
Internet checksum."""
import ctypes
import os
import socket
import struct
import time

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
ETH_P_ALL = 3
SO_RCVBUFFORCE = 33


def enter(ns):
    """Move this process into the namespace named ns (ip netns add)."""
    fd = os.open('/run/netns/' + ns, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), 'setns ' + ns)
    os.close(fd)


def capture(ns, dev):
    """A non-blocking packet socket on dev in ns, with an 8 MB buffer: it
    sees every frame, as tcpdump (ETH_P_ALL: on a bridge port only the
    taps see frames). The process stays in ns."""
    enter(ns)
    p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    try:
        p.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    except OSError:
        p.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    p.bind((dev, ETH_P_ALL))
    p.setblocking(False)
    return p


def csum(b):
    """The Internet checksum (RFC 1071) of b."""
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def report_seen(seen, count, drain, secs=5):
    """Drain for up to secs more while fewer than count flows were seen,
    then print one "sport value" line per flow seen, in port order."""
    end = time.monotonic() + secs
    while len(seen) < count and time.monotonic() < end:
        time.sleep(0.1)
        drain()
    for sp in sorted(seen):
        print(sp, seen[sp])
