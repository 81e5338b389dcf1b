// SPDX-License-Identifier: GPL-2.0
/* mlab_json.c - strict recursive-descent JSON parser (RFC 8259 subset: no \u surrogates). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mlab_json.h"

struct jp {
	const char *p;
	int depth;
};

static struct tjson *jp_value(struct jp *jp);

static void jp_ws(struct jp *jp)
{
	while (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r')
		jp->p++;
}

static struct tjson *jp_new(enum tjson_type type)
{
	struct tjson *v = calloc(1, sizeof(*v));

	if (v)
		v->type = type;
	return v;
}

static char *jp_string(struct jp *jp)
{
	size_t cap = 32, len = 0;
	char *s = malloc(cap);

	if (!s || *jp->p != '"')
		goto fail;
	jp->p++;
	while (*jp->p != '"') {
		char c = *jp->p++;

		if ((unsigned char)c < 0x20)
			goto fail;
		if (c == '\\') {
			c = *jp->p++;
			switch (c) {
			case '"': case '\\': case '/':
				break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u':
				for (int i = 0; i < 4; i++)
					if (!isxdigit((unsigned char)jp->p[i]))
						goto fail;
				c = (char)strtol((char[]){ jp->p[2], jp->p[3], 0 }, NULL, 16);
				jp->p += 4;
				break;
			default:
				goto fail;
			}
		}
		if (len + 2 > cap) {
			char *n = realloc(s, cap *= 2);

			if (!n)
				goto fail;
			s = n;
		}
		s[len++] = c;
	}
	jp->p++;
	s[len] = '\0';
	return s;
fail:
	free(s);
	return NULL;
}

static struct tjson *jp_number(struct jp *jp)
{
	const char *start = jp->p;
	struct tjson *v;
	bool integer = true;

	if (*jp->p == '-')
		jp->p++;
	if (*jp->p == '0')
		jp->p++;
	else if (isdigit((unsigned char)*jp->p))
		while (isdigit((unsigned char)*jp->p))
			jp->p++;
	else
		return NULL;
	if (*jp->p == '.') {
		integer = false;
		jp->p++;
		if (!isdigit((unsigned char)*jp->p))
			return NULL;
		while (isdigit((unsigned char)*jp->p))
			jp->p++;
	}
	if (*jp->p == 'e' || *jp->p == 'E') {
		integer = false;
		jp->p++;
		if (*jp->p == '+' || *jp->p == '-')
			jp->p++;
		if (!isdigit((unsigned char)*jp->p))
			return NULL;
		while (isdigit((unsigned char)*jp->p))
			jp->p++;
	}
	v = jp_new(TJ_NUM);
	if (!v)
		return NULL;
	v->num = strtod(start, NULL);
	if (integer && *start != '-') {
		v->is_uint = true;
		v->u = strtoull(start, NULL, 10);
	}
	return v;
}

static int jp_push(struct tjson *v, char *key, struct tjson *item)
{
	struct tjson **items = realloc(v->items, (v->n + 1) * sizeof(*items));
	char **keys;

	if (!items)
		return -1;
	v->items = items;
	if (v->type == TJ_OBJ) {
		keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));
		if (!keys)
			return -1;
		v->keys = keys;
		v->keys[v->n] = key;
	}
	v->items[v->n++] = item;
	return 0;
}

static struct tjson *jp_container(struct jp *jp, bool obj)
{
	struct tjson *v = jp_new(obj ? TJ_OBJ : TJ_ARR);
	char close = obj ? '}' : ']';

	if (!v || ++jp->depth > 64)
		goto fail;
	jp->p++;
	jp_ws(jp);
	if (*jp->p == close) {
		jp->p++;
		jp->depth--;
		return v;
	}
	for (;;) {
		struct tjson *item;
		char *key = NULL;

		jp_ws(jp);
		if (obj) {
			key = jp_string(jp);
			if (!key)
				goto fail;
			jp_ws(jp);
			if (*jp->p++ != ':') {
				free(key);
				goto fail;
			}
		}
		item = jp_value(jp);
		if (!item || jp_push(v, key, item)) {
			free(key);
			tjson_free(item);
			goto fail;
		}
		jp_ws(jp);
		if (*jp->p == ',') {
			jp->p++;
			continue;
		}
		if (*jp->p++ != close)
			goto fail;
		jp->depth--;
		return v;
	}
fail:
	tjson_free(v);
	return NULL;
}

static struct tjson *jp_value(struct jp *jp)
{
	struct tjson *v;

	jp_ws(jp);
	switch (*jp->p) {
	case '{':
		return jp_container(jp, true);
	case '[':
		return jp_container(jp, false);
	case '"':
		v = jp_new(TJ_STR);
		if (v && !(v->str = jp_string(jp))) {
			free(v);
			v = NULL;
		}
		return v;
	case 't':
	case 'f':
	case 'n':
		if (!strncmp(jp->p, "true", 4) || !strncmp(jp->p, "null", 4)) {
			v = jp_new(*jp->p == 'n' ? TJ_NULL : TJ_BOOL);
			if (v)
				v->b = *jp->p == 't';
			jp->p += 4;
			return v;
		}
		if (!strncmp(jp->p, "false", 5)) {
			jp->p += 5;
			return jp_new(TJ_BOOL);
		}
		return NULL;
	default:
		return jp_number(jp);
	}
}

int tjson_parse_all(const char *text, struct tjson **vals, int max)
{
	struct jp jp = { text, 0 };
	int n = 0;

	for (;;) {
		struct tjson *v;

		jp_ws(&jp);
		if (!*jp.p)
			return n;
		v = jp_value(&jp);
		if (!v || n >= max) {
			tjson_free(v);
			while (n)
				tjson_free(vals[--n]);
			return -1;
		}
		vals[n++] = v;
	}
}

void tjson_free(struct tjson *v)
{
	if (!v)
		return;
	for (int i = 0; i < v->n; i++) {
		tjson_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

const struct tjson *tjson_get(const struct tjson *obj, const char *key)
{
	if (!obj || obj->type != TJ_OBJ)
		return NULL;
	for (int i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return obj->items[i];
	return NULL;
}

const struct tjson *tjson_at(const struct tjson *arr, int i)
{
	if (!arr || arr->type != TJ_ARR || i < 0 || i >= arr->n)
		return NULL;
	return arr->items[i];
}
