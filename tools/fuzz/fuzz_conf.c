// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: nlbsd.conf(5), the input being the file's text, parsed
 * by config_parse() from a memory stream as if it were
 * $TMPDIR/nlbsd-fuzz-XXXXXX/nlbsd.conf, a directory that holds a valid key
 * ("key", base64) and a next key ("next", hex): key-file = key and
 * next-key-file = next get through the validation. A file that parses is
 * fingerprinted (config_fingerprint()) and freed; one that does not must
 * say why, with the file's name first. FUZZ_VERBOSE=1 prints the outcome of
 * each input.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../nlbsd/config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_conf: %s:%d: %s\n", __FILE__, \
				__LINE__, #cond);			\
			abort();					\
		}							\
	} while (0)

static char dir[64], conf[128], keyfile[128], nextfile[128];
static bool verbose;	/* FUZZ_VERBOSE=1: what became of each input */

static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd))
		abort();
}

static void cleanup(void)
{
	unlink(keyfile);
	unlink(nextfile);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/nlbsd-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(conf, sizeof(conf), "%s/nlbsd.conf", dir);
	snprintf(keyfile, sizeof(keyfile), "%s/key", dir);
	snprintf(nextfile, sizeof(nextfile), "%s/next", dir);
	put(keyfile, "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\n");
	put(nextfile, "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40\n");
	atexit(cleanup);
	verbose = getenv("FUZZ_VERBOSE") && *getenv("FUZZ_VERBOSE") == '1';
	log_init(false, LOG_LVL_ERR, false);
	return 0;
}

static void check_config(const struct nlbsd_config *c)
{
	uint32_t fp[4];
	size_t i, j;

	CHECK(!strcmp(c->path, conf));
	CHECK(c->access_dev[0] && c->server_dev[0] && c->address.af &&
	      (c->nlbs_addr.s_addr || !IN6_IS_ADDR_UNSPECIFIED(&c->nlbs_addr6)) &&
	      c->peer.af == c->address.af && c->key_file[0]);
	CHECK(!c->address2.af || c->address2.af == c->peer2.af);
	CHECK(c->lease_ms >= 2 * c->advert_ms);
	CHECK(memchr(c->access_dev, 0, sizeof(c->access_dev)) &&
	      memchr(c->server_dev, 0, sizeof(c->server_dev)) &&
	      memchr(c->state_file, 0, sizeof(c->state_file)) &&
	      memchr(c->control_socket, 0, sizeof(c->control_socket)));
	for (i = 0; i < c->nservices; i++) {
		const struct cfg_service *s = &c->services[i];

		CHECK(memchr(s->name, 0, sizeof(s->name)) && s->name[0]);
		CHECK(s->check.timeout_ms <= s->check.interval_ms);
		CHECK(!s->table_size || is_prime(s->table_size));
		for (j = 0; j < i; j++)
			CHECK(!service_same_key(s, &c->services[j]));
		CHECK(s->vip.af == AF_INET || s->vip.af == AF_INET6);
		for (j = 0; j < s->nservers; j++)
			CHECK(s->servers[j].weight <= 65535 && s->servers[j].addr.af == s->vip.af);
	}
	for (i = 0; i < c->ntargets; i++)
		CHECK(c->targets[i].addr.af == AF_INET || c->targets[i].addr.af == AF_INET6);
	config_fingerprint(c, fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlbsd_config *c = NULL;
	char err[PATH_MAX + 600];
	char *text;
	FILE *f;
	int rc;

	if (size > 64 * 1024)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	/* fmemopen() of 0 bytes: EINVAL before glibc 2.22 */
	f = size ? fmemopen(text, size, "r") : fopen("/dev/null", "re");
	if (!f) {
		free(text);
		return 0;
	}
	memset(err, 0x55, sizeof(err));
	rc = config_parse(f, conf, &c, err, sizeof(err));
	fclose(f);
	free(text);
	if (verbose)
		fprintf(stderr, "fuzz_conf: %s\n", rc ? err : "parses");
	if (rc < 0) {
		CHECK(rc == -1 && !c);
		CHECK(memchr(err, 0, sizeof(err)));
		CHECK(!strncmp(err, conf, strlen(conf)) && err[strlen(conf)] == ':');
		return 0;
	}
	CHECK(rc == 0 && c);
	check_config(c);
	config_free(c);
	return 0;
}
