// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlbs-genl: human and JSON output through one path.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "print.h"

#define MAX_DEPTH 16

static struct {
	bool json;
	bool pretty;
	FILE *mem;		/* human output of the current document */
	char *buf;
	size_t len;
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
	P.mem = open_memstream(&P.buf, &P.len);
	if (!P.mem) {
		perror("open_memstream");
		exit(1);
	}
	P.bol = true;
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
			fputc('\n', P.mem);
		fclose(P.mem);
		P.mem = NULL;
		if (ok)
			fwrite(P.buf, 1, P.len, stdout);
		free(P.buf);
		P.buf = NULL;
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
		fputc(' ', P.mem);
	P.bol = false;
}

void print_str(enum print_mode m, const char *key, const char *fmt,
	       const char *val)
{
	if (P.json) {
		if (m & PRINT_JSON)
			json_add(key, json_object_new_string(val));
	} else if (m & PRINT_FP) {
		human_sep();
		fprintf(P.mem, fmt, val);
	}
}

void print_uint(enum print_mode m, const char *key, const char *fmt,
		uint64_t val)
{
	if (P.json) {
		if (m & PRINT_JSON)
			json_add(key, json_object_new_uint64(val));
	} else if (m & PRINT_FP) {
		human_sep();
		fprintf(P.mem, fmt, val);
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
		fputc('\n', P.mem);
		P.bol = true;
	}
}
