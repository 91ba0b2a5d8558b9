// SPDX-License-Identifier: GPL-2.0
/*
 * nlbs: module init and exit.
 */
#include <linux/module.h>

#define NLBS_VERSION "0.1.0"

static int __init nlbs_init(void)
{
	pr_info("nlbs " NLBS_VERSION " loaded\n");
	return 0;
}

static void __exit nlbs_exit(void)
{
}

module_init(nlbs_init);
module_exit(nlbs_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(NLBS_VERSION);
MODULE_DESCRIPTION("Network load balancer pair: ARP owner and MAC-rewrite forwarder");
MODULE_AUTHOR("The nlbs developers");
