#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGESIZE 4096
#define MINALLOC 8

int init_alloc();
int cleanup();
char *alloc(int);
void dealloc(char *);
