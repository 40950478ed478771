/* check_addrmap.c - white box: the address map of lib/addrmap.c (put, find,
 * remove and take against a reference, collisions and runs that wrap at the
 * end of the table, growth, the fixed mode's refusal past half full, page
 * ranges, and what fini gives back). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <check.h>

#include "addrmap.h"
#include "bitmap.h"
#include "internal.h"

#define FIXED_CAP 64

static struct pa_os os;
static struct pa_addrmap m;
static struct pa_addrmap_slot *fixed_slots;

static void setup(void)
{
	memset(&os, 0, sizeof(os));
	memset(&m, 0, sizeof(m));
	fixed_slots = mmap(NULL, FIXED_CAP * sizeof(*fixed_slots), PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(fixed_slots, MAP_FAILED);
}

static void teardown(void)
{
	munmap(fixed_slots, FIXED_CAP * sizeof(*fixed_slots));
}

/* The slot a key hashes to in a table of 2^bits slots (addrmap.c's home). */
static size_t home_of(uintptr_t key, unsigned bits)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}

/* n distinct keys from start on whose home in a table of cap slots is lo..hi. */
static void keys_homed(uintptr_t *keys, size_t n, uintptr_t start, size_t cap, size_t lo, size_t hi)
{
	uintptr_t k;
	size_t i = 0, h;

	for (k = start; i < n; k++) {
		h = home_of(k, pa_log2(cap));
		if (h >= lo && h <= hi)
			keys[i++] = k;
	}
}

static void *val_of(uintptr_t key)
{
	return (void *)(key * 2 + 1);
}

static void put(uintptr_t key)
{
	ck_assert_int_eq(pa_addrmap_reserve(&m, &os, 1), 0);
	pa_addrmap_put(&m, key, val_of(key));
}

/* Slots in use, counted: the same as used when no key is stored twice. */
static size_t full_slots(void)
{
	size_t i, n = 0;

	for (i = 0; i < m.cap; i++)
		n += m.slot[i].key != 0;
	return n;
}

START_TEST(empty_and_key_zero)
{
	ck_assert_ptr_null(pa_addrmap_find(&m, 0));
	ck_assert_ptr_null(pa_addrmap_find(&m, 1));
	ck_assert_ptr_null(pa_addrmap_take(&m, 1));
	pa_addrmap_init_fixed(&m, fixed_slots, FIXED_CAP);
	ck_assert_ptr_null(pa_addrmap_find(&m, 0));
	ck_assert_ptr_null(pa_addrmap_find(&m, 12345));
	put(7);
	ck_assert_ptr_null(pa_addrmap_find(&m, 0));
	ck_assert_ptr_null(pa_addrmap_take(&m, 0));
	ck_assert_ptr_null(pa_addrmap_take(&m, 8));
	ck_assert_ptr_eq(pa_addrmap_find(&m, 7), val_of(7));
	ck_assert_uint_eq(m.used, 1);
}
END_TEST

/* Keys that share a home slot, among them a run that wraps past the end. */
START_TEST(colliding_keys)
{
	uintptr_t same[12], wrap[12];
	size_t i, j;

	pa_addrmap_init_fixed(&m, fixed_slots, FIXED_CAP);
	keys_homed(same, 12, 1, FIXED_CAP, 20, 20);
	keys_homed(wrap, 12, 1, FIXED_CAP, FIXED_CAP - 2, FIXED_CAP - 1);
	for (i = 0; i < 12; i++) {
		put(same[i]);
		put(wrap[i]);
	}
	ck_assert_uint_eq(m.slot[20].key, same[0]);
	ck_assert_uint_ne(m.slot[0].key, 0);	/* the run at the end went round */
	for (i = 0; i < 12; i++) {
		ck_assert_ptr_eq(pa_addrmap_find(&m, same[i]), val_of(same[i]));
		ck_assert_ptr_eq(pa_addrmap_find(&m, wrap[i]), val_of(wrap[i]));
	}
	/* remove from the front of each run: the rest must shift back */
	for (i = 0; i < 12; i++) {
		pa_addrmap_remove(&m, same[i]);
		ck_assert_ptr_eq(pa_addrmap_take(&m, wrap[i]), val_of(wrap[i]));
		ck_assert_ptr_null(pa_addrmap_find(&m, same[i]));
		ck_assert_ptr_null(pa_addrmap_find(&m, wrap[i]));
		for (j = i + 1; j < 12; j++) {
			ck_assert_ptr_eq(pa_addrmap_find(&m, same[j]), val_of(same[j]));
			ck_assert_ptr_eq(pa_addrmap_find(&m, wrap[j]), val_of(wrap[j]));
		}
		ck_assert_uint_eq(m.used, 2 * (11 - i));
		ck_assert_uint_eq(full_slots(), m.used);
	}
}
END_TEST

/* Random puts, removes and takes, checked against a reference after every
 * step: 0 fixed map, any keys; 1 fixed map, keys homed in its last 6 slots
 * (every run wraps); 2 grown map, many keys; 3 grown map, consecutive keys. */
