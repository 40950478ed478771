/* addrmap.c - see addrmap.h. */
#include <errno.h>

#include "addrmap.h"
#include "bitmap.h"
#include "internal.h"

#define MIN_CAP 64


uintptr_t pa_page_key(const void *p)
{
	static unsigned shift;

	if (!shift)
		shift = pa_log2(pa_sys_page());
	return (uintptr_t)p >> shift;
}

void pa_addrmap_put(struct pa_addrmap *m, uintptr_t key, void *val)
{
	size_t i = pa_addrmap_home(m, key);

	while (m->slot[i].key)
		i = (i + 1) & (m->cap - 1);
	m->slot[i].key = key;
	m->slot[i].val = val;
	m->used++;
}

/* Empty slot i, shifting later entries of its probe run back into the hole. */
static void drop(struct pa_addrmap *m, size_t i)
{
	size_t mask = m->cap - 1, j, k;

	for (j = (i + 1) & mask; m->slot[j].key; j = (j + 1) & mask) {
		k = pa_addrmap_home(m, m->slot[j].key);
		if (((j - k) & mask) >= ((j - i) & mask)) {
			m->slot[i] = m->slot[j];
			i = j;
		}
	}
	m->slot[i].key = 0;
	m->used--;
}

void pa_addrmap_remove(struct pa_addrmap *m, uintptr_t key)
{
	size_t i = pa_addrmap_home(m, key);

	while (m->slot[i].key != key)
		i = (i + 1) & (m->cap - 1);
	drop(m, i);
}

void *pa_addrmap_take(struct pa_addrmap *m, uintptr_t key)
{
	size_t i;
	void *val;

	if (!m->slot || !key)
		return NULL;
	for (i = pa_addrmap_home(m, key); m->slot[i].key != key; i = (i + 1) & (m->cap - 1))
		if (!m->slot[i].key)
			return NULL;
	val = m->slot[i].val;
	drop(m, i);
	return val;
}

/* The slots for n keys, at most half full. */
static size_t cap_for(size_t n)
{
	size_t cap = MIN_CAP;

	while (cap < 2 * n)
		cap *= 2;
	return cap;
}

size_t pa_addrmap_bytes_for(size_t nkeys)
{
	return cap_for(nkeys) * sizeof(struct pa_addrmap_slot);
}

void pa_addrmap_init_fixed(struct pa_addrmap *m, void *slots, size_t cap)
{
	*m = (struct pa_addrmap){ .slot = slots, .cap = cap, .bits = pa_log2(cap), .fixed = 1 };
}

int pa_addrmap_reserve(struct pa_addrmap *m, struct pa_os *os, size_t n)
{
	struct pa_addrmap old = *m;
	size_t cap, i;
	int fits = n <= SIZE_MAX / 4 - m->used;	/* 2 * (used + n) cannot overflow */

	if (fits && 2 * (m->used + n) <= m->cap)
		return 0;
	if (!fits || m->fixed) {
		errno = ENOMEM;
		return -1;
	}
	cap = cap_for(m->used + n);
	m->slot = pa_os_map_meta(os, cap * sizeof(*m->slot));
	if (!m->slot) {
		*m = old;
		return -1;
	}
	m->cap = cap;
	m->bits = pa_log2(cap);
	m->used = 0;
	for (i = 0; i < old.cap; i++)
		if (old.slot[i].key)
			pa_addrmap_put(m, old.slot[i].key, old.slot[i].val);
	if (old.slot)
		pa_os_unmap_meta(os, old.slot, old.cap * sizeof(*old.slot));
	return 0;
}

/* The keys of the system pages that [base, base+bytes) touches: [k, end). */
static uintptr_t keys_end(const void *base, size_t bytes)
{
	return bytes ? pa_page_key((const char *)base + bytes - 1) + 1 : pa_page_key(base);
}

int pa_addrmap_put_pages(struct pa_addrmap *m, struct pa_os *os, const void *base,
			 size_t bytes, void *val)
{
	uintptr_t k = pa_page_key(base), end = keys_end(base, bytes);

	if (pa_addrmap_reserve(m, os, end - k))
		return -1;
	for (; k < end; k++)
		pa_addrmap_put(m, k, val);
	return 0;
}

void pa_addrmap_remove_pages(struct pa_addrmap *m, const void *base, size_t bytes)
{
	uintptr_t k = pa_page_key(base), end = keys_end(base, bytes);

	for (; k < end; k++)
		pa_addrmap_remove(m, k);
}

void pa_addrmap_fini(struct pa_addrmap *m, struct pa_os *os)
{
	if (m->slot && !m->fixed)
		pa_os_unmap_meta(os, m->slot, m->cap * sizeof(*m->slot));
	*m = (struct pa_addrmap){ 0 };
}
