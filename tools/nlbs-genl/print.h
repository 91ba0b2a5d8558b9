/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * One printing path for human and JSON output, in the manner of iproute2's
 * json_print: every value is printed once with both a JSON key and a human
 * format, and the mode picks which one is used.
 *
 * Human output: items on a line are separated by one space (the formats
 * carry none); print_nl() ends the line. JSON: a document (object or array)
 * built with json-c. Keys use underscores ("garp_count"); the human names
 * use dashes ("garp-count").
 *
 * Nothing reaches stdout before print_end(): a command that fails half way
 * prints nothing on stdout.
 */
#ifndef NLBS_PRINT_H
#define NLBS_PRINT_H

#include <stdbool.h>
#include <stdint.h>

enum print_mode {
	PRINT_FP	= 1,	/* human output only */
	PRINT_JSON	= 2,	/* JSON only */
	PRINT_ANY	= 3,
};

void print_init(bool json, bool pretty);
bool print_is_json(void);

/* Start a document whose JSON root is an array (or an object). */
void print_begin(bool array);
/* Write the document to stdout (and flush) if ok, else drop it. */
int print_end(bool ok);

/* JSON containers; key is ignored inside arrays. No human output. */
void print_open_object(const char *key);
void print_close_object(void);
void print_open_array(const char *key);
void print_close_array(void);

void print_str(enum print_mode m, const char *key, const char *fmt,
	       const char *val);
void print_uint(enum print_mode m, const char *key, const char *fmt,
		uint64_t val);
void print_null(const char *key);	/* JSON null */
void print_nl(void);			/* human: end of line */

#endif /* NLBS_PRINT_H */
