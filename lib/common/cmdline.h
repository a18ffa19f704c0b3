/*
 * The kernel command line: words separated by spaces, each either a flag
 * ("quiet") or key=value ("test=a,b"). No quoting. When a key appears more
 * than once the last one wins, so a later word can override an earlier one.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Copies the value of the last key=value word into value (NUL-terminated,
 * cut to size-1 characters; value may be NULL when size is 0). True if the
 * key is there, even with an empty value. */
bool cmdline_get(const char *cmdline, const char *key, char *value, size_t size);

/* True if word appears alone or as word=... */
bool cmdline_has(const char *cmdline, const char *word);

/* True if item is one of the comma-separated elements of list ("a,b,all").
 * "all" is not special here: callers test for it themselves. */
bool cmdline_list_has(const char *list, const char *item);

/* Undoes GRUB's quoting of the command line it passes (grub_create_loader_cmdline
 * puts a backslash before each \\, ' and "), in place, so quotes arrive as typed. */
void cmdline_unescape(char *s);
