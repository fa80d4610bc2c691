/*
 * memwatch.h — memory_restart: while a child that set it runs, a timer
 * sums its process group's resident memory once a second (pstat.c) and
 * has proc.c stop it as a failure once it passes the bound.
 */
#ifndef MEMWATCH_H
#define MEMWATCH_H

#include <stdint.h>

struct ev_loop;
struct node;

#define MEMWATCH_INTERVAL_S	1.0

void	memwatch_init(struct ev_loop *);
/* Watch node's group pgid against bound bytes (the timer starts with the first). */
void	memwatch_add(struct node *, int pgid, int64_t bound);
/* Stop watching node (the timer stops with the last); no-op if not watched. */
void	memwatch_remove(struct node *);
/* "612 MiB" (KiB under a MiB): a size for people. */
void	memwatch_size(char *, size_t, int64_t bytes);

#endif /* MEMWATCH_H */
