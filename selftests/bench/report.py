#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the records of a benchmark run into results.json, results.md and
chart.png (gnuplot, when installed).

    report.py DIR        reads DIR/records.jsonl (one JSON object a line,
                         the "@bench" lines of the VM's output)

Medians and spreads (min-max) are over the rounds; extra(X) is the time X
adds per packet over the bare path, 1/rate(X) - 1/rate(bare), computed per
round (each round measures every contender back to back) and summarised
by its median. Nothing here judges a figure: it only reports.
"""
import json
import os
import statistics
import subprocess
import sys

CONTENDERS = ['bare', 'ipvs-wrr', 'ipvs-mh', 'nlbs']
LABEL = {
    'bare': 'bare path: tc flower + pedit + mirred, no balancing',
    'ipvs-wrr': 'IPVS-DR, wrr',
    'ipvs-mh': 'IPVS-DR, mh (Maglev)',
    'nlbs': 'nlbs',
}


def med(xs):
    return statistics.median(xs) if xs else None


def spread(xs):
    return [min(xs), max(xs)] if xs else None


def fmt_int(x):
    return '–' if x is None else f'{x:,.0f}'


def fmt_f(x, nd=1):
    return '–' if x is None else f'{x:.{nd}f}'


def fmt_k(x):
    """pps as 45.5k"""
    return '–' if x is None else f'{x / 1000:.1f}k'


def fmt_range(r, f=fmt_k):
    return '' if not r else f' ({f(r[0])}–{f(r[1])})'


def jsonl(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    except OSError:
        pass
    return out


def load(d):
    """The records, each measured run with cpu_us (the VM's host CPU time
    over the run, from marks.jsonl) and cpu_pps (delivered per CPU second)
    when its marks were seen."""
    recs = jsonl(os.path.join(d, 'records.jsonl'))
    marks = {}
    for m in jsonl(os.path.join(d, 'marks.jsonl')):
        marks.setdefault(m['mark'], {})[m['edge']] = m
    for r in recs:
        m = marks.get(r.get('mark'))
        if not m or 'begin' not in m or 'end' not in m:
            continue
        cpu = m['end']['cpu_ns'] - m['begin']['cpu_ns']
        r['cpu_us'] = cpu // 1000
        r['host_us'] = (m['end']['host_ns'] - m['begin']['host_ns']) // 1000
        if cpu > 0 and r.get('delivered'):
            r['cpu_pps'] = round(r['delivered'] * 1e9 / cpu)
            r['cpu_us_per_packet'] = cpu / 1000 / r['delivered']
    return recs


def summarize_rate(recs):
    """Per mode and contender: delivered pps (wall clock), host CPU µs per
    packet; extra over bare per round, both ways; ratios to IPVS."""
    out = {}
    for mode in ('xmit', 'nic', 'rx'):
        rs = [r for r in recs if r.get('kind') == 'rate' and r.get('mode') == mode]
        wall, cpu = {}, {}
        for r in rs:
            if r.get('pps', 0) > 0:
                wall.setdefault(r['contender'], {})[r['round']] = r['pps']
            if r.get('cpu_us_per_packet'):
                cpu.setdefault(r['contender'], {})[r['round']] = r['cpu_us_per_packet']
        m = {}
        for c in CONTENDERS:
            pps = list(wall.get(c, {}).values())
            cus = list(cpu.get(c, {}).values())
            e = {'pps_median': med(pps), 'pps_spread': spread(pps), 'rounds': len(pps),
                 'cpu_us_median': med(cus), 'cpu_us_spread': spread(cus),
                 'errors': [r.get('error') for r in rs if r.get('contender') == c and 'error' in r]}
            if c != 'bare':
                w, b = wall.get(c, {}), wall.get('bare', {})
                paired = [1e6 / w[k] - 1e6 / b[k] for k in w if k in b]
                e['extra_wall_us_median'] = med(paired)
                e['extra_wall_us_spread'] = spread(paired)
                w, b = cpu.get(c, {}), cpu.get('bare', {})
                paired = [w[k] - b[k] for k in w if k in b]
                e['extra_cpu_us_median'] = med(paired)
                e['extra_cpu_us_spread'] = spread(paired)
            m[c] = e
        for ipvs in ('ipvs-wrr', 'ipvs-mh'):
            for how in ('cpu', 'wall'):
                a = m.get('nlbs', {}).get(f'extra_{how}_us_median')
                b = m.get(ipvs, {}).get(f'extra_{how}_us_median')
                if a is not None and b:
                    m[f'ratio_{how}_nlbs_{ipvs}'] = a / b
        out[mode] = m
    sw = {}
    for r in recs:
        if r.get('kind') != 'sweep' or 'pps' not in r:
            continue
        s = sw.setdefault(r['contender'], {'steps': [], 'best_pps': None, 'best_offered': None})
        s['steps'].append({k: r[k] for k in ('offered', 'pps', 'loss') if k in r})
        if r['loss'] <= 0.5 and (s['best_pps'] is None or r['pps'] > s['best_pps']):
            s['best_pps'], s['best_offered'] = r['pps'], r['offered']
    out['sweep'] = sw
    return out


def summarize_scale(recs):
    """Per configuration: nlbs's rate and cost, the bare path's measured in
    the same rounds, the extra per round (cost(nlbs) - cost(bare)) and the
    rate relative to the measured service alone, corrected for the host's
    drift: (bare + extra(alone)) / (bare + extra(here)), bare being the
    bare path's cost next to the service alone."""
    rows = {}
    for r in recs:
        if r.get('kind') not in ('scale', 'scaleref'):
            continue
        key = (r['series'], r.get('n', 0), r.get('when', ''))
        e = rows.setdefault(key, {'series': r['series'], 'n': r.get('n'), 'when': r.get('when', ''),
                                  'loaded': r.get('loaded'), 'errors': set(),
                                  'nlbs': {}, 'bare': {}})
        if 'refused_at' in r:
            e['refused_at'] = r['refused_at']
        if 'error' in r:
            e['errors'].add(r['error'])
        if r.get('pps'):
            e['nlbs' if r['kind'] == 'scale' else 'bare'][r['round']] = r
    out = []
    for e in rows.values():
        n, b = e.pop('nlbs'), e.pop('bare')
        pps = [r['pps'] for r in n.values()]
        cpu = [r['cpu_us_per_packet'] for r in n.values() if 'cpu_us_per_packet' in r]
        bcpu = [r['cpu_us_per_packet'] for r in b.values() if 'cpu_us_per_packet' in r]
        e.update({'pps_median': med(pps), 'pps_spread': spread(pps),
                  'bare_pps_median': med([r['pps'] for r in b.values()]),
                  'cpu_us_median': med(cpu), 'cpu_us_spread': spread(cpu),
                  'bare_cpu_us_median': med(bcpu)})
        ex = [n[k]['cpu_us_per_packet'] - b[k]['cpu_us_per_packet'] for k in n
              if k in b and 'cpu_us_per_packet' in n[k] and 'cpu_us_per_packet' in b[k]]
        exw = [1e6 / n[k]['pps'] - 1e6 / b[k]['pps'] for k in n if k in b]
        e.update({'extra_cpu_us_median': med(ex), 'extra_cpu_us_spread': spread(ex),
                  'extra_wall_us_median': med(exw), 'extra_wall_us_spread': spread(exw)})
        e['errors'] = sorted(e['errors'])
        out.append(e)
    base = next((e for e in out if e['series'] == 'base' and e['when'] == 'before'), None)
    for e in out:
        for how in ('cpu', 'wall'):
            e[f'{how}_vs_base'] = None
            if not base or e[f'extra_{how}_us_median'] is None or base[f'extra_{how}_us_median'] is None:
                continue
            ref = base['bare_cpu_us_median'] if how == 'cpu' else (
                1e6 / base['bare_pps_median'] if base['bare_pps_median'] else None)
            if ref:
                e[f'{how}_vs_base'] = (ref + base[f'extra_{how}_us_median']) / \
                    (ref + e[f'extra_{how}_us_median'])
    order = {'base': 0, 'vips': 1, 'ports': 2, 'servers': 3, 'flows': 4}
    out.sort(key=lambda e: (order.get(e['series'], 9), e['when'] == 'after', e['n'] or 0))
    loads = [r for r in recs if r.get('kind') == 'load']
    fill = [r for r in recs if r.get('kind') == 'flowfill']
    return {'rows': out, 'loads': loads, 'flowfill': fill}


def summarize_ctl(recs):
    by = {}
    for r in recs:
        if r.get('kind') != 'ctl':
            continue
        e = by.setdefault(r['op'], {}).setdefault(r['tool'], {'ms': [], 'errors': [], 'n': r.get('n')})
        if 'error' in r:
            e['errors'].append(r['error'])
        else:
            e['ms'].append(r['ms'])
    for op, tools in by.items():
        for t, e in tools.items():
            e['ms_median'] = med(e['ms'])
            e['ms_spread'] = spread(e['ms'])
        n = tools.get('nlbs', {}).get('ms_median')
        for t, e in tools.items():
            if t != 'nlbs' and n and e['ms_median']:
                e['times_nlbs'] = e['ms_median'] / n
    rt = {}
    for r in recs:
        if r.get('kind') == 'rtnl':
            e = rt.setdefault(r['op'], {'max_us': 0, 'samples': 0})
            e['max_us'] = max(e['max_us'], r.get('max_us', 0))
            e['samples'] += r.get('samples', 0)
    return {'ops': by, 'rtnl': rt}


def summarize_failover(recs):
    by = {}
    for r in recs:
        if r.get('kind') != 'failover':
            continue
        e = by.setdefault((r['system'], r['timers']), {}).setdefault(
            r['event'], {'gap_ms': [], 'base_ms': [], 'resumed': [], 'took_over': []})
        e['gap_ms'].append(r['gap_ms'])
        e['base_ms'].append(r['base_ms'])
        e['resumed'].append(r['resumed'])
        e['took_over'].append(r.get('nlb2_took_over'))
    out = []
    for (sysname, timers), evs in by.items():
        row = {'system': sysname, 'timers': timers}
        for ev, e in evs.items():
            row[ev] = {'gap_ms_median': med(e['gap_ms']), 'gap_ms_spread': spread(e['gap_ms']),
                       'base_ms_max': max(e['base_ms']), 'all_resumed': all(e['resumed']),
                       'took_over': e['took_over'], 'rounds': len(e['gap_ms'])}
        out.append(row)
    stable = [r for r in recs if r.get('kind') == 'stable']
    return {'rows': out, 'stability': stable}


def summarize_sync(recs):
    """Flow sync: the steps by offered rate; the highest rate at which nlb2
    imported at least 99% of the flows nlb1 created, every slower step
    included ("kept up"); the first step above it and where its loss was
    counted; whether the data path kept up (forwarded == created == sent)."""
    info = next((r for r in recs if r.get('kind') == 'sync_info'), {})
    steps = sorted((r for r in recs if r.get('kind') == 'sync' and 'created' in r),
                   key=lambda r: (r['asked'] == 0, r['offered']))
    errors = [r.get('error') for r in recs if r.get('kind') == 'sync' and 'error' in r]
    for r in steps:
        c = r['created']
        r['imported_pct'] = 100.0 * r['imported'] / c if c else None
        r['kept_up'] = bool(c) and r['imported'] * 100 >= c * 99
        # what the counters account for, in flows (socket drops are
        # datagrams of up to 55 flows: not added)
        r['lost'] = max(0, c - r['imported'])
        r['lost_counted'] = r['k_dropped'] + r['d_dropped'] + r['refused'] + r['p_refused']
        r['datapath_ok'] = r['forwarded'] == r['created'] == r['sent']
        # the pair moved during the step (a stall past the lease): takeovers
        # and resyncs are in its counts, so it does not make the headline
        r['moved'] = bool(r.get('flaps')) or not r.get('nlb1_active', 1)
    best, above = None, None
    for r in (r for r in steps if not r['moved']):
        if r['kept_up'] and above is None:
            best = r
        elif not r['kept_up'] and above is None:
            above = r
    return {'info': info, 'steps': steps, 'errors': errors,
            'kept_up_offered': best['offered'] if best else None,
            'first_loss_offered': above['offered'] if above else None,
            'datapath_ok': all(r['datapath_ok'] for r in steps if not r['moved'])
            if any(not r['moved'] for r in steps) else None,
            'moved': sum(1 for r in steps if r['moved'])}


def md_rate(s, env):
    x, nic, rx, sw = s['xmit'], s.get('nic', {}), s['rx'], s['sweep']
    L = ['## Rate',
         '',
         'pktgen, 64-byte UDP datagrams over 1,000 flows into the NLB\'s access device, '
         'counted at the three servers (weights 1:2:3); the contenders alternate, round '
         'after round. "pps": delivered per second of wall clock. "CPU µs/packet": host '
         'CPU time the VM used over the run per delivered datagram (unlike the wall clock, '
         'it does not count the time other work on the host took the VM\'s cores). '
         '"extra": the time a contender adds per packet over the bare path, '
         '1/rate − 1/rate(bare), per round, then the median; (min–max) over the rounds.',
         '',
         '| contender | pps | extra µs/packet | CPU µs/packet | extra CPU µs/packet | highest rate with ≤ 0.5% loss |',
         '|---|---|---|---|---|---|']

    def us(v):
        return fmt_f(v, 2)

    def row(m, c, sweep):
        e = m.get(c, {})
        if c == 'bare':
            ew = '0' if e.get('pps_median') else '–'
            ec = '0' if e.get('cpu_us_median') else '–'
        else:
            ew = us(e.get('extra_wall_us_median')) + fmt_range(e.get('extra_wall_us_spread'), us)
            ec = us(e.get('extra_cpu_us_median')) + fmt_range(e.get('extra_cpu_us_spread'), us)
        best = fmt_k(sw.get(c, {}).get('best_pps')) if sweep else ''
        return (f"| {LABEL[c]} | {fmt_k(e.get('pps_median'))}{fmt_range(e.get('pps_spread'))} | {ew} "
                f"| {us(e.get('cpu_us_median'))}{fmt_range(e.get('cpu_us_spread'), us)} | {ec} | {best} |")
    for c in CONTENDERS:
        L.append(row(x, c, True))
    L.append('')

    def ratios(m):
        parts = []
        for ipvs in ('ipvs-wrr', 'ipvs-mh'):
            c, w = m.get(f'ratio_cpu_nlbs_{ipvs}'), m.get(f'ratio_wall_nlbs_{ipvs}')
            if c is not None or w is not None:
                parts.append(f"{fmt_f(c, 2)} of IPVS-DR {ipvs[5:]}'s (wall clock: {fmt_f(w, 2)})")
        return ', '.join(parts)
    if ratios(x):
        L += [f'**extra(nlbs) / extra(IPVS), CPU time: {ratios(x)}.**', '']
    def mode_table(m, intro, ratio_line):
        if not any(m.get(c, {}).get('pps_median') for c in CONTENDERS):
            return []
        T = [intro, '',
             '| contender | pps | extra µs/packet | CPU µs/packet | extra CPU µs/packet | |',
             '|---|---|---|---|---|---|']
        T += [row(m, c, False) for c in CONTENDERS] + ['']
        if ratios(m):
            T += [ratio_line.format(ratios(m)), '']
        return T
    L += mode_table(nic, 'The same, with an XDP program passing every frame on the NLB\'s access '
                    'device: veth then copies each datagram into a page of its own, as a NIC '
                    'driver delivers it, where above each contender gets pktgen\'s shared skb '
                    '(and must copy it before writing to it):',
                    '**extra(nlbs) / extra(IPVS), frames as from a NIC, CPU time: {}.**')
    L += mode_table(rx, 'pktgen `xmit_mode netif_receive` on the NLB\'s access device (no '
                    'firewall, no veth on the way in: the balancer\'s own cost, on shared skbs):',
                    'extra(nlbs) / extra(IPVS), netif_receive, CPU time: {}.')
    if sw:
        L.append('Offered-rate sweep (pktgen ratep at fractions of the contender\'s rate; '
                 'offered → delivered, loss): ' + '; '.join(
                     f"{c}: " + ', '.join(f"{fmt_k(t['offered'])} → {fmt_k(t['pps'])} ({t['loss']:.1f}%)"
                                          for t in v['steps']) for c, v in sw.items()) + '.')
        L.append('')
    return L


def md_scale(s):
    L = ['## Scale (nlbs)',
         '',
         'The same traffic to one measured service (three static-MAC servers), counted as it '
         'leaves the NLB, while the rest of the configuration grows (other services: '
         'table-size 251, one static-MAC server each). In every round the bare path is '
         'measured too, with the same configuration loaded: "extra" is nlbs\'s cost over '
         'it in the same round (median, min–max), and "rate vs alone" compares the rates '
         'with the bare path held at its cost next to the service alone, which takes the '
         'host\'s drift out. CPU: host CPU time of the VM (see Rate).',
         '',
         '| configuration | loaded | pps | CPU µs/packet | extra CPU µs/packet | rate vs alone (CPU) |',
         '|---|---|---|---|---|---|']
    names = {'base': 'the measured service alone', 'vips': 'services on distinct VIPs',
             'ports': 'services on ports of one VIP', 'servers': 'servers in the service',
             'flows': 'entries in the flow table'}

    def us(v):
        return fmt_f(v, 2)
    for e in s['rows']:
        if e['series'] == 'base':
            what = f"1 service, 3 servers ({e['when']})"
        else:
            what = f"{e['n']:,} {names.get(e['series'], e['series'])}"
        loaded = f"{e['loaded']:,}" if isinstance(e.get('loaded'), int) else '–'
        if 'refused_at' in e:
            loaded += f" (refused at {e['refused_at']:,})"
        L.append(f"| {what} | {loaded} | {fmt_k(e['pps_median'])}{fmt_range(e['pps_spread'])} "
                 f"| {us(e['cpu_us_median'])}{fmt_range(e['cpu_us_spread'], us)} "
                 f"| {us(e['extra_cpu_us_median'])}{fmt_range(e['extra_cpu_us_spread'], us)} "
                 f"| {fmt_f(e.get('cpu_vs_base'), 2)} |")
    for f in s['flowfill']:
        if 'pps' in f:
            L.append('')
            cp = f" ({fmt_f(f['cpu_us_per_packet'], 2)} CPU µs each)" if f.get('cpu_us_per_packet') else ''
            sk = ', '.join(f'{k} {v:,}' for k, v in f.items() if k.startswith('flow-skip-') and v)
            L.append(f"Flow table fill: {f['n']:,} flows sent, {f.get('flows', 0):,} in the table "
                     f"(flow-max {f.get('flow_max', 0):,}{'; ' + sk if sk else ''}) "
                     f"at {fmt_k(f['pps'])} new flows/s{cp}.")
    errs = [(r['series'], r['n'], r['error']) for r in s['loads'] if 'error' in r]
    for series, n, err in errs:
        L.append('')
        L.append(f'Loading {n:,} ({series}): {err.strip()}')
    loads = [r for r in s['loads'] if 'ms' in r]
    if loads:
        L.append('')
        L.append('Load times with `nlbs-genl -b`: ' + ', '.join(
            f"{r['series']} to {r['loaded']:,}: {r['ms'] / 1000:.2f} s ({r['lines']:,} lines)"
            for r in loads) + '.')
    L.append('')
    return L


def md_mem(recs):
    mem = [r for r in recs if r.get('kind') == 'mem']
    if not mem:
        return []
    L = ['## Kernel memory', '',
         'Kernel memory in slab (large kmallocs included), vmalloc and per-CPU areas '
         '(/proc/meminfo), before and after, divided by the objects added; flows also '
         'from their slab cache (objects × object size).', '',
         '| object | n | kB | bytes each | slab bytes each | note |', '|---|---|---|---|---|---|']
    for r in mem:
        L.append(f"| {r.get('what')}{' (' + r['series'] + ')' if r.get('series') else ''} | {r.get('n', 0):,} "
                 f"| {r.get('kb', 0):,} | {r.get('bytes_each', 0):,} | {r.get('slab_bytes_each', '–')} "
                 f"| {r.get('note', 'objsize ' + str(r.get('objsize', '')))} |")
    L.append('')
    return L


def md_ctl(s):
    ops = s['ops']
    if not ops:
        return []
    L = ['## Control plane', '',
         'Wall time of loading the same content into an empty namespace with `nlbs-genl -b` '
         'and `ipvsadm -R`, listing it back (`nlbs-genl server show` / `show` against '
         '`ipvsadm -Ln`), deleting 1,000 of 10,000 servers in one batch. Median (min–max) over rounds.', '',
         '| operation | nlbs-genl | ipvsadm, wrr | ipvsadm, mh | ipvsadm / nlbs-genl |',
         '|---|---|---|---|---|']
    names = {'servers': 'load 1 service with {n} servers', 'list-servers': 'list them',
             'delete': 'delete {d} of the servers (one batch)',
             'services': 'load {n} services (1 server each)', 'list-services': 'list them'}

    def cell(e):
        if not e:
            return '–'
        if e['ms_median'] is None:
            return 'failed: ' + (e['errors'][0] if e['errors'] else '?')
        return f"{e['ms_median'] / 1000:.2f} s" + fmt_range(e['ms_spread'], lambda v: f'{v / 1000:.2f}')
    for op in ('servers', 'list-servers', 'delete', 'services', 'list-services'):
        if op not in ops:
            continue
        t = ops[op]
        n = next((e.get('n') for e in t.values() if e.get('n')), 0) or 0
        ratios = ', '.join(f"{k[5:]} {e['times_nlbs']:.1f}×" for k, e in t.items()
                           if 'times_nlbs' in e)
        L.append(f"| {names[op].format(n=f'{n:,}', d=f'{n // 10:,}')} | {cell(t.get('nlbs'))} "
                 f"| {cell(t.get('ipvs-wrr'))} | {cell(t.get('ipvs-mh'))} | {ratios or '–'} |")
    rt = s['rtnl']
    if rt:
        L.append('')
        idle = rt.get('idle', {}).get('max_us')
        parts = [f"{op} {e['max_us'] / 1000:.1f} ms" for op, e in rt.items() if op != 'idle']
        L.append('Longest wait for RTNL seen by a bystander (RTM_GETLINK in a loop) while nlbs-genl ran: '
                 + ', '.join(parts) + (f'; idle: {idle / 1000:.1f} ms (noise floor).' if idle is not None else '.'))
    L.append('')
    return L


def md_failover(s):
    if not s['rows'] and not s['stability']:
        return []
    L = ['## Failover', '',
         'Longest gap in a stream of UDP datagrams (one each 5 ms, client to VIP, received on the '
         'servers), of the gaps ending after the event: median (min–max) over the rounds; in '
         'brackets the longest gap in the 1.5 s before the event (noise floor: TCG stalls) and '
         'whether nlb2 took over.', '',
         '| system | timers | access link of the active cut | its daemon killed (SIGKILL) |',
         '|---|---|---|---|']

    def cell(e):
        if not e:
            return '–'
        g = f"{e['gap_ms_median']:,.0f} ms" + fmt_range(e['gap_ms_spread'], lambda v: f'{v:,.0f}')
        if not e['all_resumed']:
            g = '≥ ' + g + ', not resumed'
        took = 'took over' if all(e['took_over']) else 'nlb2 did NOT take over'
        return f"{g} [floor {e['base_ms_max']} ms, {took}]"
    for r in s['rows']:
        L.append(f"| {r['system']} | {r['timers']} | {cell(r.get('link'))} | {cell(r.get('kill'))} |")
    st = s['stability']
    for sysname, dflt in (('nlbsd', 100), ('keepalived', 1)):
        tried = [r for r in st if r['system'] == sysname and r['advert'] != dflt]
        tight = [r for r in s['rows'] if r['system'] == sysname and 'tightest' in r['timers']]
        if tried and not tight:
            L.append(f'| {sysname} | no timer tighter than the default was stable | – | – |')
    if st:
        L.append('')
        L.append('Stability (state changes in an idle window): ' + ', '.join(
            f"{r['system']} advert {r['advert']}: {r['flaps']} in {r['seconds']} s" for r in st) + '.')
    L.append('')
    return L


def md_sync(s):
    steps = s['steps']
    if not steps and not s['errors']:
        return []
    info = s['info']
    rate = info.get('sync_rate')
    rate_s = f"{rate:,}" + (' (the default)' if info.get('sync_rate_default') else '') if rate else '?'
    L = ['## Flow sync (nlbsd pair)', '',
         'New UDP flows (every datagram its own source address and port) offered to the active '
         f"nlb1 for {info.get('secs', '?')} s a step, pktgen paced (last: flat out); both flow "
         'tables flushed before a step, counters read once nlb2\'s imports stopped moving. '
         f"nlbsd sync-rate {rate_s}. \"sent\": by pktgen; \"created\": nlb1's flow-new; \"imported\": nlb2's kernel "
         'sync-imported; then where the rest went: nlb1\'s kernel sync-dropped (notification '
         'batches its daemon\'s netlink socket could not take) and the overruns the daemon saw, '
         'nlbsd\'s dropped (over sync-rate, or a send error), nlb2\'s UDP receive-buffer drops '
         '(datagrams of up to 55 flows), flows refused by nlb2 (kernel or daemon); "other loss": flows neither imported nor in '
         'those flow counts (lost datagrams, counted in the socket drops, or still in flight '
         'when the drain gave up).', '',
         '| offered flows/s (asked) | sent | created | forwarded | imported on nlb2 | kernel sync-dropped '
         '(overruns) | nlbsd dropped | nlb2 socket drops | refused | other loss | drain |',
         '|---|---|---|---|---|---|---|---|---|---|---|']
    for r in steps:
        asked = 'flat out' if r['asked'] == 0 else f"{r['asked']:,}"
        pct = fmt_f(r['imported_pct'], 1)
        fw = f"{r['forwarded']:,}" + ('' if r['forwarded'] == r['created'] else ' (≠ created)')
        moved = ''
        if r['moved']:
            moved = f" [the pair moved: {r.get('flaps', 0)} state changes, resyncs {r.get('d_served', 0) + r.get('p_resyncs', 0)}]"
        L.append(f"| {r['offered']:,} ({asked}){moved} | {r['sent']:,} | {r['created']:,} | {fw} "
                 f"| {r['imported']:,} ({pct}%) | {r['k_dropped']:,} ({r['d_overruns']:,}) "
                 f"| {r['d_dropped']:,} | {r['rcvbuf_errors']:,} | {r['refused'] + r['p_refused']:,} "
                 f"| {max(0, r['lost'] - r['lost_counted']):,} | {r['drain_ms'] / 1000:.1f} s |")
    L.append('')
    k, f = s['kept_up_offered'], s['first_loss_offered']
    if k is not None:
        line = f"**Flow sync kept up (≥ 99% imported) up to {k:,} new flows/s**"
        line += (f"; first loss at {f:,}/s." if f is not None else
                 '; no step measured lost flows: the limit is above the fastest step.')
    elif f is not None:
        line = f"**Flow sync lost flows already at {f:,} new flows/s** (the slowest step)."
    else:
        line = 'No step measured.'
    if s['moved']:
        line += (f" Steps in which the pair moved ({s['moved']}; a TCG stall past the lease: "
                 'takeovers and resyncs in their counts) are left out of these figures.')
    if s['datapath_ok'] is not None:
        line += (' The data path forwarded every datagram (forwarded = created = sent) in every step.'
                 if s['datapath_ok'] else
                 ' In some step forwarded, created and sent differ: see the table.')
    L.append(line)
    for e in s['errors']:
        L.append(f'A step failed: {e}.')
    L.append('')
    return L


def chart(d, scale):
    """rate against services and servers: wall clock pps (top), and the rate
    relative to the measured service alone, drift-corrected, CPU (bottom)"""
    rows = [e for e in scale['rows'] if e.get('pps_median')]
    if not rows:
        return None
    base = [e for e in rows if e['series'] == 'base' and e['when'] == 'before']
    files = {}
    for series in ('vips', 'ports', 'servers'):
        pts = [(1 if series != 'servers' else 3, base[0])] if base else []
        pts += [(e['loaded'] or e['n'], e) for e in rows if e['series'] == series]
        if len(pts) < 2:
            continue
        fn = os.path.join(d, f'chart-{series}.dat')
        with open(fn, 'w') as f:
            for x, e in pts:
                lo, hi = e['pps_spread']
                f.write(f"{x} {e['pps_median']} {lo} {hi} {e.get('cpu_vs_base') or 'NaN'}\n")
        files[series] = fn
    if not files:
        return None
    title = {'vips': 'services (distinct VIPs)', 'ports': 'services (ports of one VIP)',
             'servers': 'servers in the service'}
    top = ', '.join(f"'{fn}' using 1:2:3:4 with yerrorlines title '{title[s]}'"
                    for s, fn in files.items())
    bottom = ', '.join(f"'{fn}' using 1:5 with linespoints title '{title[s]}'"
                       for s, fn in files.items())
    out = os.path.join(d, 'chart.png')
    gp = f"""set terminal png size 900,900
set output '{out}'
set multiplot layout 2,1 title 'nlbs: rate against configuration size (QEMU TCG, software emulation)'
set logscale x 2
set xrange [0.7:100000]
set xlabel 'services, or servers in the measured service'
set key bottom left
set grid
set yrange [0:*]
set ylabel 'delivered packets/s (wall clock, median, min-max)'
plot {top}
set yrange [0:1.5]
set ylabel 'rate vs the service alone (CPU time, drift-corrected)'
plot {bottom}, 0.9 with lines dashtype 2 title 'target: within 10%'
unset multiplot
"""
    with open(os.path.join(d, 'chart.gp'), 'w') as f:
        f.write(gp)
    try:
        subprocess.run(['gnuplot', os.path.join(d, 'chart.gp')], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except (OSError, subprocess.CalledProcessError) as e:
        sys.stderr.write(f'report: gnuplot failed: {e}\n')
        return None
    return out


def main():
    d = sys.argv[1]
    recs = load(d)
    env = next((r for r in recs if r.get('kind') == 'env'), {})
    host = next((r for r in recs if r.get('kind') == 'host'), {})
    parts = [r for r in recs if r.get('kind') == 'part']
    summary = {
        'rate': summarize_rate(recs),
        'scale': summarize_scale(recs),
        'ctl': summarize_ctl(recs),
        'failover': summarize_failover(recs),
        'sync': summarize_sync(recs),
        'memory': [r for r in recs if r.get('kind') == 'mem'],
    }
    png = chart(d, summary['scale'])
    res = {'env': env, 'host': host, 'parts': parts, 'summary': summary, 'records': recs,
           'chart': os.path.basename(png) if png else None}
    with open(os.path.join(d, 'results.json'), 'w') as f:
        json.dump(res, f, indent=1, default=list)
    L = [f"# nlbs benchmark, {host.get('date', '')}", '',
         f"Software emulation: QEMU TCG guest ({env.get('cpus', '?')} vCPUs, "
         f"{env.get('mem_kb', 0) // 1024} MB), kernel {env.get('kernel', '?')}, on a host "
         f"\"{host.get('cpu', '?')}\" ({host.get('cores', '?')} cores shared with other work), "
         f"mode {env.get('mode', '?')}, tree {host.get('commit', '?')}. Figures are noisy and "
         'far below real hardware; compare contenders within this run only.', '']
    if any(p.get('rc') for p in parts):
        L.append('Parts that did not finish: ' + ', '.join(
            f"{p['part']} (exit {p['rc']})" for p in parts if p.get('rc')) + '.')
        L.append('')
    if any(r.get('kind') == 'rate' for r in recs):
        L += md_rate(summary['rate'], env)
    if summary['scale']['rows']:
        L += md_scale(summary['scale'])
        if png:
            L += [f'Chart: {os.path.basename(png)}', '']
    L += md_mem(recs)
    L += md_ctl(summary['ctl'])
    L += md_failover(summary['failover'])
    L += md_sync(summary['sync'])
    skipped = [r['what'] for r in recs if r.get('kind') == 'skipped']
    if skipped:
        L += ['Skipped for the time budget of their part (a slow host): ' + ', '.join(skipped) + '.', '']
    with open(os.path.join(d, 'results.md'), 'w') as f:
        f.write('\n'.join(L))
    return 0 if recs else 1


if __name__ == '__main__':
    sys.exit(main())
