/*
 * binarytrees.c - the binary-trees benchmark the my_malloc lab is measured
 * on (after Hans Boehm's GC benchmark, as the lab uses it): trees of
 * 24-byte nodes built top down and bottom up, with a long-lived tree kept
 * alive meanwhile, every node from my_malloc and back through my_free.
 * Build it with -DLAB_VERSION=N and pkg-config --cflags --libs
 * pagealloc-compat-mymalloc.
 *
 * Usage: binarytrees [STRETCH_DEPTH [LONG_LIVED_DEPTH [MAX_DEPTH]]]
 * (default 18 16 16, as the lab runs it).  Standard output is the same
 * for every LAB_VERSION, so a test can compare it; timings go to standard
 * error.  Besides the benchmark's own work, each tree is counted and its
 * nodes' fields checked before it is freed, so a node handed out twice
 * shows up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>

#include "my_memory_allocator.h"

#define MALLOC my_malloc
#define FREE my_free
#define INIT_MEM init_mem_pool()

#define MIN_TREE_DEPTH 4
#define ARRAY_SIZE 500000

static int stretch_depth = 18, long_lived_depth = 16, max_depth = 16;

/* 24 bytes on x86_64, as in the lab. */
typedef struct Node0_struct {
	struct Node0_struct *left;
	struct Node0_struct *right;
	int i, j;
} Node0;

typedef Node0 *Node;

static unsigned long now_ms(void)
{
	struct timeval t;

	gettimeofday(&t, NULL);
	return t.tv_sec * 1000ul + t.tv_usec / 1000;
}

/* A node zeroed like calloc, or a Java allocation, would be. */
static Node allocate_node(void)
{
	char *p = MALLOC(sizeof(Node0));
	size_t k;

	if (!p) {
		fprintf(stderr, "out of memory!\n");
		exit(1);
	}
	for (k = 0; k < sizeof(Node0); k++)
		p[k] = 0;
	return (Node)p;
}

/* Free a tree, checking that each node still holds what it was given:
 * i is its depth, j its tree's tag. */
static void destroy_node(Node me, int depth, int tag)
{
	if (me->i != depth || me->j != tag) {
		fprintf(stderr, "node %p: holds (%d, %d), expected (%d, %d)\n",
			(void *)me, me->i, me->j, depth, tag);
		exit(1);
	}
	if (me->left)
		destroy_node(me->left, depth - 1, tag);
	if (me->right)
		destroy_node(me->right, depth - 1, tag);
	FREE(me);
}

static long tree_size(int depth)
{
	return (1l << (depth + 1)) - 1;
}

static long count(Node me)
{
	return me ? 1 + count(me->left) + count(me->right) : 0;
}

static int num_iters(int depth)
{
	return (int)(2 * tree_size(stretch_depth) / tree_size(depth));
}

/* Build a tree top down under this_node. */
static void populate(int depth, Node this_node, int tag)
{
	this_node->i = depth;
	this_node->j = tag;
	if (depth <= 0)
		return;
	this_node->left = allocate_node();
	this_node->right = allocate_node();
	populate(depth - 1, this_node->left, tag);
	populate(depth - 1, this_node->right, tag);
}

/* Build a tree bottom up. */
static Node make_tree(int depth, int tag)
{
	Node result, left = NULL, right = NULL;

	if (depth > 0) {
		left = make_tree(depth - 1, tag);
		right = make_tree(depth - 1, tag);
	}
	result = allocate_node();
	result->left = left;
	result->right = right;
	result->i = depth;
	result->j = tag;
	return result;
}

static void time_construction(int depth)
{
	int iters = num_iters(depth), k;
	long nodes = 0;
	unsigned long t;
	Node temp;

	printf("Creating %d trees of depth %d\n", iters, depth);
	t = now_ms();
	for (k = 0; k < iters; k++) {
		temp = allocate_node();
		populate(depth, temp, k);
		nodes += count(temp);
		destroy_node(temp, depth, k);
	}
	fprintf(stderr, "\tTop down construction took %lu msec\n", now_ms() - t);
	printf("\tTop down: %ld nodes\n", nodes);
	nodes = 0;
	t = now_ms();
	for (k = 0; k < iters; k++) {
		temp = make_tree(depth, k);
		nodes += count(temp);
		destroy_node(temp, depth, k);
	}
	fprintf(stderr, "\tBottom up construction took %lu msec\n", now_ms() - t);
	printf("\tBottom up: %ld nodes\n", nodes);
}

int main(int argc, char **argv)
{
	Node temp, long_lived;
	unsigned long t;
	double *array;
	int d, k;

	if (argc > 1)
		stretch_depth = atoi(argv[1]);
	if (argc > 2)
		long_lived_depth = atoi(argv[2]);
	if (argc > 3)
		max_depth = atoi(argv[3]);
	if (stretch_depth < 0 || stretch_depth > 24 || long_lived_depth < 0 ||
	    long_lived_depth > 24 || max_depth < MIN_TREE_DEPTH || max_depth > stretch_depth) {
		fprintf(stderr, "usage: binarytrees [STRETCH_DEPTH [LONG_LIVED_DEPTH [MAX_DEPTH]]]\n");
		return 2;
	}
	INIT_MEM;
	printf("Memory Allocator Test\n");
	printf(" Live storage will peak at %lu bytes.\n\n",
	       2 * sizeof(Node0) * tree_size(long_lived_depth) + sizeof(double) * ARRAY_SIZE);
	printf(" Stretching memory with a binary tree of depth %d\n", stretch_depth);
	t = now_ms();
	temp = make_tree(stretch_depth, -1);
	printf(" Stretch tree: %ld nodes\n", count(temp));
	destroy_node(temp, stretch_depth, -1);

	printf(" Creating a long-lived binary tree of depth %d\n", long_lived_depth);
	long_lived = allocate_node();
	populate(long_lived_depth, long_lived, -2);

	/* a long-lived array too, from the C library as in the benchmark */
	array = malloc(sizeof(double) * ARRAY_SIZE);
	if (!array)
		return 1;
	for (k = 0; k < ARRAY_SIZE / 2; k++)
		array[k] = 1.0 / k;

	for (d = MIN_TREE_DEPTH; d <= max_depth; d += 2)
		time_construction(d);

	if (count(long_lived) != tree_size(long_lived_depth) || array[1000] != 1.0 / 1000) {
		fprintf(stderr, "Failed\n");
		return 1;
	}
	printf(" Long-lived tree: %ld nodes\n", count(long_lived));
	destroy_node(long_lived, long_lived_depth, -2);
	free(array);
	fprintf(stderr, "Completed in %lu msec\n", now_ms() - t);
	printf("Completed\n");
	return 0;
}
