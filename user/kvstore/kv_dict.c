/* Incrementally resized chained hash table (see kv_dict.h). */
#include "kv_dict.h"

#include <string.h>

#include "kv_mem.h"

#define DICT_INITIAL_SIZE 4
#define DICT_MIN_FILL_PERCENT 10 /* Redis's HASHTABLE_MIN_FILL */
#define DICT_EMPTY_VISITS 10     /* empty buckets one step may pass, as in Redis */

static uint64_t random_state = 0x9e3779b97f4a7c15ull;

uint64_t kv_random(void)
{
	/* xorshift64*: enough for picking buckets and SPOP, not for secrets */
	random_state ^= random_state >> 12;
	random_state ^= random_state << 25;
	random_state ^= random_state >> 27;
	return random_state * 0x2545f4914f6cdd1dull;
}

uint64_t kv_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ull ^ (len * 0x100000001b3ull);
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
		p += 8;
		len -= 8;
	}
	while (len--)
		h = (h ^ *p++) * 0x100000001b3ull;
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ull;
	h ^= h >> 32;
	return h;
}

struct kv_dict *kv_dict_new(kv_value_free_fn *free_value)
{
	struct kv_dict *d = kv_calloc(sizeof(*d));
	if (d) {
		d->rehash_index = -1;
		d->free_value = free_value;
	}
	return d;
}

static bool rehashing(const struct kv_dict *d)
{
	return d->rehash_index >= 0;
}

size_t kv_dict_size(const struct kv_dict *d)
{
	return d->used[0] + d->used[1];
}

static void free_entry(struct kv_dict *d, struct kv_entry *e)
{
	if (d->free_value)
		d->free_value(e);
	kv_free(e);
}

void kv_dict_clear(struct kv_dict *d)
{
	for (int t = 0; t < 2; t++) {
		for (size_t i = 0; i < d->size[t]; i++) {
			struct kv_entry *e = d->table[t][i];
			while (e) {
				struct kv_entry *next = e->next;
				free_entry(d, e);
				e = next;
			}
		}
		kv_free(d->table[t]);
		d->table[t] = NULL;
		d->size[t] = d->used[t] = 0;
	}
	d->rehash_index = -1;
}

void kv_dict_free(struct kv_dict *d)
{
	if (!d)
		return;
	kv_dict_clear(d);
	kv_free(d);
}

/* Moves table[0] into table[1] a bucket at a time; when done table[1] becomes table[0]. */
bool kv_dict_rehash(struct kv_dict *d, int n)
{
	size_t empty_visits = (size_t)n * DICT_EMPTY_VISITS;
	if (!rehashing(d) || d->iterators)
		return rehashing(d);
	while (n-- && d->used[0]) {
		while (d->table[0][d->rehash_index] == NULL) {
			d->rehash_index++;
			if (--empty_visits == 0)
				return true;
		}
		struct kv_entry *e = d->table[0][d->rehash_index];
		while (e) {
			struct kv_entry *next = e->next;
			size_t slot = kv_hash(e->key, e->keylen) & (d->size[1] - 1);
			e->next = d->table[1][slot];
			d->table[1][slot] = e;
			d->used[0]--;
			d->used[1]++;
			e = next;
		}
		d->table[0][d->rehash_index++] = NULL;
	}
	if (d->used[0])
		return true;
	kv_free(d->table[0]);
	d->table[0] = d->table[1];
	d->size[0] = d->size[1];
	d->used[0] = d->used[1];
	d->table[1] = NULL;
	d->size[1] = d->used[1] = 0;
	d->rehash_index = -1;
	return false;
}

static void rehash_step(struct kv_dict *d)
{
	if (rehashing(d) && !d->iterators)
		kv_dict_rehash(d, 1);
}

static size_t power_of_two_at_least(size_t n)
{
	size_t s = DICT_INITIAL_SIZE;
	while (s < n)
		s *= 2;
	return s;
}

/* Starts a resize to hold `want` entries at load factor one. */
static bool start_resize(struct kv_dict *d, size_t want)
{
	size_t size = power_of_two_at_least(want);
	if (rehashing(d) || size == d->size[0])
		return true;
	struct kv_entry **table = kv_calloc(size * sizeof(*table));
	if (!table)
		return false;
	if (d->size[0] == 0) {
		d->table[0] = table;
		d->size[0] = size;
		return true;
	}
	d->table[1] = table;
	d->size[1] = size;
	d->rehash_index = 0;
	return true;
}

void kv_dict_shrink_if_sparse(struct kv_dict *d)
{
	size_t used = kv_dict_size(d);
	if (!rehashing(d) && d->size[0] > DICT_INITIAL_SIZE &&
	    used * 100 / d->size[0] < DICT_MIN_FILL_PERCENT)
		start_resize(d, used);
}

/* The link that points at key's entry, in table *table; NULL when key is not there.
 * Like every lookup, it moves a rehash on a step first. */
static struct kv_entry **find_link(struct kv_dict *d, const void *key, size_t len, int *table)
{
	if (kv_dict_size(d) == 0)
		return NULL;
	rehash_step(d);
	uint64_t h = kv_hash(key, len);
	for (int t = 0; t < 2; t++) {
		if (d->size[t] == 0)
			continue;
		struct kv_entry **link = &d->table[t][h & (d->size[t] - 1)];
		for (; *link; link = &(*link)->next) {
			if ((*link)->keylen == len && memcmp((*link)->key, key, len) == 0) {
				*table = t;
				return link;
			}
		}
		if (!rehashing(d))
			break;
	}
	return NULL;
}

