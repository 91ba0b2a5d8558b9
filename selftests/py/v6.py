# SPDX-License-Identifier: GPL-2.0
# v6.py: IPv6 frames built byte by byte and flows caught per source port
# (selftests/ipv6.sh, v6: its commands are listed there).
import socket, struct, sys, time

from nlbstest import capture, csum, enter, report_seen

def mac(s):
    return bytes.fromhex(s.replace(':', ''))

def a6(s):
    return socket.inet_pton(socket.AF_INET6, s)

def l4sum(src, dst, nh, payload):
    return csum(src + dst + struct.pack('!IxxxB', len(payload), nh) + payload)

def ip6(src, dst, nh, payload, hlim=64, plen=None):
    if plen is None:
        plen = len(payload)
    return struct.pack('!IHBB', 6 << 28, plen, nh, hlim) + src + dst + payload

def eth(dmac, smac, pkt):
    return mac(dmac) + mac(smac) + b'\x86\xdd' + pkt

def icmp6(src, dst, typ, body, bad=False):
    m = struct.pack('!BBH', typ, 0, 0) + body
    c = l4sum(src, dst, 58, m) ^ (0x5555 if bad else 0)
    return m[:2] + struct.pack('!H', c) + m[4:]

def udp(src, dst, sport, dport, data=b'nlbs-ipv6'):
    u = struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data
    return u[:6] + struct.pack('!H', l4sum(src, dst, 17, u) or 0xffff) + u[8:]

def frame(kind, a):
    if kind == 'ns':
        smac, src, t = a[0], a6(a[1]), a6(a[2])
        hlim = int(a[3]) if len(a) > 3 else 255
        bad = len(a) > 4 and a[4] == 'badsum'
        dst = a6('ff02::1:ff00:0')[:13] + t[13:]
        body = b'\0' * 4 + t + b'\x01\x01' + mac(smac)
        return eth('33:33:' + dst[12:].hex(':'), smac,
                   ip6(src, dst, 58, icmp6(src, dst, 135, body, bad), hlim))
    if kind == 'nshbh':
        smac, src, t = a[0], a6(a[1]), a6(a[2])
        dst = a6('ff02::1:ff00:0')[:13] + t[13:]
        body = b'\0' * 4 + t + b'\x01\x01' + mac(smac)
        hbh = bytes([58, 0]) + b'\x01\x04' + b'\0' * 4
        return eth('33:33:' + dst[12:].hex(':'), smac,
                   ip6(src, dst, 0, hbh + icmp6(src, dst, 135, body), 255))
    if kind == 'nsdad':
        dmac, smac, t = a[0], a[1], a6(a[2])
        src = a6('::')
        body = b'\0' * 4 + t
        return eth(dmac, smac, ip6(src, t, 58, icmp6(src, t, 135, body), 255))
    if kind == 'nonext':
        dmac, smac, src, dst = a[0], a[1], a6(a[2]), a6(a[3])
        return eth(dmac, smac, ip6(src, dst, 59, b'nonext!!'))
    if kind == 'na':
        dmac, smac, src, t = a[0], a[1], a6(a[2]), a6(a[3])
        dst = a6('ff02::1')
        body = struct.pack('!I', 0x20000000) + t + b'\x02\x01' + mac(smac)
        return eth(dmac, smac, ip6(src, dst, 58, icmp6(src, dst, 136, body), 255))
    dmac, smac, src, dst = a[0], a[1], a6(a[2]), a6(a[3])
    if kind == 'udp':
        u = udp(src, dst, int(a[4]), int(a[5]))
        plen = int(a[6]) if len(a) > 6 else None
        return eth(dmac, smac, ip6(src, dst, 17, u, plen=plen))
    if kind == 'trunc':
        return eth(dmac, smac, ip6(src, dst, 17, b'\0\x35\0\x35'))
    if kind == 'badext':
        # hop-by-hop, length 10 (88 bytes), 8 bytes there
        return eth(dmac, smac, ip6(src, dst, 0, bytes([17, 10]) + b'\x01\x04' + b'\0' * 4))
    if kind == 'frag':
        off, more = int(a[6]), int(a[7])
        u = udp(src, dst, int(a[4]), int(a[5]), b'x' * 24)
        fh = struct.pack('!BBHI', 17, 0, (off & ~7) | more, 0x4e4c4253)
        return eth(dmac, smac, ip6(src, dst, 44, fh + (u if off == 0 else u[8:])))
    if kind == 'ptb':
        isrc, idst = a6(a[4]), a6(a[5])
        inner = ip6(isrc, idst, 17, udp(isrc, idst, int(a[6]), int(a[7]), b'r' * 64), 63)
        body = struct.pack('!I', 1280) + inner
        return eth(dmac, smac, ip6(src, dst, 58, icmp6(src, dst, 2, body)))
    sys.exit('v6.py: unknown frame ' + kind)

def send(ns, dev, kind, a):
    enter(ns)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    s.send(frame(kind, a))

def flows(src, dst, port, count, sport, cap_ns, cap_dev):
    p = capture(cap_ns, cap_dev)
    enter(src)
    d = a6(dst)
    seen = {}
    def drain():
        while True:
            try:
                f, addr = p.recvfrom(2048)
            except BlockingIOError:
                return
            if (addr[2] == socket.PACKET_OUTGOING or len(f) < 62 or
                    f[12:14] != b'\x86\xdd' or f[20] != 17 or f[38:54] != d):
                continue
            sp, dp = struct.unpack('!HH', f[54:58])
            if dp == port and sport <= sp < sport + count:
                seen[sp] = f[0:6].hex(':')
    for i in range(count):
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('::', sport + i))
        s.sendto(b'%d' % (sport + i), (dst, port))
        s.close()
        if i % 50 == 49:
            time.sleep(0.005)
            drain()
    report_seen(seen, count, drain)

cmd, a = sys.argv[1], sys.argv[2:]
if cmd == 'send':
    send(a[0], a[1], a[2], a[3:])
elif cmd == 'flows':
    flows(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), a[5], a[6])
else:
    sys.exit('v6.py: unknown command ' + cmd)
