#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGESIZE 4096
#define MINALLOC 256

void init_alloc(void);
char *alloc(int);
void dealloc(char *);
void cleanup(void);
