/*
 * treap.h - an index of free blocks by (size, address): a treap over a
 * pool of nodes addressed by 32-bit index, node 0 nil.  The owner (brk.c)
 * keeps the pool, hands out the nodes and gives each its priority with
 * pa_treap_prio; the treap only links them.  Insert, erase and find are
 * O(log n) expected; nothing allocates.
 */
#ifndef PAGEALLOC_TREAP_H
#define PAGEALLOC_TREAP_H

#include <stddef.h>
#include <stdint.h>

struct pa_tnode {
	void *item;		/* the block; NULL when unused or dead */
	size_t size;		/* the key is (size, item) */
	uint32_t l, r;		/* children; the owner may link unused nodes by l */
	uint32_t link;		/* the owner's own list (brk: the pending blocks) */
	uint32_t prio : 31;	/* a parent's is at least its children's */
	uint32_t mark : 1;	/* the owner's own bit (brk: pending) */
};

/* A fixed pseudo-random priority for node i. */
uint32_t pa_treap_prio(uint32_t i);

/* Put node x (item, size and prio set) into the treap at *root. */
void pa_treap_insert(struct pa_tnode *nd, uint32_t *root, uint32_t x);

/* Take node x out of the treap at *root; nothing if it is not there. */
void pa_treap_erase(struct pa_tnode *nd, uint32_t *root, uint32_t x);

/* The node of the smallest key whose size is at least size, or 0. */
uint32_t pa_treap_find(const struct pa_tnode *nd, uint32_t root, size_t size);

/*
 * The treap at root is sound: every node below limit, keys in order,
 * priorities in heap order, at most max_nodes nodes and max_depth levels;
 * ok(arg, t) accepts each node.  0, with the count of nodes in *count.
 */
int pa_treap_check(const struct pa_tnode *nd, uint32_t root, uint32_t limit, size_t max_nodes,
		   int (*ok)(void *arg, uint32_t t), void *arg, size_t *count);

#endif
