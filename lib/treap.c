/*
 * treap.c - the (size, address) index of free blocks (treap.h).  Insert
 * walks down to where the new node's priority belongs and splits the
 * subtree there around it; erase merges the node's two subtrees in its
 * place.  Neither recurses.
 */
#include "treap.h"

#define MAX_DEPTH 256		/* far beyond what random priorities give */

uint32_t pa_treap_prio(uint32_t i)
{
	i ^= i >> 16;
	i *= 0x7feb352dU;
	i ^= i >> 15;
	i *= 0x846ca68bU;
	return (i ^ (i >> 16)) >> 1;
}

static int less(const struct pa_tnode *nd, uint32_t x, uint32_t y)
{
	return nd[x].size < nd[y].size ||
	       (nd[x].size == nd[y].size && (uintptr_t)nd[x].item < (uintptr_t)nd[y].item);
}

void pa_treap_insert(struct pa_tnode *nd, uint32_t *link, uint32_t x)
{
	uint32_t t, *l = &nd[x].l, *r = &nd[x].r;

	while (*link && nd[*link].prio >= nd[x].prio)
		link = less(nd, x, *link) ? &nd[*link].l : &nd[*link].r;
	t = *link;
	*link = x;
	while (t) {
		if (less(nd, t, x)) {
			*l = t;
			l = &nd[t].r;
			t = nd[t].r;
		} else {
			*r = t;
			r = &nd[t].l;
			t = nd[t].l;
		}
	}
	*l = *r = 0;
}

void pa_treap_erase(struct pa_tnode *nd, uint32_t *link, uint32_t x)
{
	uint32_t a, b;

	while (*link && *link != x)
		link = less(nd, x, *link) ? &nd[*link].l : &nd[*link].r;
	if (!*link)
		return;
	a = nd[x].l;
	b = nd[x].r;
	while (a && b) {
		if (nd[a].prio > nd[b].prio) {
			*link = a;
			link = &nd[a].r;
			a = nd[a].r;
		} else {
			*link = b;
			link = &nd[b].l;
			b = nd[b].l;
		}
	}
	*link = a ? a : b;
}

uint32_t pa_treap_find(const struct pa_tnode *nd, uint32_t t, size_t size)
{
	uint32_t best = 0;

	while (t) {
		if (nd[t].size >= size) {
			best = t;
			t = nd[t].l;
		} else {
			t = nd[t].r;
		}
	}
	return best;
}

struct walk {
	const struct pa_tnode *nd;
	uint32_t limit, last;
	size_t max_nodes, count;
	int (*ok)(void *arg, uint32_t t);
	void *arg;
};

/* The subtree at t in order. */
static int check_below(struct walk *w, uint32_t t, int depth)
{
	const struct pa_tnode *nd = w->nd;

	if (!t)
		return 0;
	if (t >= w->limit || depth > MAX_DEPTH || ++w->count > w->max_nodes ||
	    check_below(w, nd[t].l, depth + 1))
		return -1;
	if ((nd[t].l && nd[nd[t].l].prio > nd[t].prio) || (nd[t].r && nd[nd[t].r].prio > nd[t].prio) ||
	    (w->last && !less(nd, w->last, t)) || !w->ok(w->arg, t))
		return -1;
	w->last = t;
	return check_below(w, nd[t].r, depth + 1);
}

int pa_treap_check(const struct pa_tnode *nd, uint32_t root, uint32_t limit, size_t max_nodes,
		   int (*ok)(void *arg, uint32_t t), void *arg, size_t *count)
{
	struct walk w = { nd, limit, 0, max_nodes, 0, ok, arg };
	int r = check_below(&w, root, 0);

	*count = w.count;
	return r;
}
