#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Host tests of nlbs-import, KTAP on standard output.

For every input under keepalived/ and ipvsadm/ (the real-*.rules were made by
ipvsadm and keepalived themselves in the test VM: gen-ipvsadm.sh):
  - the output and the notes equal expected/NAME.conf and expected/NAME.notes
    (--update rewrites them: review the diff);
  - the output, behind a [node] and [peer] header, passes
    nlbsd --check-config (skipped when nlbsd is not built);
then what the goldens cannot say on their own: the same services from a
keepalived.conf and from the IPVS table keepalived made of it, the command
line, and a few conversions checked field by field.
"""

import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "..", "nlbs-import")
NLBSD = os.environ.get("NLBSD", os.path.join(HERE, "..", "..", "nlbsd", "nlbsd"))
PY = "/usr/bin/python3"
UPDATE = "--update" in sys.argv

results = []


def ktap(ok, name, why=None, skip=False):
    results.append((ok, name, why, skip))


def run(args, stdin=None):
    p = subprocess.run([PY, TOOL] + args, cwd=HERE, input=stdin, capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def inputs():
    out = []
    for d, ext in (("keepalived", ".conf"), ("ipvsadm", ".rules")):
        for f in sorted(os.listdir(os.path.join(HERE, d))):
            if f.endswith(ext):
                out.append((d, f))
    return out


HEADER = """[node]
access = acc0
servers = srv0
address = 10.10.0.11
nlbs = 10.10.0.100
[peer]
address = 10.10.0.12
key-file = {key}
"""


def check_config(tmp, text, key):
    path = os.path.join(tmp, "nlbsd.conf")
    with open(path, "w") as f:
        f.write(HEADER.format(key=key) + text)
    p = subprocess.run([NLBSD, "--check-config", "-c", path], capture_output=True, text=True,
                       timeout=60)
    return p.returncode, (p.stdout + p.stderr).strip()


def sections(text):
    """{service name: sorted [(addr, weight)]} of the enabled sections."""
    out = {}
    cur = None
    for ln in text.splitlines():
        m = re.fullmatch(r"\[service (.*)\]", ln)
        if m:
            cur = out.setdefault(m.group(1), [])
            continue
        if ln.startswith("#") or not ln.strip():
            if ln.startswith("#["):
                cur = None
            continue
        m = re.fullmatch(r"server = (\S+) weight (\d+)", ln)
        if m and cur is not None:
            cur.append((m.group(1), int(m.group(2))))
    return {k: sorted(v) for k, v in out.items()}


def section(text, name):
    """The lines of one enabled section."""
    lines, on = [], False
    for ln in text.splitlines():
        if ln.startswith("[service "):
            on = ln == f"[service {name}]"
            continue
        if on and ln.strip() and not ln.startswith("#"):
            lines.append(ln)
    return lines


def main():
    tmp = tempfile.mkdtemp(prefix="nlbs-import-test.")
    key = os.path.join(tmp, "key")
    have_nlbsd = os.access(NLBSD, os.X_OK)
    if have_nlbsd:
        with open(key, "w") as f:
            f.write(subprocess.run([NLBSD, "--genkey"], capture_output=True, text=True).stdout)
        os.chmod(key, 0o600)

    os.makedirs(os.path.join(HERE, "expected"), exist_ok=True)
    outputs = {}
    for d, f in inputs():
        name = os.path.splitext(f)[0]
        rc, out, err = run([os.path.join(d, f)])
        outputs[name] = out
        exp_out = os.path.join(HERE, "expected", name + ".conf")
        exp_err = os.path.join(HERE, "expected", name + ".notes")
        got_err = f"exit {rc}\n" + err
        if UPDATE:
            with open(exp_out, "w") as fh:
                fh.write(out)
            with open(exp_err, "w") as fh:
                fh.write(got_err)
        try:
            want_out = open(exp_out).read()
            want_err = open(exp_err).read()
        except OSError:
            ktap(False, f"{d}/{f}: output as expected", "no expected/ file (--update)")
            continue
        ktap(out == want_out, f"{d}/{f}: output as expected",
             None if out == want_out else diff(want_out, out))
        ktap(got_err == want_err, f"{d}/{f}: notes as expected",
             None if got_err == want_err else diff(want_err, got_err))
        if have_nlbsd:
            crc, msg = check_config(tmp, out, key)
            ktap(crc == 0, f"{d}/{f}: nlbsd --check-config accepts the output", msg)
        else:
            ktap(True, f"{d}/{f}: nlbsd --check-config accepts the output",
                 "nlbsd not built", skip=True)

    # keepalived.conf and the IPVS table keepalived made of it: the same
    # services, servers and weights.
    ka = sections(outputs.get("dr-nocheck", ""))
    ipvs = sections(outputs.get("real-keepalived-n", ""))
    ktap(bool(ka) and ka == ipvs,
         "keepalived.conf and ipvsadm -Sn of the table keepalived made convert alike",
         f"{ka} != {ipvs}")
    # ipvsadm -S (names) and -Sn (numbers) of the same table convert alike
    n = sections(outputs.get("real-byhand-n", ""))
    names = sections(outputs.get("real-byhand-names", ""))
    ktap(bool(n) and n == names, "ipvsadm -S with port names converts as ipvsadm -Sn",
         f"{n} != {names}")

    # field by field
    web = outputs.get("web-dr", "")
    s80 = section(web, "198.51.100.10 tcp 80")
    want = ["check = http /health status 200", "interval = 6s", "timeout = 3s", "rise = 1",
            "fall = 4", "on-fail = drain", "dynamic = no", "server = 10.20.0.21 weight 1",
            "server = 10.20.0.22 weight 2", "server = 10.20.0.23 weight 3"]
    ktap(s80 == want, "HTTP_GET, delay_loop, connect_timeout, retry 3, inhibit_on_failure",
         f"{s80}")
    s443 = section(web, "198.51.100.10 tcp 443")
    ktap("check = tcp" in s443 and "on-fail = remove" in s443 and "dynamic = yes" in s443,
         "SSL_GET becomes a TCP check; no inhibit_on_failure: remove; wlc: dynamic", f"{s443}")
    byhand = outputs.get("real-byhand-n", "")
    ktap("[service 198.51.100.13]" in byhand and
         section(byhand, "198.51.100.13") == ["dynamic = yes", "server = 10.20.0.61 weight 1",
                                              "server = 10.20.0.62 weight 1"],
         "port 0 becomes the whole VIP; lc ignores weights: 1 each",
         section(byhand, "198.51.100.13"))
    api = section(outputs.get("mixed", ""), "198.51.100.50 tcp 443")
    ktap("server = 10.20.0.61 weight 32767" in api and "check = tcp" in api and
         "dynamic = no" in api, "weights above 65535 scaled in proportion; mh: static weights",
         api)
    ktap("#[service 198.51.100.11 tcp 8080]" not in byhand and
         "# DISABLED (masquerading (NAT)): server = 10.20.0.31 weight 10" in byhand and
         "# DISABLED (tunnelling (IPIP)): server = 10.20.0.33 weight 10" in byhand and
         "server = 10.20.0.32 weight 10" in section(byhand, "198.51.100.11 tcp 8080"),
         "NAT and tunnel servers written disabled, direct-routing one carried")
    rc, out, err = run(["ipvsadm/real-byhand-n.rules"])
    for what in ("firewall-mark service 7", "IPv6 address 2001:db8::10", "persistence (-p 1800)",
                 "persistence netmask -M 255.255.255.0", "persistence engine --pe sip",
                 "scheduler flags -b mh-port", "scheduler sh"):
        ktap(what in err, f"ipvsadm: says it did not carry {what}")
    mixed = outputs.get("mixed", "")
    ktap(all(f"[service 198.51.100.{i} tcp 8080]" in mixed for i in (20, 21, 22, 30)),
         "virtual_server_group with a range: one service per address")
    ktap("#[service 198.51.100.40 tcp 25]" in mixed and "#[service 198.51.100.41 tcp 3306]" in mixed,
         "a service whose servers are all NAT or tunnelled is written disabled")
    ktap("[service 198.51.100.50 tcp 443]" in mixed, "include conf.d/*.conf is followed")
    dns = outputs.get("dns", "")
    ktap(section(dns, "198.51.100.53 udp 53")[:5] ==
         ["check = dns name www.example.org", "interval = 5s", "timeout = 2s", "rise = 1",
          "fall = 3"], "DNS_CHECK, timing from the virtual_server level",
         section(dns, "198.51.100.53 udp 53"))

    # the command line
    rc, out, err = run(["--strict", "keepalived/web-dr.conf"])
    ktap(rc == 3, "--strict: exit 3 when something was not carried over", f"exit {rc}")
    rc, out, err = run(["--strict", "keepalived/dr-nocheck.conf", "-q"])
    ktap(rc == 3 and err == "", "--quiet: nothing on standard error", f"exit {rc} {err!r}")
    rc, out, err = run(["-"], stdin="-A -t 198.51.100.10:80 -s mh\n"
                       "-a -t 198.51.100.10:80 -r 10.20.0.21:80 -g -w 1\n")
    ktap(rc == 0 and "server = 10.20.0.21 weight 1" in out and ": not carried" not in err,
         "standard input, format detected; mh carries over without a note", f"{rc} {err}")
    rc, out, err = run(["--table-size", "65537", "--ipvsadm", "ipvsadm/real-byhand-n.rules"])
    ktap(rc == 0 and out.count("table-size = 65537") == out.count("\n[service "),
         "--table-size on every service")
    rc, out, err = run(["--table-size", "1000", "ipvsadm/real-byhand-n.rules"])
    ktap(rc == 2 and "a prime" in err, "--table-size must be a prime in range", f"{rc} {err}")
    rc, out, err = run(["no/such/file"])
    ktap(rc == 1 and "No such file" in err, "a missing input: exit 1", f"{rc} {err}")
    rc, out, err = run([])
    ktap(rc == 2, "no input: usage, exit 2", f"{rc}")
    path = os.path.join(tmp, "out.conf")
    rc, out, err = run(["-o", path, "keepalived/dns.conf"])
    ktap(rc == 0 and out == "" and open(path).read() == outputs.get("dns"),
         "-o writes the file")
    rc, out, err = run(["--keepalived", "-"], stdin="virtual_server 198.51.100.9 80 {\n"
                       "  protocol TCP\n  lb_kind DR\n  real_server 10.20.0.9 80 {\n"
                       "  weight 2\n  TCP_CHECK {\n connect_timeout 1\n }\n }\n}\n")
    ktap(rc == 0 and section(out, "198.51.100.9 tcp 80") ==
         ["check = tcp", "interval = 60s", "timeout = 1s", "rise = 1", "fall = 2",
          "on-fail = remove", "dynamic = yes", "server = 10.20.0.9 weight 2"] and
         "scheduler wlc (the default)" in err,
         "keepalived's defaults: delay_loop 60, retry 1, lvs_sched wlc",
         section(out, "198.51.100.9 tcp 80"))

    subprocess.run(["rm", "-rf", tmp])
    print("TAP version 13")
    print(f"1..{len(results)}")
    failed = 0
    for i, (ok, name, why, skip) in enumerate(results, 1):
        if skip:
            print(f"ok {i} import: {name} # SKIP {why}")
        elif ok:
            print(f"ok {i} import: {name}")
        else:
            failed += 1
            print(f"not ok {i} import: {name}")
            for ln in str(why or "").splitlines()[:40]:
                print(f"# {ln}")
    print(f"# import: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


def diff(a, b):
    import difflib
    return "\n".join(difflib.unified_diff(a.splitlines(), b.splitlines(), "expected", "got",
                                          lineterm=""))


if __name__ == "__main__":
    sys.exit(main())
