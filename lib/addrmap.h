/*
 * addrmap.h - an out-of-band map from address keys (a page number, a
 * mapping's base >> page shift) to a record, for the policies that must
 * find what a pointer belongs to without reading the pointer's memory:
 * open addressing with linear probing, at most half full, in its own
 * metadata mapping, grown by doubling; or fixed: in slots given at init,
 * never grown nor unmapped.
 */
#ifndef PAGEALLOC_ADDRMAP_H
#define PAGEALLOC_ADDRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "os.h"

struct pa_addrmap_slot {
	uintptr_t key;		/* 0 = empty */
	void *val;
};

struct pa_addrmap {
	struct pa_addrmap_slot *slot;
	size_t cap, used;
	unsigned bits;
	int fixed;		/* the slots are not the map's: never grown nor unmapped */
};

/* The slot where key's probe run begins (Fibonacci hashing). */
static inline size_t pa_addrmap_home(const struct pa_addrmap *m, uintptr_t key)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - m->bits));
}

/* The record of key, or NULL. */
static inline void *pa_addrmap_find(const struct pa_addrmap *m, uintptr_t key)
{
	size_t i;

	if (!m->slot || !key)
		return NULL;
	for (i = pa_addrmap_home(m, key); m->slot[i].key;
	     i = (i + 1) & (m->cap - 1))
		if (m->slot[i].key == key)
			return m->slot[i].val;
	return NULL;
}

/* The bytes of a fixed map's slots for nkeys keys at most (a power of two
 * of slots, at least 64). */
size_t pa_addrmap_bytes_for(size_t nkeys);
/* An empty fixed map in cap zeroed slots (cap a power of two): it holds at
 * most cap / 2 keys. */
void pa_addrmap_init_fixed(struct pa_addrmap *m, void *slots, size_t cap);
/* Make room for n more keys: 0, or -1 with ENOMEM (the map is unchanged);
 * a fixed map only says whether it has room. */
int pa_addrmap_reserve(struct pa_addrmap *m, struct pa_os *os, size_t n);
/* Add a key that is not there; room must have been reserved. */
void pa_addrmap_put(struct pa_addrmap *m, uintptr_t key, void *val);
/* Remove a key that is there. */
void pa_addrmap_remove(struct pa_addrmap *m, uintptr_t key);
/* Remove key and return its record, or NULL if it is not there. */
void *pa_addrmap_take(struct pa_addrmap *m, uintptr_t key);
/* The keys of every system page that [base, base+bytes) touches (none
 * when bytes is 0), all to val: reserve and put, or remove. */
int pa_addrmap_put_pages(struct pa_addrmap *m, struct pa_os *os, const void *base,
			 size_t bytes, void *val);
void pa_addrmap_remove_pages(struct pa_addrmap *m, const void *base, size_t bytes);
/* Unmap the table (not a fixed map's slots); the map is then empty. */
void pa_addrmap_fini(struct pa_addrmap *m, struct pa_os *os);

/* The system-page number of an address. */
uintptr_t pa_page_key(const void *p);

#endif
