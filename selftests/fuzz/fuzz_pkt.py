#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Malformed and odd frames for the nlbs ingress hook (selftests/fuzz_pkt.sh).

Run in the injector's namespace, on its end of the veth whose peer is the
NLB's access device:

    fuzz_pkt.py DEV NLB_MAC VIP NLBS_ADDR COUNT SEED STATE [SERVER_MTU]

Builds COUNT frames at random from the classes below, sends them on DEV with
a packet socket, counts the ARP replies that come back, and prints one JSON
object: the counters the NLB should have moved ("expect"), per class how many
frames were sent ("classes"), "sent", "refused" (frames the packet socket
would not take: too short, too long), "arp_replies_seen" and the time taken.

The model of what the module does with a frame is its documented behaviour
(design.rst, kmod/hook.c and arp.c): VLAN-tagged frames and frames not to
the NLB's MAC (IPv4) pass untouched; ARP and IPv4 headers are validated and
counted as drop-malformed; a valid IPv4 datagram to the VIP counts in rx and
is forwarded (the whole-VIP service takes what udp/53 does not), dropped as
inactive on a standby NLB, or dropped as too big past the server MTU. ICMP
errors that quote a datagram from the VIP count in icmp-forwarded.

Classes: arp-trunc arp-badhdr arp-req arp-req-other arp-spoof arp-reply
arp-notours eth-short ip-trunc ip-badver ip-badihl ip-ihl-long ip-badlen
ip-zerolen ip-badsum ip-notvip ip-bcast ip-mcast ip-otherhost udp tcp
udp-trunc tcp-trunc frag frag-tiny frag-last frag-maxoff opts opts-garbage
icmp-err icmp-garbage icmp-other oversized vlan qinq vlan-arp garbage
"""
import json
import os
import random
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'py'))
from nlbstest import csum  # noqa: E402

dev, nlb_mac, vip, nlbs, count, seed, state = sys.argv[1:8]
srv_mtu = int(sys.argv[8]) if len(sys.argv) > 8 else 1500
count, seed = int(count), int(seed)
active = state == 'active'
R = random.Random(seed)

mac = lambda m: bytes.fromhex(m.replace(':', ''))
ip4 = socket.inet_aton
NLB = mac(nlb_mac)
VIP, NLBS = ip4(vip), ip4(nlbs)
BC = b'\xff' * 6
SRC = bytes.fromhex('020000aa0001')
OTHER = bytes.fromhex('020000bb0002')


def mcast():
    return bytes([0x01, 0x00, 0x5e, 0, 0, R.randrange(256)])


def rmac():
    return bytes([0x02]) + R.randbytes(5)


def raddr():
    return struct.pack('!I', R.choice([0xcb00710a, 0xcb00710b, R.getrandbits(32)]))


def eth(dst, typ, payload, tags=()):
    h = dst + SRC
    for tpid, vid in tags:
        h += struct.pack('!HH', tpid, vid)
    return h + struct.pack('!H', typ) + payload


def ip(payload, proto=17, src=None, dst=None, opts=b'', ident=None, frag=0,
       ihl=None, tot=None, badsum=False, ver=4):
    hl = 20 + len(opts)
    h = struct.pack('!BBHHHBBH4s4s', (ver << 4) | (ihl if ihl is not None else hl // 4),
                    0, tot if tot is not None else hl + len(payload),
                    R.getrandbits(16) if ident is None else ident, frag, 64, proto, 0,
                    src or raddr(), dst or VIP) + opts
    c = csum(h)
    if badsum:
        # wrong, and not the other zero of one's complement either
        bad = c ^ (1 + R.randrange(0xfffe))
        while {bad, c} <= {0, 0xffff} or bad == c:
            bad = R.randrange(0x10000)
        c = bad
    return h[:10] + struct.pack('!H', c) + h[12:] + payload


def udp(sport, dport, data):
    return struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data


def tcp(sport, dport, flags=0x02):
    return struct.pack('!HHIIBBHHH', sport, dport, R.getrandbits(32), 0, 5 << 4, flags,
                       65535, 0, 0)


def arp(op=1, sha=None, sip=None, tha=b'\0' * 6, tip=None, hrd=1, pro=0x0800, hln=6, pln=4):
    return struct.pack('!HHBBH', hrd, pro, hln, pln, op) + (sha or SRC) + \
        (sip or raddr()) + tha + (tip or NLBS)


ZERO = dict(rx=0, forwarded=0, **{'drop-malformed': 0, 'arp-requests': 0,
                                  'arp-replies': 0, 'arp-conflicts': 0,
                                  'drop-inactive': 0, 'drop-toobig': 0,
                                  'icmp-forwarded': 0, 'drop-no-server': 0})


def e(**kw):
    d = {}
    for k, v in kw.items():
        d[k.replace('_', '-')] = v
    return d


def fwd(l3len, icmp=False):
    """A valid datagram to the VIP, to our MAC: what the counters say."""
    if not active:
        return e(rx=1, drop_inactive=1)
    if l3len > srv_mtu:
        return e(rx=1, drop_toobig=1)
    return e(rx=1, forwarded=1, icmp_forwarded=1 if icmp else 0)


MAL_RX = e(rx=1, drop_malformed=1)
MAL = e(drop_malformed=1)
NONE = {}


def g_arp_trunc():
    body = arp()[:R.randrange(0, 28)]
    return eth(R.choice([BC, NLB]), 0x0806, body), MAL


def g_arp_badhdr():
    k = R.randrange(4)
    body = arp(hrd=R.choice([0, 6, 0xffff]) if k == 0 else 1,
               pro=R.choice([0, 0x86dd, 0x0806]) if k == 1 else 0x0800,
               hln=R.choice([0, 4, 8, 255]) if k == 2 else 6,
               pln=R.choice([0, 6, 16, 255]) if k == 3 else 4)
    return eth(BC, 0x0806, body), MAL


def g_arp_req():
    sip = raddr()
    while sip == NLBS:
        sip = raddr()
    return eth(R.choice([BC, NLB, mcast()]), 0x0806, arp(sip=sip)), \
        e(arp_requests=1, arp_replies=1 if active else 0)


def g_arp_req_other():
    # to another host's MAC: counted, never answered
    return eth(OTHER, 0x0806, arp(sip=ip4('10.10.0.1'))), e(arp_requests=1)


def g_arp_spoof():
    # someone announces the NLBS address: a conflict while active
    k = R.randrange(3)
    if k == 0:      # gratuitous request
        body = arp(op=1, sha=rmac(), sip=NLBS, tip=NLBS)
    elif k == 1:    # gratuitous reply
        body = arp(op=2, sha=rmac(), sip=NLBS, tip=NLBS)
    else:           # a request for another address (the NLB's own, too) from it
        body = arp(op=1, sha=rmac(), sip=NLBS, tip=ip4(R.choice(['10.10.0.1', '10.10.0.11'])))
    return eth(BC, 0x0806, body), e(arp_conflicts=1 if active else 0)


def g_arp_reply():
    return eth(NLB, 0x0806, arp(op=2, sip=ip4('10.10.0.1'))), NONE


def g_arp_notours():
    return eth(BC, 0x0806, arp(tip=ip4('10.10.0.%d' % R.randrange(1, 99)))), NONE


def g_eth_short():
    # shorter than an Ethernet header: the packet socket pads or refuses it
    return R.randbytes(R.randrange(0, 14)), None


def g_ip_trunc():
    return eth(NLB, 0x0800, ip(udp(1, 53, b'x'))[:R.randrange(0, 20)]), MAL


def g_ip_badver():
    return eth(NLB, 0x0800, ip(udp(1, 53, b'x'), ver=R.choice([0, 5, 6, 15]))), MAL_RX


def g_ip_badihl():
    return eth(NLB, 0x0800, ip(udp(1, 53, b'abcd'), ihl=R.randrange(0, 5))), MAL_RX


def g_ip_ihl_long():
    # ihl beyond the frame
    return eth(NLB, 0x0800, ip(b'', ihl=R.randrange(6, 16))[:20]), MAL_RX


def g_ip_badlen():
    d = udp(1, 53, b'abcd')
    tot = R.choice([R.randrange(1, 20), 28 + len(d) + R.randrange(1, 2000)])
    return eth(NLB, 0x0800, ip(d, tot=tot)), MAL_RX


def g_ip_zerolen():
    return eth(NLB, 0x0800, ip(udp(1, 53, b'abcd'), tot=0)), MAL_RX


def g_ip_badsum():
    return eth(NLB, 0x0800, ip(udp(1, 53, b'abcd'), badsum=True)), MAL_RX


def g_ip_notvip():
    return eth(NLB, 0x0800, ip(udp(1, 53, b'abcd'), dst=ip4('198.51.100.99'))), NONE


def g_ip_bcast():
    return eth(BC, 0x0800, ip(udp(1, 53, b'abcd'))), NONE


def g_ip_mcast():
    return eth(mcast(), 0x0800, ip(udp(1, 53, b'abcd'))), NONE


def g_ip_otherhost():
    return eth(OTHER, 0x0800, ip(udp(1, 53, b'abcd'))), NONE


def g_udp():
    d = udp(R.randrange(1, 65536), R.choice([53, 53, 9999, R.randrange(65536)]),
            R.randbytes(R.randrange(0, 64)))
    p = ip(d)
    # trailing bytes after tot_len (Ethernet padding) are allowed
    pad = R.randbytes(R.randrange(0, 8)) if R.random() < 0.2 else b''
    return eth(NLB, 0x0800, p + pad), fwd(len(p + pad))


def g_tcp():
    p = ip(tcp(R.randrange(1, 65536), R.choice([80, 53, R.randrange(65536)]),
               R.choice([0x02, 0x10, 0x01, 0x04, 0x12, 0xff])), proto=6)
    return eth(NLB, 0x0800, p), fwd(len(p))


# the transport header is looked at only on an active NLB
TRUNC = MAL_RX if active else e(rx=1, drop_inactive=1)


def g_udp_trunc():
    d = udp(1, 53, b'')[:R.randrange(0, 8)]
    return eth(NLB, 0x0800, ip(d)), TRUNC


def g_tcp_trunc():
    d = tcp(1, 80)[:R.randrange(0, 20)]
    return eth(NLB, 0x0800, ip(d, proto=6)), TRUNC


def g_frag():
    # a fragment: no ports, the whole-VIP service; any offset, MF or not
    data = R.randbytes(8 * R.randrange(1, 20))
    frag = (0x2000 if R.random() < 0.7 else 0) | R.randrange(0, 400)
    if frag & 0x1fff == 0:
        frag |= 0x2000  # offset 0: only a fragment with MF
    p = ip(data, proto=R.choice([6, 17, 1, 47]), frag=frag | (0x4000 if R.random() < 0.1 else 0))
    return eth(NLB, 0x0800, p), fwd(len(p))


def g_frag_tiny():
    # first fragment holding less than the transport header
    p = ip(R.randbytes(R.randrange(1, 8)), proto=R.choice([6, 17]), frag=0x2000)
    return eth(NLB, 0x0800, p), fwd(len(p))


def g_frag_last():
    p = ip(R.randbytes(R.randrange(1, 100)), proto=17, frag=R.randrange(1, 0x1fff))
    return eth(NLB, 0x0800, p), fwd(len(p))


def g_frag_maxoff():
    p = ip(R.randbytes(64), proto=17, frag=0x3fff)
    return eth(NLB, 0x0800, p), fwd(len(p))


def g_opts():
    rr = bytes([7, 15, 4]) + bytes(12) + bytes([0])
    ts = bytes([68, 12, 5, 0]) + bytes(8)
    o = R.choice([rr, ts, bytes([1, 1, 1, 0]), bytes([0, 0, 0, 0])])
    p = ip(udp(R.randrange(1, 65536), 53, b'opts'), opts=o)
    return eth(NLB, 0x0800, p), fwd(len(p))


def g_opts_garbage():
    o = R.randbytes(4 * R.randrange(1, 11))
    p = ip(udp(R.randrange(1, 65536), 53, b'opts'), opts=o)
    return eth(NLB, 0x0800, p), fwd(len(p))


def g_icmp_err():
    # an error quoting a datagram the VIP sent to a client: steered
    client = raddr()
    inner_proto = R.choice([6, 17])
    inner = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 60, 1, 0, 64, inner_proto, 0, VIP, client)
    ports = struct.pack('!HH', R.choice([53, 80]), R.randrange(1, 65536))
    t = R.choice([(3, 4), (3, 3), (11, 0), (12, 0)])
    body = struct.pack('!BBHI', t[0], t[1], 0, 1500) + inner + ports + R.randbytes(4)
    p = ip(body, proto=1, src=ip4('192.0.2.1'))
    return eth(NLB, 0x0800, p), fwd(len(p), icmp=True)


def g_icmp_garbage():
    # ICMP errors quoting garbage: not steered, the whole-VIP service
    t = R.choice([3, 11, 12])
    k = R.randrange(5)
    if k == 0:      # quote shorter than an IP header
        body = struct.pack('!BBHI', t, 0, 0, 0) + R.randbytes(R.randrange(0, 20))
    elif k == 1:    # inner version or ihl wrong
        body = struct.pack('!BBHI', t, 0, 0, 0) + bytes([R.choice([0x65, 0x44, 0x40, 0x4f])]) + \
            R.randbytes(27)
    elif k == 2:    # inner from elsewhere than the VIP
        body = struct.pack('!BBHI', t, 0, 0, 0) + \
            struct.pack('!BBHHHBBH4s4s', 0x45, 0, 60, 1, 0, 64, 17, 0, raddr(), raddr()) + \
            R.randbytes(8)
    elif k == 3:    # inner ihl 15, quote too short for its ports
        body = struct.pack('!BBHI', t, 0, 0, 0) + \
            struct.pack('!BBHHHBBH4s4s', 0x4f, 0, 60, 1, 0, 64, 17, 0, VIP, raddr())
    else:           # inner a fragment, or ICMP in ICMP
        body = struct.pack('!BBHI', t, 0, 0, 0) + \
            struct.pack('!BBHHHBBH4s4s', 0x45, 0, 60, 1, R.choice([0x0010, 0]),
                        64, R.choice([1, 17]), 0, VIP, raddr()) + R.randbytes(8)
        inner_frag = body[8 + 6:8 + 8] != b'\0\0'
        inner_icmp = body[8 + 9] == 1
        if not inner_frag and not inner_icmp:
            p = ip(body, proto=1)
            return eth(NLB, 0x0800, p), fwd(len(p), icmp=True)
    p = ip(body, proto=1)
    return eth(NLB, 0x0800, p), fwd(len(p))


def g_icmp_other():
    body = struct.pack('!BBHHH', R.choice([0, 8, 13, 255]), 0, 0, 1, 1) + R.randbytes(16)
    p = ip(body, proto=1)
    return eth(NLB, 0x0800, p), fwd(len(p))


def g_oversized():
    p = ip(udp(R.randrange(1, 65536), 53, R.randbytes(R.randrange(srv_mtu, srv_mtu + 3000))))
    return eth(NLB, 0x0800, p), fwd(len(p))


def g_vlan():
    p = ip(udp(1, 53, b'vlan'))
    return eth(NLB, 0x0800, p, tags=[(0x8100, R.randrange(4096))]), NONE


def g_qinq():
    p = ip(udp(1, 53, b'qinq'))
    return eth(NLB, 0x0800, p, tags=[(0x88a8, R.randrange(4096)), (0x8100, R.randrange(4096))]), NONE


def g_vlan_arp():
    return eth(BC, 0x0806, arp(), tags=[(R.choice([0x8100, 0x88a8]), R.randrange(4096))]), NONE


def g_garbage():
    typ = R.choice([0x86dd, 0x8847, 0x88cc, 0x0842, R.randrange(0x600, 0x10000)])
    while typ in (0x0800, 0x0806, 0x8100, 0x88a8, 0x9100):
        typ = R.randrange(0x600, 0x10000)
    return eth(R.choice([NLB, BC]), typ, R.randbytes(R.randrange(0, 200))), NONE


GEN = [(n[2:].replace('_', '-'), f, w) for n, f, w in [
    ('g_arp_trunc', g_arp_trunc, 3), ('g_arp_badhdr', g_arp_badhdr, 3),
    ('g_arp_req', g_arp_req, 3), ('g_arp_req_other', g_arp_req_other, 1),
    ('g_arp_spoof', g_arp_spoof, 3), ('g_arp_reply', g_arp_reply, 1),
    ('g_arp_notours', g_arp_notours, 1), ('g_eth_short', g_eth_short, 1),
    ('g_ip_trunc', g_ip_trunc, 3), ('g_ip_badver', g_ip_badver, 2),
    ('g_ip_badihl', g_ip_badihl, 2), ('g_ip_ihl_long', g_ip_ihl_long, 2),
    ('g_ip_badlen', g_ip_badlen, 3), ('g_ip_zerolen', g_ip_zerolen, 1),
    ('g_ip_badsum', g_ip_badsum, 2), ('g_ip_notvip', g_ip_notvip, 1),
    ('g_ip_bcast', g_ip_bcast, 1), ('g_ip_mcast', g_ip_mcast, 1),
    ('g_ip_otherhost', g_ip_otherhost, 1), ('g_udp', g_udp, 6), ('g_tcp', g_tcp, 4),
    ('g_udp_trunc', g_udp_trunc, 2), ('g_tcp_trunc', g_tcp_trunc, 2),
    ('g_frag', g_frag, 4), ('g_frag_tiny', g_frag_tiny, 2), ('g_frag_last', g_frag_last, 2),
    ('g_frag_maxoff', g_frag_maxoff, 1), ('g_opts', g_opts, 2),
    ('g_opts_garbage', g_opts_garbage, 2), ('g_icmp_err', g_icmp_err, 3),
    ('g_icmp_garbage', g_icmp_garbage, 3), ('g_icmp_other', g_icmp_other, 1),
    ('g_oversized', g_oversized, 1), ('g_vlan', g_vlan, 2), ('g_qinq', g_qinq, 1),
    ('g_vlan_arp', g_vlan_arp, 1), ('g_garbage', g_garbage, 2)]]
NAMES = [g[0] for g in GEN]
WEIGHTS = [g[2] for g in GEN]


def main():
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((dev, 0))
    expect = dict(ZERO)
    classes = {}
    sent = refused = replies = 0

    def drain():
        nonlocal replies
        while True:
            try:
                f, a = s.recvfrom(2048, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            # outgoing frames are looped back to a packet socket too
            if a[2] == socket.PACKET_OUTGOING:
                continue
            if len(f) >= 42 and f[12:14] == b'\x08\x06' and f[20:22] == b'\x00\x02' and \
                    f[28:32] == NLBS and f[22:28] == NLB:
                replies += 1

    t0 = time.monotonic()
    gens = R.choices(GEN, weights=WEIGHTS, k=count)
    for i, (name, gen, _) in enumerate(gens):
        frame, exp = gen()
        try:
            s.send(frame)
        except OSError:
            refused += 1
            classes[name + ' (refused)'] = classes.get(name + ' (refused)', 0) + 1
            continue
        sent += 1
        classes[name] = classes.get(name, 0) + 1
        if exp is None:
            # a short frame the socket took (root may send them, zero-padded):
            # the padded header says what it is; its type is 0 here
            exp = NONE
        for k, v in exp.items():
            expect[k] += v
        if i % 64 == 63:
            drain()
            time.sleep(0.001)   # let the backlogs keep up
    end = time.monotonic() + 2
    while time.monotonic() < end and replies < expect['arp-replies']:
        select.select([s], [], [], 0.2)
        drain()
    time.sleep(0.3)
    drain()
    print(json.dumps(dict(expect=expect, classes=classes, sent=sent, refused=refused,
                          arp_replies_seen=replies, seconds=round(time.monotonic() - t0, 1),
                          seed=seed), sort_keys=True))


main()