struct kv_entry *kv_dict_find(struct kv_dict *d, const void *key, size_t len)
{
	int t;
	struct kv_entry **link = find_link(d, key, len, &t);
	return link ? *link : NULL;
}

struct kv_entry *kv_dict_insert(struct kv_dict *d, const void *key, size_t len, bool *created)
{
	struct kv_entry *e = kv_dict_find(d, key, len);
	*created = false;
	if (e)
		return e;
	/* Grow at load factor one; a failed grow still inserts into the old table. */
	if (!rehashing(d) && kv_dict_size(d) >= d->size[0])
		if (!start_resize(d, kv_dict_size(d) + 1) && d->size[0] == 0)
			return NULL;
	e = kv_alloc(sizeof(*e) + len + 1);
	if (!e)
		return NULL;
	memcpy(e->key, key, len);
	e->key[len] = '\0';
	e->keylen = (uint32_t)len;
	e->mark = 0;
	e->v.ptr = NULL;
	int t = rehashing(d) ? 1 : 0; /* new entries go to the new table */
	size_t slot = kv_hash(key, len) & (d->size[t] - 1);
	e->next = d->table[t][slot];
	d->table[t][slot] = e;
	d->used[t]++;
	*created = true;
	return e;
}

struct kv_entry *kv_dict_unlink(struct kv_dict *d, const void *key, size_t len)
{
	int t;
	struct kv_entry **link = find_link(d, key, len, &t);
	if (!link)
		return NULL;
	struct kv_entry *e = *link;
	*link = e->next;
	d->used[t]--;
	return e;
}

bool kv_dict_delete(struct kv_dict *d, const void *key, size_t len)
{
	struct kv_entry *e = kv_dict_unlink(d, key, len);
	if (e)
		free_entry(d, e);
	return e != NULL;
}

struct kv_entry *kv_dict_random(struct kv_dict *d)
{
	if (kv_dict_size(d) == 0)
		return NULL;
	rehash_step(d);
	struct kv_entry *head;
	do {
		/* Buckets of table[0] below rehash_index are empty; skip them. */
		size_t start = rehashing(d) ? (size_t)d->rehash_index : 0;
		size_t span = d->size[0] + d->size[1] - start;
		size_t i = start + kv_random() % span;
		head = i < d->size[0] ? d->table[0][i] : d->table[1][i - d->size[0]];
	} while (!head);
	size_t chain = 0;
	for (struct kv_entry *e = head; e; e = e->next)
		chain++;
	size_t pick = kv_random() % chain;
	while (pick--)
		head = head->next;
	return head;
}

static uint64_t reverse_bits(uint64_t v)
{
	uint64_t r = 0;
	for (int i = 0; i < 64; i++) {
		r = (r << 1) | (v & 1);
		v >>= 1;
	}
	return r;
}

/* Increments the cursor's high bits first (Redis's dictScan), so the buckets a
 * smaller or larger table maps a visited bucket to are never visited again. */
static uint64_t cursor_next(uint64_t v, uint64_t mask)
{
	v |= ~mask;
	v = reverse_bits(v);
	v++;
	return reverse_bits(v);
}

static void scan_bucket(struct kv_entry *e, kv_scan_fn *fn, void *arg)
{
	while (e) {
		struct kv_entry *next = e->next; /* fn may not delete, but be safe */
		fn(arg, e);
		e = next;
	}
}

uint64_t kv_dict_scan(struct kv_dict *d, uint64_t v, kv_scan_fn *fn, void *arg)
{
	if (kv_dict_size(d) == 0)
		return 0;
	d->iterators++;
	if (!rehashing(d)) {
		uint64_t m0 = d->size[0] - 1;
		scan_bucket(d->table[0][v & m0], fn, arg);
		v = cursor_next(v, m0);
	} else {
		int small = d->size[0] <= d->size[1] ? 0 : 1, large = 1 - small;
		uint64_t m0 = d->size[small] - 1, m1 = d->size[large] - 1;
		scan_bucket(d->table[small][v & m0], fn, arg);
		do {
			scan_bucket(d->table[large][v & m1], fn, arg);
			v = cursor_next(v, m1);
		} while (v & (m0 ^ m1));
	}
	d->iterators--;
	return v;
}

void kv_dict_iter_start(struct kv_dict *d, struct kv_dict_iter *it)
{
	d->iterators++;
	it->table = 0;
	it->index = 0;
	it->next = NULL;
}

struct kv_entry *kv_dict_iter_next(struct kv_dict *d, struct kv_dict_iter *it)
{
	while (!it->next) {
		if (it->index >= d->size[it->table]) {
			if (it->table == 1)
				return NULL;
			it->table = 1;
			it->index = 0;
			continue;
		}
		it->next = d->table[it->table][it->index++];
	}
	struct kv_entry *e = it->next;
	it->next = e->next;
	return e;
}

void kv_dict_iter_end(struct kv_dict *d, struct kv_dict_iter *it)
{
	(void)it;
	d->iterators--;
}
