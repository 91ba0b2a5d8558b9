# SPDX-License-Identifier: GPL-2.0
# dp.py: the data-path tests' traffic and captures (selftests/lib_dp.sh,
# dp_py: its commands are listed there).
import select, socket, struct, sys, time

from nlbstest import capture, enter, report_seen

def pcaphex(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    e = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + 'IIII', data[off:off + 16])[2]
        off += 16
        print(data[off + 14:off + incl].hex())
        off += incl

def udp(ns, dst, port, count, sport, step=1, ln=8):
    enter(ns)
    payload = b'nlbs' * (ln // 4) + b'x' * (ln % 4)
    s = None
    for i in range(count):
        if s is None or step:
            if s:
                s.close()
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('', sport + i * step))
        s.sendto(payload, (dst, port))

def udpraw(ns, dst, port, count, sport):
    # one raw socket, no checksum: COUNT datagrams from ports SPORT + i,
    # much cheaper than a socket each under TCG
    enter(ns)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    for i in range(count):
        s.sendto(struct.pack('!HHHH', sport + i, port, 16, 0) + b'nlbsnlbs', (dst, 0))
        if i % 100 == 99:
            time.sleep(0.005)   # the backlogs and tcpdump keep up

def udp_frames(p, d):
    # the IPv4 UDP frames to address D that the capture socket P has
    # received (not sent) so far: (frame, sport, dport) each
    while True:
        try:
            f, addr = p.recvfrom(2048)
        except BlockingIOError:
            return
        if (addr[2] == socket.PACKET_OUTGOING or len(f) < 42 or f[12:14] != b'\x08\x00'
                or f[23] != 17 or f[30:34] != d):
            continue
        ihl = (f[14] & 15) * 4
        sp, dp = struct.unpack('!HH', f[14 + ihl:18 + ihl])
        yield f, sp, dp

def udpmap(src, dst, port, count, sport, cap_ns, cap_dev):
    # udpraw from SRC, each datagram caught on CAP_DEV in CAP_NS (a packet
    # socket, no tcpdump): prints "sport dst-mac" per flow seen
    p = capture(cap_ns, cap_dev)
    enter(src)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    d = socket.inet_aton(dst)
    seen = {}
    def drain():
        for f, sp, dp in udp_frames(p, d):
            if dp == port and sport <= sp < sport + count:
                seen[sp] = f[0:6].hex(':')
    for i in range(count):
        s.sendto(struct.pack('!HHHH', sport + i, port, 16, 0) + b'nlbsnlbs', (dst, 0))
        if i % 100 == 99:
            time.sleep(0.005)
            drain()
    report_seen(seen, count, drain)

def stream(ns, dst, port, interval, seconds):
    enter(ns)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        try:
            s.sendto(b'seq%d' % n, (dst, port))
        except OSError:
            pass
        n += 1
        time.sleep(interval / 1000)

def first(ns, dev, dst, port, timeout):
    # waits for the first UDP datagram to DST:PORT that enters the bridge
    # port DEV in NS (a packet socket: cheap where tcpdump is not, e.g. on
    # a debug kernel); prints "listening", then "first NS" (wall clock)
    p = capture(ns, dev)
    d = socket.inet_aton(dst)
    print('listening', flush=True)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        select.select([p], [], [], 0.5)
        for _, _, dp in udp_frames(p, d):
            if dp == port:
                print('first', time.time_ns(), flush=True)
                return
    sys.exit(1)

def flows(src, dst, port, count, sport, rcv):
    socks = []
    for ns in rcv:
        enter(ns)
        r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        r.bind((dst, port))
        socks.append(r)
    enter(src)
    seen = {}
    def drain(timeout):
        rd, _, _ = select.select(socks, [], [], timeout)
        for r in rd:
            while True:
                try:
                    data, _ = r.recvfrom(64, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                seen[int(data)] = socks.index(r)
        return bool(rd)
    for i in range(count):
        p = sport + i
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('', p))
        s.sendto(b'%d' % p, (dst, port))
        s.close()
        if i % 50 == 49:
            deadline = time.monotonic() + 2
            while len(seen) < i + 1 and time.monotonic() < deadline:
                drain(0.2)
    deadline = time.monotonic() + 3
    while len(seen) < count and time.monotonic() < deadline:
        drain(0.2)
    for i in range(count):
        print(sport + i, seen.get(sport + i, -1))

def send(ns, dev, path):
    enter(ns)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                s.send(bytes.fromhex(line))

cmd, a = sys.argv[1], sys.argv[2:]
if cmd == 'pcaphex':
    pcaphex(a[0])
elif cmd == 'udp':
    udp(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), *[int(x) for x in a[5:]])
elif cmd == 'udpraw':
    udpraw(a[0], a[1], int(a[2]), int(a[3]), int(a[4]))
elif cmd == 'udpmap':
    udpmap(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), a[5], a[6])
elif cmd == 'stream':
    stream(a[0], a[1], int(a[2]), float(a[3]), float(a[4]))
elif cmd == 'first':
    first(a[0], a[1], a[2], int(a[3]), float(a[4]))
elif cmd == 'flows':
    flows(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), a[5:])
elif cmd == 'send':
    send(a[0], a[1], a[2])
else:
    sys.exit('dp.py: unknown command ' + cmd)
