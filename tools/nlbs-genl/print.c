// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs-genl: human and JSON output through one path.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "print.h"

#define MAX_DEPTH 16

static struct {
	bool json;
	bool pretty;
	char *buf;		/* human output of the current document */
	size_t len, cap;
	bool bol;		/* at the beginning of a human line */
	json_object *stack[MAX_DEPTH];
	int depth;
} P;

void print_init(bool json, bool pretty)
{
	P.json = json;
	P.pretty = pretty;
}

bool print_is_json(void)
{
	return P.json;
}

void print_begin(bool array)
{
	if (P.json) {
		P.stack[0] = array ? json_object_new_array() :
				     json_object_new_object();
		P.depth = 1;
		return;
	}
	P.len = 0;
	P.bol = true;
}

/* Room for n more bytes (and a NUL) in the human output. */
static char *human_room(size_t n)
{
	if (P.len + n + 1 > P.cap) {
		size_t cap = P.cap ? P.cap : 65536;

		while (cap < P.len + n + 1)
			cap *= 2;
		P.buf = realloc(P.buf, cap);
		if (!P.buf) {
			fputs("nlbs-genl: out of memory\n", stderr);
			exit(1);
		}
		P.cap = cap;
	}
	return P.buf + P.len;
}

static void human_put(const char *s, size_t n)
{
	memcpy(human_room(n), s, n);
	P.len += n;
}

static void human_printf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void human_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	va_start(ap, fmt);
	vsnprintf(human_room(n), n + 1, fmt, ap);
	va_end(ap);
	P.len += n;
}

int print_end(bool ok)
{
	int ret = 0;

	if (P.json) {
		if (ok) {
			int flags = P.pretty ? JSON_C_TO_STRING_PRETTY |
					       JSON_C_TO_STRING_SPACED :
					       JSON_C_TO_STRING_PLAIN;

			fputs(json_object_to_json_string_ext(P.stack[0], flags),
			      stdout);
			fputc('\n', stdout);
		}
		json_object_put(P.stack[0]);
		P.depth = 0;
	} else {
		if (!P.bol)
			human_put("\n", 1);
		if (ok && P.len)	/* P.buf is NULL when nothing was printed */
			fwrite(P.buf, 1, P.len, stdout);
		free(P.buf);
		P.buf = NULL;
		P.len = P.cap = 0;
	}
	if (ok && fflush(stdout) == EOF)
		ret = -1;
	return ret;
}

static void json_add(const char *key, json_object *v)
{
	json_object *top = P.stack[P.depth - 1];

	if (json_object_is_type(top, json_type_array))
		json_object_array_add(top, v);
	else
		json_object_object_add(top, key, v);
}

static void json_push(const char *key, json_object *v)
{
	json_add(key, v);
	if (P.depth >= MAX_DEPTH) {
		fputs("nlbs-genl: JSON nesting too deep\n", stderr);
		abort();
	}
	P.stack[P.depth++] = v;
}

void print_open_object(const char *key)
{
	if (P.json)
		json_push(key, json_object_new_object());
}

void print_open_array(const char *key)
{
	if (P.json)
		json_push(key, json_object_new_array());
}

void print_close_object(void)
{
	if (P.json && P.depth > 1)
		P.depth--;
}

void print_close_array(void)
{
	print_close_object();
}

static void human_sep(void)
{
	if (!P.bol)
		human_put(" ", 1);
	P.bol = false;
}

/*
 * The human formats are mostly "word %s" or "word %" PRIu64: those are
 * written without vfprintf, which was most of the time of a listing of
 * 10,000 servers. len: the length of fmt up to its conversion.
 */
static bool plain_fmt(const char *fmt, const char *conv, size_t *len)
{
	const char *pct = strchr(fmt, '%');

	if (!pct || strcmp(pct, conv))
		return false;
	*len = pct - fmt;
	return true;
}

static void put_u64(uint64_t v)
{
	char buf[20], *p = buf + sizeof(buf);

	do
		*--p = '0' + v % 10;
	while ((v /= 10));
	human_put(p, buf + sizeof(buf) - p);
}

void print_str(enum print_mode m, const char *key, const char *fmt,
	       const char *val)
{
	if (P.json) {
		if (m & PRINT_JSON)
			json_add(key, json_object_new_string(val));
	} else if (m & PRINT_FP) {
		size_t len;

		human_sep();
		if (val && plain_fmt(fmt, "%s", &len)) {
			human_put(fmt, len);
			human_put(val, strlen(val));
		} else {
			human_printf(fmt, val);
		}
	}
}

void print_uint(enum print_mode m, const char *key, const char *fmt,
		uint64_t val)
{
	if (P.json) {
		if (m & PRINT_JSON)
			json_add(key, json_object_new_uint64(val));
	} else if (m & PRINT_FP) {
		size_t len;

		human_sep();
		if (plain_fmt(fmt, "%" PRIu64, &len)) {
			human_put(fmt, len);
			put_u64(val);
		} else {
			human_printf(fmt, val);
		}
	}
}

void print_null(const char *key)
{
	if (P.json)
		json_add(key, NULL);
}

void print_nl(void)
{
	if (!P.json && !P.bol) {
		human_put("\n", 1);
		P.bol = true;
	}
}
