#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Attach (or detach) an XDP program that passes every frame to a device.

usage: xdp_pass.py DEV on|off     (run in the device's network namespace)

The bench's "nic" mode: with an XDP program on the receiving veth, veth
copies each frame pktgen sends into a page of its own (build_skb), as a NIC
driver does, instead of handing the receiver pktgen's shared skb. The
program is two instructions (r0 = XDP_PASS; exit), loaded with bpf(2) and
attached in driver mode with RTM_SETLINK: no compiler, no libbpf.
"""
import ctypes
import os
import platform
import socket
import struct
import sys

SYS_BPF = {'x86_64': 321, 'aarch64': 280}.get(platform.machine())
BPF_PROG_LOAD = 5
BPF_PROG_TYPE_XDP = 6
XDP_PASS = 2
IFLA_XDP, IFLA_XDP_FD, IFLA_XDP_FLAGS = 43, 1, 3
XDP_FLAGS_DRV_MODE = 1 << 2
NLA_F_NESTED = 0x8000
RTM_SETLINK = 19


def prog_load():
    if SYS_BPF is None:
        sys.exit('xdp_pass: bpf(2) number unknown on ' + platform.machine())
    insns = struct.pack('=BBhi', 0xb7, 0, 0, XDP_PASS)     # mov64 r0, XDP_PASS
    insns += struct.pack('=BBhi', 0x95, 0, 0, 0)           # exit
    ibuf = ctypes.create_string_buffer(insns, len(insns))
    lic = ctypes.create_string_buffer(b'GPL')
    attr = struct.pack('=IIQQIIQII16s', BPF_PROG_TYPE_XDP, 2,
                       ctypes.addressof(ibuf), ctypes.addressof(lic),
                       0, 0, 0, 0, 0, b'nlbs_bench_pass')
    abuf = ctypes.create_string_buffer(attr, 128)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    fd = libc.syscall(ctypes.c_long(SYS_BPF), ctypes.c_long(BPF_PROG_LOAD),
                      abuf, ctypes.c_long(128))
    if fd < 0:
        sys.exit('xdp_pass: bpf(BPF_PROG_LOAD): ' + os.strerror(ctypes.get_errno()))
    return fd


def attr(t, p):
    n = 4 + len(p)
    return struct.pack('=HH', n, t) + p + b'\0' * (-n % 4)


def setlink(ifindex, fd):
    xdp = attr(IFLA_XDP_FD, struct.pack('=i', fd))
    xdp += attr(IFLA_XDP_FLAGS, struct.pack('=I', XDP_FLAGS_DRV_MODE))
    body = struct.pack('=BxHiII', socket.AF_UNSPEC, 0, ifindex, 0, 0)
    body += attr(IFLA_XDP | NLA_F_NESTED, xdp)
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    s.bind((0, 0))
    s.send(struct.pack('=IHHII', 16 + len(body), RTM_SETLINK, 0x5, 1, 0) + body)
    msg = s.recv(65536)
    n, t = struct.unpack_from('=IH', msg)
    err = struct.unpack_from('=i', msg, 16)[0] if t == 2 else 0
    if err:
        sys.exit('xdp_pass: RTM_SETLINK: ' + os.strerror(-err))


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ('on', 'off'):
        sys.exit(__doc__.split('\n\n')[1])
    ifindex = socket.if_nametoindex(sys.argv[1])
    setlink(ifindex, prog_load() if sys.argv[2] == 'on' else -1)


if __name__ == '__main__':
    main()
