# SPDX-License-Identifier: GPL-2.0
# Kernel log lines that fail a run (grep -E -f). One pattern a line.
BUG:
WARNING:
Oops
Kernel panic
KASAN:
UBSAN:
general protection fault
kernel BUG at
possible circular locking
possible recursive locking
inconsistent lock state
suspicious RCU usage
bad unlock balance
lock held when returning
unreferenced object
INFO: task .* blocked for more than
INFO: rcu_.* detected stall
soft lockup
hard LOCKUP
refcount_t:
list_add corruption
list_del corruption
sleeping function called from invalid context
ODEBUG:
unregister_netdevice: waiting for
Objects remaining in
Slab cache still has objects
BUG [^ ]+ \((Not t|T)ainted\): 
