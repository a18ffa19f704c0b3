/*
 * A chained hash table that grows and shrinks incrementally, as Redis's dict does:
 * during a resize two tables exist and every operation moves a bucket or so from the
 * old to the new one, so no single request pays for a pass over the whole table.
 * Keys are byte strings copied into the entry; the value is a pointer or a number.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kv_entry {
	struct kv_entry *next;
	union {
		void *ptr;
		int64_t s64;
		double d;
	} v;
	uint32_t keylen; /* a bulk string is at most 512 MiB (proto-max-bulk-len) */
	uint32_t mark;   /* the keyspace's: the last log rewrite that took this key (kv_rewrite.c) */
	char key[];      /* keylen bytes, then a NUL so keys print as C strings */
};

typedef void kv_value_free_fn(struct kv_entry *e);

struct kv_dict {
	struct kv_entry **table[2];
	size_t size[2]; /* 0 or a power of two */
	size_t used[2];
	ptrdiff_t rehash_index; /* next bucket of table[0] to move; -1 when not resizing */
	int iterators;          /* no rehash steps while an iteration is open */
	kv_value_free_fn *free_value;
};

struct kv_dict_iter {
	int table;
	size_t index;
	struct kv_entry *next;
};

struct kv_dict *kv_dict_new(kv_value_free_fn *free_value);
void kv_dict_free(struct kv_dict *d);
void kv_dict_clear(struct kv_dict *d);
size_t kv_dict_size(const struct kv_dict *d);
uint64_t kv_hash(const void *key, size_t len);

struct kv_entry *kv_dict_find(struct kv_dict *d, const void *key, size_t len);
/* The entry for key, made (with a zero value) when missing; *created says which.
 * NULL when out of memory. */
struct kv_entry *kv_dict_insert(struct kv_dict *d, const void *key, size_t len, bool *created);
bool kv_dict_delete(struct kv_dict *d, const void *key, size_t len);
/* Unlinks without calling free_value; the caller frees the entry with kv_free. */
struct kv_entry *kv_dict_unlink(struct kv_dict *d, const void *key, size_t len);
struct kv_entry *kv_dict_random(struct kv_dict *d);

/* Redis's SCAN cursor (reverse binary increment): every entry present for the whole
 * scan is returned at least once, even across resizes. Returns the next cursor, 0 at
 * the end. */
typedef void kv_scan_fn(void *arg, struct kv_entry *e);
uint64_t kv_dict_scan(struct kv_dict *d, uint64_t cursor, kv_scan_fn *fn, void *arg);

/* Up to n bucket moves of an ongoing resize; true while there is more to do. */
bool kv_dict_rehash(struct kv_dict *d, int n);
/* Starts shrinking when under a tenth full (Redis's HASHTABLE_MIN_FILL). */
void kv_dict_shrink_if_sparse(struct kv_dict *d);

/* Iteration (no insertion or deletion in the same dict meanwhile). */
void kv_dict_iter_start(struct kv_dict *d, struct kv_dict_iter *it);
struct kv_entry *kv_dict_iter_next(struct kv_dict *d, struct kv_dict_iter *it);
void kv_dict_iter_end(struct kv_dict *d, struct kv_dict_iter *it);

uint64_t kv_random(void);
