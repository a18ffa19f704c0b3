/*
 * Kernel command line words (see cmdline.h).
 */
#include "lib/common/cmdline.h"

#include "lib/common/string.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Length of the word at s, up to a space or the end. */
static size_t word_len(const char *s)
{
	size_t n = 0;

	while (s[n] && !is_space(s[n]))
		n++;
	return n;
}

/* Finds the last word that is `key` alone or starts with "key=". Returns it,
 * with *value pointing after '=' (NULL for a bare word), or NULL. */
static const char *find_word(const char *cmdline, const char *key, const char **value)
{
	size_t klen = strlen(key);
	const char *found = NULL;

	if (!cmdline || klen == 0)
		return NULL;
	for (const char *w = cmdline; *w;) {
		size_t len = word_len(w);
		if (len >= klen && strncmp(w, key, klen) == 0 && (len == klen || w[klen] == '=')) {
			found = w;
			*value = len == klen ? NULL : w + klen + 1;
		}
		w += len;
		while (is_space(*w))
			w++;
	}
	return found;
}

bool cmdline_get(const char *cmdline, const char *key, char *value, size_t size)
{
	const char *v = NULL;

	if (!find_word(cmdline, key, &v) || !v)
		return false;
	if (size > 0) {
		size_t n = word_len(v);
		if (n > size - 1)
			n = size - 1;
		memcpy(value, v, n);
		value[n] = '\0';
	}
	return true;
}

bool cmdline_has(const char *cmdline, const char *word)
{
	const char *v;

	return find_word(cmdline, word, &v) != NULL;
}

bool cmdline_list_has(const char *list, const char *item)
{
	size_t ilen = strlen(item);

	if (!list || ilen == 0)
		return false;
	for (const char *p = list;;) {
		size_t n = 0;
		while (p[n] && p[n] != ',' && !is_space(p[n]))
			n++;
		if (n == ilen && strncmp(p, item, n) == 0)
			return true;
		if (p[n] != ',')
			return false;
		p += n + 1;
	}
}

void cmdline_unescape(char *s)
{
	char *out = s;
	for (; *s; s++) {
		if (*s == '\\' && (s[1] == '\\' || s[1] == '"' || s[1] == '\''))
			s++;
		*out++ = *s;
	}
	*out = 0;
}
