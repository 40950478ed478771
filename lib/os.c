/* os.c - mmap/munmap/mremap/sbrk, counted per heap. */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "annotate.h"
#include "internal.h"

size_t pa_sys_page(void)
{
	static size_t page;

	if (!page) {
		long v = sysconf(_SC_PAGESIZE);
		page = v > 0 ? (size_t)v : 4096;
	}
	return page;
}

static void *map_anon(struct pa_os *os, size_t bytes)
{
	void *p;

	if (bytes == 0 || bytes > PTRDIFF_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	os->map_calls++;
	if (p == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

void *pa_os_map(struct pa_os *os, size_t bytes)
{
	void *p = map_anon(os, bytes);

	if (p) {
		os->data_bytes += bytes;
		if (os->data_bytes > os->peak_data_bytes)
			os->peak_data_bytes = os->data_bytes;
	}
	return p;
}

int pa_os_unmap(struct pa_os *os, void *p, size_t bytes)
{
	os->unmap_calls++;
	pa_annot_claim(p, bytes);	/* ASan keeps poison past munmap */
	if (munmap(p, bytes) != 0)
		return -1;
	os->data_bytes -= bytes;
	return 0;
}

void *pa_os_remap(struct pa_os *os, void *p, size_t old_bytes, size_t new_bytes)
{
	void *q = mremap(p, old_bytes, new_bytes, MREMAP_MAYMOVE);

	os->map_calls++;
	if (q == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	os->data_bytes = os->data_bytes - old_bytes + new_bytes;
	if (os->data_bytes > os->peak_data_bytes)
		os->peak_data_bytes = os->data_bytes;
	return q;
}

void *pa_os_map_meta(struct pa_os *os, size_t bytes)
{
	void *p = map_anon(os, pa_round_up(bytes, pa_sys_page()));

	if (p)
		os->meta_bytes += bytes;
	return p;
}

int pa_os_unmap_meta(struct pa_os *os, void *p, size_t bytes)
{
	os->unmap_calls++;
	pa_annot_claim(p, pa_round_up(bytes, pa_sys_page()));
	if (munmap(p, pa_round_up(bytes, pa_sys_page())) != 0)
		return -1;
	os->meta_bytes -= bytes;
	return 0;
}

void *pa_os_sbrk(struct pa_os *os, long increment)
{
	void *p = sbrk(increment);

	os->brk_calls++;
	if (p != (void *)-1) {
		os->data_bytes += (size_t)increment;	/* a negative one wraps back */
		if (os->data_bytes > os->peak_data_bytes && increment > 0)
			os->peak_data_bytes = os->data_bytes;
	}
	return p;
}
