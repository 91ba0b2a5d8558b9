/* SPDX-License-Identifier: GPL-2.0 */
/* The fixed keys of fuzz_hb (and of gen_corpus, which signs its seeds). */
#ifndef FUZZ_KEYS_H
#define FUZZ_KEYS_H

#include <stdint.h>

static const uint8_t fuzz_key[32] = {
	'n', 'l', 'b', 's', ' ', 'f', 'u', 'z', 'z', ' ', 'k', 'e', 'y', 1, 2, 3,
	4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
};
static const uint8_t fuzz_next_key[32] = {
	'n', 'l', 'b', 's', ' ', 'f', 'u', 'z', 'z', ' ', 'n', 'e', 'x', 't', 1, 2,
	3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
};

#endif