START_TEST(random_against_reference)
{
	enum { UNIVERSE = 600, STEPS = 6000 };
	static uintptr_t key[UNIVERSE];
	static char present[UNIVERSE];
	unsigned long long rng = 1234 + (unsigned)_i;
	size_t nkeys = _i < 2 ? 80 : UNIVERSE, count = 0, u, s;

	memset(present, 0, sizeof(present));
	if (_i < 2)
		pa_addrmap_init_fixed(&m, fixed_slots, FIXED_CAP);
	for (u = 0; u < nkeys; u++)
		key[u] = _i == 3 ? 0x7f0000000 + u : (uintptr_t)(u + 1) * 0x10001;
	if (_i == 1)
		keys_homed(key, nkeys, 1, FIXED_CAP, FIXED_CAP - 6, FIXED_CAP - 1);
	for (s = 0; s < STEPS; s++) {
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		u = (size_t)((rng >> 33) % nkeys);
		if (present[u]) {
			if ((rng >> 20) & 1)
				pa_addrmap_remove(&m, key[u]);
			else
				ck_assert_ptr_eq(pa_addrmap_take(&m, key[u]), val_of(key[u]));
			present[u] = 0;
			count--;
		} else if (!pa_addrmap_reserve(&m, &os, 1)) {
			pa_addrmap_put(&m, key[u], val_of(key[u]));
			present[u] = 1;
			count++;
		} else {
			ck_assert(_i < 2 && errno == ENOMEM && count == FIXED_CAP / 2);
		}
		ck_assert_uint_eq(m.used, count);
		ck_assert_uint_le(2 * m.used, m.cap);
		ck_assert_uint_eq(full_slots(), count);
		for (u = 0; u < nkeys; u++)	/* plain compares: an assert per key is slow */
			if (pa_addrmap_find(&m, key[u]) != (present[u] ? val_of(key[u]) : NULL))
				ck_abort_msg("step %zu: key %#lx %s", s, (unsigned long)key[u],
					     present[u] ? "lost" : "still found");
	}
	pa_addrmap_fini(&m, &os);
	ck_assert_uint_eq(os.meta_bytes, 0);
}
END_TEST

/* Growth keeps every entry and the map at most half full. */
START_TEST(growth_keeps_entries)
{
	enum { N = 20000 };
	size_t cap = 0, n, k;

	for (n = 1; n <= N; n++) {
		put(n * 977);
		ck_assert_uint_le(2 * m.used, m.cap);
		ck_assert_uint_eq(m.cap & (m.cap - 1), 0);
		ck_assert_uint_eq(os.meta_bytes, m.cap * sizeof(struct pa_addrmap_slot));
		if (m.cap != cap) {	/* just grown */
			cap = m.cap;
			for (k = 1; k <= n; k++)
				ck_assert_ptr_eq(pa_addrmap_find(&m, k * 977), val_of(k * 977));
		}
	}
	ck_assert_uint_eq(m.used, N);
	ck_assert_uint_eq(full_slots(), N);
	ck_assert_int_eq(pa_addrmap_reserve(&m, &os, 3 * N), 0);
	ck_assert_uint_ge(m.cap, 8 * N);
	for (k = 1; k <= N; k++)
		ck_assert_ptr_eq(pa_addrmap_find(&m, k * 977), val_of(k * 977));
	ck_assert_uint_eq(os.map_calls, os.unmap_calls + 1);
	pa_addrmap_fini(&m, &os);
	ck_assert_uint_eq(os.meta_bytes, 0);
	ck_assert_uint_eq(os.map_calls, os.unmap_calls);
	ck_assert_ptr_null(m.slot);
	ck_assert_uint_eq(m.used, 0);
	ck_assert_ptr_null(pa_addrmap_find(&m, 977));
}
END_TEST

/* A reserve that fails leaves the map as it was. */
static void assert_refused(size_t n)
{
	static struct pa_addrmap_slot before[FIXED_CAP];
	struct pa_addrmap was = m;
	struct pa_os os_was = os;

	memcpy(before, m.slot, sizeof(before));
	errno = 0;
	ck_assert_int_eq(pa_addrmap_reserve(&m, &os, n), -1);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_mem_eq(&m, &was, sizeof(m));
	ck_assert_mem_eq(&os, &os_was, sizeof(os));
	ck_assert_mem_eq(m.slot, before, sizeof(before));
}

