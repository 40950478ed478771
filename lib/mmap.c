/* mmap.c - the mmap policy: not written yet; pagealloc_create answers ENOSYS. */
#include "internal.h"

const struct pa_policy pa_policy_mmap = { .name = "mmap" };
