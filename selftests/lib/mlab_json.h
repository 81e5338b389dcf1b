/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mlab_json.h - a small strict JSON parser for guest tests that check the
 * CLI's -j output by parsing it.
 */
#ifndef MLAB_TEST_JSON_H
#define MLAB_TEST_JSON_H

#include <stdbool.h>
#include <stdint.h>

enum tjson_type { TJ_NULL, TJ_BOOL, TJ_NUM, TJ_STR, TJ_ARR, TJ_OBJ };

struct tjson {
	enum tjson_type type;
	bool b;
	double num;
	bool is_uint;		/* a non-negative integer literal: u is exact */
	uint64_t u;
	char *str;
	int n;			/* items in an array or object */
	struct tjson **items;
	char **keys;		/* object keys, parallel to items */
};

/*
 * Parse every top-level value in text (one document, or JSON lines): fills
 * vals[0..max), returns how many, or -1 when text is not valid JSON.
 */
int tjson_parse_all(const char *text, struct tjson **vals, int max);
void tjson_free(struct tjson *v);
/* Member of an object (NULL if absent or not an object); item of an array. */
const struct tjson *tjson_get(const struct tjson *obj, const char *key);
const struct tjson *tjson_at(const struct tjson *arr, int i);

#endif /* MLAB_TEST_JSON_H */