/* A fixed map of 64 slots takes 32 keys and refuses the 33rd, intact. */
START_TEST(fixed_refuses_past_half)
{
	uintptr_t k;

	ck_assert_uint_eq(pa_addrmap_bytes_for(0), FIXED_CAP * sizeof(struct pa_addrmap_slot));
	ck_assert_uint_eq(pa_addrmap_bytes_for(32), FIXED_CAP * sizeof(struct pa_addrmap_slot));
	ck_assert_uint_eq(pa_addrmap_bytes_for(33), 2 * FIXED_CAP * sizeof(struct pa_addrmap_slot));
	os.meta_bytes = 4096;		/* the heap's own, not the map's */
	pa_addrmap_init_fixed(&m, fixed_slots, FIXED_CAP);
	ck_assert_int_eq(pa_addrmap_reserve(&m, &os, FIXED_CAP / 2), 0);
	assert_refused(FIXED_CAP / 2 + 1);
	for (k = 1; k <= FIXED_CAP / 2; k++)
		put(k);
	assert_refused(1);
	assert_refused(SIZE_MAX);
	ck_assert_int_eq(pa_addrmap_reserve(&m, &os, 0), 0);
	for (k = 1; k <= FIXED_CAP / 2; k++)
		ck_assert_ptr_eq(pa_addrmap_find(&m, k), val_of(k));
	ck_assert_ptr_eq(m.slot, fixed_slots);
	ck_assert_uint_eq(os.map_calls, 0);
	pa_addrmap_fini(&m, &os);
	ck_assert_uint_eq(os.meta_bytes, 4096);
	ck_assert_uint_eq(os.unmap_calls, 0);
	fixed_slots[FIXED_CAP - 1].key = 1;	/* still mapped: fini left it alone */
	ck_assert_ptr_null(pa_addrmap_find(&m, 1));
}
END_TEST

/* A grown map refuses a reserve whose size would overflow, unchanged. */
START_TEST(grown_refuses_overflow)
{
	put(5);
	assert_refused(SIZE_MAX);
	assert_refused(SIZE_MAX / 2 + 1);
	ck_assert_ptr_eq(pa_addrmap_find(&m, 5), val_of(5));
	pa_addrmap_fini(&m, &os);
	ck_assert_uint_eq(os.meta_bytes, 0);
}
END_TEST

/* put_pages and remove_pages cover every system page of a range, no more. */
START_TEST(pages_cover_range)
{
	size_t page = pa_sys_page(), i;
	char *a = (char *)(uintptr_t)0x7f1234500000, *b = a + 5 * page;
	int x, y;

	ck_assert_int_eq(pa_addrmap_put_pages(&m, &os, a, 5 * page, &x), 0);
	ck_assert_int_eq(pa_addrmap_put_pages(&m, &os, b, 300 * page, &y), 0);
	ck_assert_uint_eq(m.used, 305);
	ck_assert_ptr_null(pa_addrmap_find(&m, pa_page_key(a - 1)));
	ck_assert_ptr_null(pa_addrmap_find(&m, pa_page_key(b + 300 * page)));
	for (i = 0; i < 5; i++) {
		ck_assert_ptr_eq(pa_addrmap_find(&m, pa_page_key(a + i * page)), &x);
		ck_assert_ptr_eq(pa_addrmap_find(&m, pa_page_key(a + i * page + page - 1)), &x);
	}
	for (i = 0; i < 300; i++)
		ck_assert_ptr_eq(pa_addrmap_find(&m, pa_page_key(b + i * page + 17)), &y);
	pa_addrmap_remove_pages(&m, a, 5 * page);
	ck_assert_uint_eq(m.used, 300);
	for (i = 0; i < 5; i++)
		ck_assert_ptr_null(pa_addrmap_find(&m, pa_page_key(a + i * page)));
	for (i = 0; i < 300; i++)
		ck_assert_ptr_eq(pa_addrmap_find(&m, pa_page_key(b + i * page)), &y);
	pa_addrmap_remove_pages(&m, b, 300 * page);
	ck_assert_uint_eq(m.used, 0);
	ck_assert_uint_eq(full_slots(), 0);
	/* a range off page boundaries: every page it touches, and no more */
	ck_assert_int_eq(pa_addrmap_put_pages(&m, &os, a + 10, 2 * page, &x), 0);
	ck_assert_uint_eq(m.used, 3);
	ck_assert_ptr_eq(pa_addrmap_find(&m, pa_page_key(a + 2 * page + 9)), &x);
	ck_assert_ptr_null(pa_addrmap_find(&m, pa_page_key(a + 3 * page)));
	ck_assert_int_eq(pa_addrmap_put_pages(&m, &os, b, 0, &y), 0);
	ck_assert_uint_eq(m.used, 3);
	pa_addrmap_remove_pages(&m, a + 10, 2 * page);
	ck_assert_uint_eq(m.used, 0);
	pa_addrmap_fini(&m, &os);
	ck_assert_uint_eq(os.meta_bytes, 0);
}
END_TEST

static Suite *addrmap_suite(void)
{
	Suite *s = suite_create("addrmap");
	TCase *tc = tcase_create("map");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, empty_and_key_zero);
	tcase_add_test(tc, colliding_keys);
	tcase_add_loop_test(tc, random_against_reference, 0, 4);
	tcase_add_test(tc, growth_keeps_entries);
	tcase_add_test(tc, fixed_refuses_past_half);
	tcase_add_test(tc, grown_refuses_overflow);
	tcase_add_test(tc, pages_cover_range);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(addrmap_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
