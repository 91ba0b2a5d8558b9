#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# gso_burst.py DEV DSTMAC SRC DST DPORT SEGMENTS PAYLOAD: SEGMENTS TCP
# segments of one connection (ACK, consecutive sequence numbers, DF,
# incrementing IP IDs, valid checksums), PAYLOAD bytes each, sent
# back to back on DEV through a packet socket. With GRO on the receiving
# veth and a gro_flush_timeout, GRO merges them into GSO skbs: the shape a
# NIC with LRO/GRO hands to the stack. Prints the segments sent.
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'py'))
from nlbstest import csum  # noqa: E402

dev, dst_mac, src, dst = sys.argv[1:5]
dport, count, size = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
DST = bytes.fromhex(dst_mac.replace(':', ''))
SRC = b'\x02\x00\x0a\x0a\x00\xfe'
SADDR, DADDR = socket.inet_aton(src), socket.inet_aton(dst)


def segment(i):
    data = bytes((i + j) & 0xff for j in range(size))
    th = struct.pack('!HHIIBBHHH', 40000, dport, 1000 + i * size, 1, 5 << 4, 0x10,
                     65535, 0, 0)
    pseudo = SADDR + DADDR + struct.pack('!BBH', 0, 6, len(th) + len(data))
    th = th[:16] + struct.pack('!H', csum(pseudo + th + data)) + th[18:]
    ih = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(th) + len(data), 100 + i,
                     0x4000, 64, 6, 0, SADDR, DADDR)
    ih = ih[:10] + struct.pack('!H', csum(ih)) + ih[12:]
    return DST + SRC + b'\x08\x00' + ih + th + data


s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
frames = [segment(i) for i in range(count)]
for f in frames:
    s.send(f)
print(count)
