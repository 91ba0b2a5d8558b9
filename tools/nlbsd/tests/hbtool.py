#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Heartbeat tool for nlbsd tests: forge, capture and replay heartbeats.

Everything is sent with TTL 255, as on the link (nlbsd takes nothing else).

  hbtool.py forge KEYFILE SRC DST PORT STATE PRIO [EPOCH SEQ]
      send one heartbeat (version 2, tools/nlbsd/hb.h) signed with KEYFILE
      (HMAC-SHA512-256, as libsodium crypto_auth) from SRC to DST:PORT
  hbtool.py forge1 KEYFILE SRC DST PORT STATE PRIO
      the same as version 1 (72 bytes: an nlbsd before heartbeat v2)
  hbtool.py record IFACE PORT OUTFILE SECONDS
      record the heartbeats to PORT arriving on IFACE for SECONDS, with their
      times
  hbtool.py replay SRC DST PORT INFILE [GOFILE]
      send a recording again with its timing (with GOFILE: once ready, create
      GOFILE.ready and wait for GOFILE to exist)
  hbtool.py capture IFACE PORT OUTFILE [KEYFILE]
      wait (5 s max) for one UDP datagram to PORT on IFACE (with KEYFILE:
      one whose tag verifies), save its payload
  hbtool.py send SRC DST PORT INFILE
      send a saved payload again (a replay)
  hbtool.py syncforge KEYFILE SRC DST PORT [EPOCH SEQ]
      send one flow sync message (magic NLBF, one flow) signed with KEYFILE
  hbtool.py attack RX_NS TX_NS IFACE PORT SRC DST KEYFILE WRONGKEYFILE
      all of it in one process (python starts slowly in an emulated guest):
      from TX_NS (netns name) three heartbeats with the wrong key claiming
      active/254, then a real heartbeat captured on IFACE in RX_NS sent
      again, then one with the right key from an old epoch
"""
import base64
import ctypes
import os
import binascii
import hashlib
import hmac
import socket
import struct
import sys
import time

STATES = {"init": 0, "active": 1, "standby": 2, "inop": 3}
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # asm-generic/socket.h


def read_key(path):
    text = open(path).read().strip()
    if len(text) == 64:
        return binascii.unhexlify(text)
    return base64.b64decode(text)


def tag(key, body):
    """HMAC-SHA512-256 as libsodium crypto_auth"""
    return hmac.new(key, body, hashlib.sha512).digest()[:32]


def sock(src):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
    s.bind((src, 0))
    return s


def send(src, dst, port, payload):
    sock(src).sendto(payload, (dst, int(port)))


def forge(keyfile, src, dst, port, state, prio, epoch=None, seq=None, version=2):
    key = read_key(keyfile)
    now = int(time.time() * 1000)
    epoch = int(epoch) if epoch is not None else now * 1000 + 999
    seq = int(seq) if seq is not None else 1
    body = struct.pack(">IBBBBIIQQQ", 0x4E4C4248, version, STATES[state], int(prio), 0,
                       0x0a0a00fe, 100, epoch, seq, now)
    if version == 2:
        # echo: never heard the receiver; fingerprint: zeros
        body += struct.pack(">QQI16s4x", 0, 0, 0, bytes(16))
    send(src, dst, port, body + tag(key, body))


def record(iface, port, out, seconds):
    """heartbeats (NLBH) to PORT: "ms hex" lines"""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((iface, 0))
    s.settimeout(0.2)
    # the kernel's arrival times: this process may be scheduled late
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    t0 = time.monotonic()
    k0 = None
    lines = []
    while time.monotonic() - t0 < float(seconds):
        try:
            frame, anc, _, addr = s.recvmsg(2048, 256)
        except socket.timeout:
            continue
        kt = None
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", data[:16])
                kt = sec + nsec / 1e9
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 17:
            continue
        udp = ip[ihl:]
        if struct.unpack(">H", udp[2:4])[0] != int(port) or udp[8:12] != b"NLBH":
            continue
        if kt is None:
            kt = time.time()
        k0 = kt if k0 is None else k0
        lines.append("%d %s\n" % ((kt - k0) * 1000, udp[8:].hex()))
    open(out, "w").writelines(lines)
    return 0 if lines else 1


def replay(src, dst, port, infile, go=None):
    s = sock(src)
    if go is not None:  # python starts slowly in a busy guest: wait for the go
        open(go + ".ready", "w").close()
        while not os.path.exists(go):
            time.sleep(0.005)
    t0 = time.monotonic()
    first = None
    for line in open(infile):
        ms, payload = line.split()
        first = int(ms) if first is None else first  # the first one at once
        delay = (int(ms) - first) / 1000 - (time.monotonic() - t0)
        if delay > 0:
            time.sleep(delay)
        s.sendto(bytes.fromhex(payload), (dst, int(port)))
    return 0


def syncforge(keyfile, src, dst, port, epoch=None, seq=None):
    """a SYNC_T_FLOWS message of one flow (tools/nlbsd/sync.h)"""
    key = read_key(keyfile)
    epoch = int(epoch) if epoch is not None else int(time.time() * 1e6) + 999
    seq = int(seq) if seq is not None else 1
    head = struct.pack(">IBBBBIIQQIB3x", 0x4E4C4246, 1, 1, 0, 1, 0x0a0a00fe, 0,
                       epoch, seq, 0, 0)
    rec = (socket.inet_aton("203.0.113.99") + socket.inet_aton("198.51.100.10") +
           socket.inet_aton("10.20.0.21") + struct.pack(">HHBB2xI", 5555, 80, 6, 0, 0))
    body = head + rec
    send(src, dst, port, body + tag(key, body))


def genuine(keyfile, payload):
    """payload carries a valid tag for keyfile's key"""
    if len(payload) < 32:
        return False
    return hmac.compare_digest(tag(read_key(keyfile), payload[:-32]), payload[-32:])


