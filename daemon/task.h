/* task.h — tasks' results (supctl run / await). */
#ifndef TASK_H
#define TASK_H

struct node;

/* A task node leaves the tree: keep its result, wake whoever awaits it. */
void	task_exited(struct node *);

#endif /* TASK_H */
