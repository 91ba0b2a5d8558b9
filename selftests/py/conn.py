# SPDX-License-Identifier: GPL-2.0
# conn.py: echo servers, long-lived clients and the SYN flood of the
# connection tests (selftests/lib_conn.sh).
import os, random, selectors, signal, socket, struct, sys, time

from nlbstest import csum, enter

# ---- server: one process, every connection, lines echoed with a name ----
def server(ns, addr, port, name):
    enter(ns)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(4096)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    bufs = {}
    pre = name.encode() + b' '
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s is ls:
                try:
                    c, _ = ls.accept()
                except OSError:
                    continue
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ, None)
                bufs[c] = b''
                continue
            try:
                d = s.recv(4096)
            except OSError:
                d = b''
            if not d:
                sel.unregister(s)
                s.close()
                del bufs[s]
                continue
            b = bufs[s] + d
            out = b''
            while b'\n' in b:
                line, b = b.split(b'\n', 1)
                out += pre + line + b'\n'
            bufs[s] = b
            try:
                if out:
                    s.send(out)
            except OSError:
                pass

# ---- client: many connections, driven by commands on stdin ----
class Conn:
    def __init__(self, idx):
        self.idx, self.sock, self.server = idx, None, '-'
        self.dead, self.why, self.buf = False, '', b''
        self.want, self.got = None, None

def client(ns, dst, port):
    enter(ns)
    port = int(port)
    conns = []
    sel = selectors.DefaultSelector()
    seq = [0]

    def kill(c, why):
        if not c.dead:
            c.dead, c.why = True, why
            try:
                sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
            c.sock.close()

    def pump(pending, timeout):
        # read answers until every pending connection answered or died
        end = time.monotonic() + timeout
        while pending:
            left = end - time.monotonic()
            if left <= 0:
                break
            for key, _ in sel.select(min(left, 0.5)):
                c = key.data
                try:
                    d = c.sock.recv(4096)
                except OSError as e:
                    kill(c, e.strerror or str(e))
                    pending.discard(c)
                    continue
                if not d:
                    kill(c, 'closed')
                    pending.discard(c)
                    continue
                c.buf += d
                while b'\n' in c.buf:
                    line, c.buf = c.buf.split(b'\n', 1)
                    w = line.split()
                    if len(w) == 2 and int(w[1]) == c.want:
                        if c.server == '-':
                            c.server = w[0].decode()
                        elif c.server != w[0].decode():
                            kill(c, 'server changed')
                        c.got = c.want
                        pending.discard(c)

    def ping(cs):
        seq[0] += 1
        for c in cs:
            c.want = seq[0]
            try:
                c.sock.send(b'%d\n' % seq[0])
            except OSError as e:
                kill(c, e.strerror or str(e))

    def do_open(n, timeout):
        new = []
        for _ in range(n):
            c = Conn(len(conns))
            conns.append(c)
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            c.sock = s
            s.connect_ex((dst, port))
            new.append(c)
        # wait for the connects
        end = time.monotonic() + timeout
        waiting = set(new)
        wsel = selectors.DefaultSelector()
        for c in new:
            wsel.register(c.sock, selectors.EVENT_WRITE, c)
        while waiting and time.monotonic() < end:
            for key, _ in wsel.select(max(0.01, min(0.5, end - time.monotonic()))):
                c = key.data
                err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                wsel.unregister(c.sock)
                waiting.discard(c)
                if err:
                    c.dead, c.why = True, os.strerror(err)
                    c.sock.close()
        for c in waiting:
            wsel.unregister(c.sock)
            c.dead, c.why = True, 'connect timeout'
            c.sock.close()
        wsel.close()
        live = [c for c in new if not c.dead]
        for c in live:
            sel.register(c.sock, selectors.EVENT_READ, c)
        ping(live)
        pending = set(c for c in live if not c.dead)
        pump(pending, max(1.0, end - time.monotonic()))
        for c in pending:
            kill(c, 'no first answer')
        ok = sum(1 for c in new if not c.dead)
        print('end opened %d failed %d' % (ok, len(new) - ok), flush=True)

    def do_round(timeout):
        live = [c for c in conns if not c.dead]
        ping(live)
        pending = set(c for c in live if not c.dead)
        pump(pending, timeout)
        n = {'ok': 0, 'dead': 0, 'silent': 0}
        out = []
        for c in conns:
            st = 'dead' if c.dead else 'ok' if c.got == c.want else 'silent'
            n[st] += 1
            out.append('c %d %s %s %s\n' % (c.idx, c.server, st, c.why.replace(' ', '_') or '-'))
        sys.stdout.write(''.join(out))
        print('end %d %d %d %d' % (len(conns), n['ok'], n['dead'], n['silent']), flush=True)

    for line in sys.stdin:
        w = line.split()
        if not w:
            continue
        if w[0] == 'open':
            do_open(int(w[1]), float(w[2]))
        elif w[0] == 'round':
            do_round(float(w[1]))
        elif w[0] == 'quit':
            break
        else:
            print('end error unknown command', flush=True)

# ---- the SYN flood, pure python (slow; the C sender is preferred) ----
def flood(ns, dev, dmac, dst, dport, seconds, prefix):
    enter(ns)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    smac = open('/sys/class/net/%s/address' % dev).read().strip()
    eth = bytes.fromhex(dmac.replace(':', '')) + bytes.fromhex(smac.replace(':', '')) + b'\x08\x00'
    d = socket.inet_aton(dst)
    base = (int(prefix.split('.')[0]) << 24) | (int(prefix.split('.')[1]) << 16)
    frames = []
    rnd = random.Random(os.getpid())
    for i in range(4096):
        src = struct.pack('!I', base | rnd.getrandbits(17))
        sp = rnd.randrange(1024, 65536)
        tcp = struct.pack('!HHIIBBHHH', sp, int(dport), rnd.getrandbits(32), 0, 5 << 4, 2, 64240, 0, 0)
        c = csum(src + d + struct.pack('!BBH', 0, 6, 20) + tcp)
        tcp = tcp[:16] + struct.pack('!H', c) + tcp[18:]
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40, i, 0x4000, 64, 6, 0, src, d)
        ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
        frames.append(eth + ip + tcp)
    n = 0
    stop = []
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    t0 = time.monotonic()
    end = t0 + float(seconds)
    while time.monotonic() < end and not stop:
        for f in frames:
            try:
                s.send(f)
            except OSError:
                pass
        n += len(frames)
    print('sent %d seconds %.2f' % (n, time.monotonic() - t0))

cmd, a = sys.argv[1], sys.argv[2:]
if cmd == 'server':
    server(*a)
elif cmd == 'client':
    client(*a)
elif cmd == 'flood':
    flood(*a)
else:
    sys.exit('conn.py: unknown command ' + cmd)
