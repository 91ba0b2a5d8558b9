/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal KTAP output for the host unit tests: results are collected, then
 * printed after "TAP version 13" and the plan, with a totals line.
 */
#ifndef NLBSD_KTAP_H
#define NLBSD_KTAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *ktap_out;
static size_t ktap_len;
static int ktap_n, ktap_failed;

static void __attribute__((format(printf, 2, 3))) ktap_ok(int cond, const char *fmt, ...)
{
	char name[512], line[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	ktap_n++;
	if (!cond)
		ktap_failed++;
	n = snprintf(line, sizeof(line), "%sok %d %s\n", cond ? "" : "not ", ktap_n, name);
	ktap_out = realloc(ktap_out, ktap_len + n + 1);
	if (!ktap_out)
		abort();
	memcpy(ktap_out + ktap_len, line, n + 1);
	ktap_len += n;
}

/* A diagnostic line kept in order with the results. */
static void __attribute__((format(printf, 1, 2), unused)) ktap_diag(const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	line[0] = '#';
	line[1] = ' ';
	vsnprintf(line + 2, sizeof(line) - 3, fmt, ap);
	va_end(ap);
	n = strlen(line);
	line[n++] = '\n';
	line[n] = 0;
	ktap_out = realloc(ktap_out, ktap_len + n + 1);
	if (!ktap_out)
		abort();
	memcpy(ktap_out + ktap_len, line, n + 1);
	ktap_len += n;
}

static int ktap_done(const char *suite)
{
	printf("TAP version 13\n# %s\n1..%d\n%s", suite, ktap_n, ktap_out ? ktap_out : "");
	printf("# totals: pass:%d fail:%d skip:0\n", ktap_n - ktap_failed, ktap_failed);
	free(ktap_out);
	return ktap_failed ? 1 : 0;
}

#endif /* NLBSD_KTAP_H */
