/*
 * bitmap.h - bit arrays of 64-bit words, with find-next and find-previous.
 *
 * Searches walk whole words with find-first-set / find-last-set, so a search
 * over n bits costs at most n/64 word tests.
 */
#ifndef PAGEALLOC_BITMAP_H
#define PAGEALLOC_BITMAP_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t pa_word;
#define PA_WORD_BITS 64u

static inline size_t pa_bitmap_words(size_t bits)
{
	return (bits + PA_WORD_BITS - 1) / PA_WORD_BITS;
}

static inline int pa_bit_test(const pa_word *b, size_t i)
{
	return (b[i / PA_WORD_BITS] >> (i % PA_WORD_BITS)) & 1;
}

static inline void pa_bit_set(pa_word *b, size_t i)
{
	b[i / PA_WORD_BITS] |= (pa_word)1 << (i % PA_WORD_BITS);
}

static inline void pa_bit_clear(pa_word *b, size_t i)
{
	b[i / PA_WORD_BITS] &= ~((pa_word)1 << (i % PA_WORD_BITS));
}

/* Index of the lowest set bit at or after from, or nbits if none. */
static inline size_t pa_bit_next(const pa_word *b, size_t nbits, size_t from)
{
	size_t w = from / PA_WORD_BITS, nw = pa_bitmap_words(nbits);
	pa_word cur;

	if (from >= nbits)
		return nbits;
	cur = b[w] & (~(pa_word)0 << (from % PA_WORD_BITS));
	for (;;) {
		if (cur) {
			size_t i = w * PA_WORD_BITS + (size_t)__builtin_ctzll(cur);
			return i < nbits ? i : nbits;
		}
		if (++w == nw)
			return nbits;
		cur = b[w];
	}
}

/* Index of the highest set bit at or before upto, or (size_t)-1 if none. */
static inline size_t pa_bit_prev(const pa_word *b, size_t upto)
{
	size_t w = upto / PA_WORD_BITS;
	unsigned sh = (unsigned)(upto % PA_WORD_BITS);
	pa_word cur = b[w] & (sh == PA_WORD_BITS - 1 ? ~(pa_word)0 : (((pa_word)1 << (sh + 1)) - 1));

	for (;;) {
		if (cur)
			return w * PA_WORD_BITS + (PA_WORD_BITS - 1 - (size_t)__builtin_clzll(cur));
		if (w == 0)
			return (size_t)-1;
		cur = b[--w];
	}
}

/* floor(log2(n)) for n > 0. */
static inline unsigned pa_log2(size_t n)
{
	return (unsigned)(sizeof(long long) * 8 - 1 - (unsigned)__builtin_clzll((unsigned long long)n));
}

#endif