def capture(iface, port, out, keyfile=None):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((iface, 0))
    s.settimeout(5)
    end = time.time() + 5
    while time.time() < end:
        frame, addr = s.recvfrom(2048)
        if addr[2] == socket.PACKET_OUTGOING:  # this node's own heartbeat
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 17:
            continue
        udp = ip[ihl:]
        if struct.unpack(">H", udp[2:4])[0] != int(port):
            continue
        # a forged datagram still in flight is not the heartbeat to replay
        if keyfile is not None and not genuine(keyfile, udp[8:]):
            continue
        open(out, "wb").write(udp[8:])
        return 0
    return 1


def enter(ns):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    if libc.setns(fd, 0x40000000) != 0:
        raise OSError(ctypes.get_errno(), "setns " + ns)
    os.close(fd)


def attack(rx_ns, tx_ns, iface, port, src, dst, key, wrongkey):
    enter(tx_ns)
    for _ in range(3):
        forge(wrongkey, src, dst, port, "active", 254)
    enter(rx_ns)
    out = "/tmp/hbtool.%d" % os.getpid()
    if capture(iface, port, out, key):
        return 1
    enter(tx_ns)
    time.sleep(0.2)
    send(src, dst, port, open(out, "rb").read())
    os.unlink(out)
    forge(key, src, dst, port, "active", 254, 1000, 5)
    return 0


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "forge" and len(argv) in (8, 10):
        forge(*argv[2:])
        return 0
    if cmd == "forge1" and len(argv) == 8:
        forge(*argv[2:], version=1)
        return 0
    if cmd == "record" and len(argv) == 6:
        return record(*argv[2:])
    if cmd == "replay" and len(argv) in (6, 7):
        return replay(*argv[2:])
    if cmd == "syncforge" and len(argv) in (6, 8):
        syncforge(*argv[2:])
        return 0
    if cmd == "capture" and len(argv) in (5, 6):
        return capture(*argv[2:])
    if cmd == "attack" and len(argv) == 10:
        return attack(*argv[2:])
    if cmd == "send" and len(argv) == 6:
        send(argv[2], argv[3], argv[4], open(argv[5], "rb").read())
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
