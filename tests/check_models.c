/* check_models.c - what every policy must do, from one table: the
 * randomized model run (unique patterns verified, no overlap,
 * pagealloc_check and the figures after every operation) and the
 * foundation's bad-input list, on several configurations of each policy. */
#include "testutil.h"

static const struct run {
	const char *spec;
	size_t max_size;	/* requests are 1..max_size bytes */
	unsigned ops;
} runs[] = {
	{ "page", 300, 40000 },
	{ "page:page_size=16K", 300, 40000 },
	{ "page:granule=64,page_size=64K", 3000, 40000 },
	{ "page:threadsafe", 300, 40000 },
	{ "elastic", 600, 40000 },
	{ "elastic:max_pages=8", 3000, 40000 },
	{ "elastic:spare_pages=0", 9000, 40000 },
	{ "elastic:spare_pages=1,page_size=8K", 5000, 40000 },
	{ "elastic:granule=256,max_pages=4", 4096, 40000 },
	{ "elastic:granule=16,threadsafe", 300, 40000 },
	{ "bump", 3000, 40000 },
	{ "bump:pool_chunk=8K", 12000, 20000 },
	{ "bump:granule=64,pool_chunk=64K", 700, 40000 },
	{ "bump:threadsafe", 100, 40000 },
	{ "cell", 32, 40000 },
	{ "cell:cell_size=8", 8, 40000 },
	{ "cell:cell_size=24", 24, 40000 },
	{ "cell:cell_size=4096,threadsafe", 4096, 40000 },
	{ "mmap", 20000, 20000 },
	{ "mmap:threadsafe", 300, 20000 },
	{ "brk", 160000, 12000 },	/* both sides of the threshold */
	{ "brk:mmap_threshold=4K", 10000, 30000 },
	{ "brk:threadsafe", 2000, 30000 },
	/* runs: every quick size of 8- and 16-byte granules, capped and not */
	{ "elastic:page_size=64K", 500, 40000 },
	{ "elastic:page_size=16K,granule=16,max_pages=3,spare_pages=0", 700, 40000 },
};
#define NRUNS (int)(sizeof(runs) / sizeof(runs[0]))

/* A cell heap serves no request above its cell size, so its list runs on
 * configurations whose sizes it can serve. */
static const char *const bad_input_specs[] = {
	"page", "page:page_size=16K,granule=16", "elastic", "elastic:max_pages=2,spare_pages=0",
	"elastic:max_pages=4,granule=256", "bump", "bump:pool_chunk=4K,granule=16",
	"cell", "cell:cell_size=4096", "mmap", "brk", "elastic:page_size=64K",
};
#define NBAD (int)(sizeof(bad_input_specs) / sizeof(bad_input_specs[0]))

START_TEST(model_run)
{
	tu_model_run(runs[_i].spec, 1000u + (unsigned)_i, runs[_i].ops, runs[_i].max_size);
}
END_TEST

START_TEST(bad_inputs)
{
	tu_bad_inputs(bad_input_specs[_i]);
}
END_TEST

static Suite *models_suite(void)
{
	Suite *s = suite_create("models");
	TCase *tc = tcase_create("bad input");

	tcase_add_loop_test(tc, bad_inputs, 0, NBAD);
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, model_run, 0, NRUNS);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run(models_suite());
}
