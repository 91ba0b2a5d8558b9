// SPDX-License-Identifier: GPL-2.0
/*
 * nlbs: module init and exit.
 */
#include <linux/module.h>
#include <net/net_namespace.h>
#include "flow.h"
#include "instance.h"
#include "netlink.h"
#include "sched.h"

unsigned int nlbs_net_id __read_mostly;

unsigned int nlbs_table_size __read_mostly = NLBS_TABLE_SIZE_DEFAULT;
module_param_named(table_size, nlbs_table_size, uint, 0444);
MODULE_PARM_DESC(table_size,
		 "Maglev table size of a service created without one: a prime within 251..4194301 (default 65537)");

static void __net_exit nlbs_net_exit_op(struct net *net)
{
	nlbs_net_exit(net);
}

static struct pernet_operations nlbs_net_ops = {
	.exit = nlbs_net_exit_op,
	.id   = &nlbs_net_id,
	.size = sizeof(struct nlbs_net),
};

/*
 * Tables, services, servers and flows are freed by call_rcu. A flow's
 * callback may drop the last reference to its server, which queues the
 * server's callback from inside the first: rcu_barrier() waits only for
 * callbacks queued before it, so the second one waits for those.
 */
static void nlbs_rcu_drain(void)
{
	rcu_barrier();
	rcu_barrier();
}

static int __init nlbs_init(void)
{
	int err;

	if (!nlbs_table_size_valid(nlbs_table_size)) {
		pr_err("table_size must be a prime within %u..%u\n",
		       NLBS_TABLE_SIZE_MIN, NLBS_TABLE_SIZE_MAX);
		return -EINVAL;
	}
	err = nlbs_flows_module_init();
	if (err)
		return err;
	err = register_pernet_subsys(&nlbs_net_ops);
	if (err)
		goto err_flows;
	err = register_netdevice_notifier(&nlbs_netdev_notifier);
	if (err)
		goto err_pernet;
	err = nlbs_genl_init();
	if (err)
		goto err_notifier;
	pr_info("version " NLBS_VERSION " loaded\n");
	return 0;

err_notifier:
	unregister_netdevice_notifier(&nlbs_netdev_notifier);
err_pernet:
	unregister_pernet_subsys(&nlbs_net_ops);
err_flows:
	nlbs_rcu_drain();
	nlbs_flows_module_exit();
	return err;
}

static void __exit nlbs_exit(void)
{
	nlbs_genl_exit();
	unregister_netdevice_notifier(&nlbs_netdev_notifier);
	unregister_pernet_subsys(&nlbs_net_ops);
	nlbs_rcu_drain();
	nlbs_flows_module_exit();
}

module_init(nlbs_init);
module_exit(nlbs_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(NLBS_VERSION);
MODULE_DESCRIPTION("Network load balancer pair: ARP owner and MAC-rewrite forwarder");
MODULE_AUTHOR("The nlbs developers");
MODULE_ALIAS_GENL_FAMILY(NLBS_GENL_NAME);
