/* Socket pool: where a request waits on its connection. A new request queues in its lane (a
 * bounded lane lets out at most its cap at a time), then in the wait queue until a slot is
 * free; its slot and the slot's generation make the id it is sent with. */
#define _GNU_SOURCE
#include "pool_internal.h"

/* Gives io a slot (caller holds c->mu and knows one is free) and queues it for sending. */
static void slot_assign(struct sfs_conn *c, struct sfs_io *io)
{
	uint16_t s = c->free_slots[--c->nfree];
	c->gen[s]++;
	c->slots[s] = io;
	io->slot = s;
	io->sent = 0;
	io->t_start = pool_now_ms();
	sd_put32(io->hdr + 8, (uint32_t)c->gen[s] << 16 | s);
	pool_q_push(&c->sq_head, &c->sq_tail, io);
}

void pool_slot_free(struct sfs_conn *c, uint16_t s)
{
	c->slots[s] = NULL;
	c->free_slots[c->nfree++] = s;
}

/* With c->mu held: moves waiting requests on, lanes within their caps, into free slots. */
void pool_pump(struct sfs_conn *c)
{
	while (c->nfree > 0 && c->wq_head)
		slot_assign(c, pool_q_pop(&c->wq_head, &c->wq_tail));
	for (unsigned l = 0; l < SFS_POOL_LANES; l++) {
		while (c->lq_head[l] && (c->lane_cap[l] == 0 || c->lane_busy[l] < c->lane_cap[l])) {
			struct sfs_io *io = pool_q_pop(&c->lq_head[l], &c->lq_tail[l]);
			c->lane_busy[l]++;
			if (c->nfree > 0 && c->wq_head == NULL)
				slot_assign(c, io);
			else
				pool_q_push(&c->wq_head, &c->wq_tail, io);
		}
	}
}

/* The index of io's bounded lane, or -1 (lane 0, or none that exists: unbounded). */
static int lane_of(const struct sfs_io *io)
{
	return io->lane > 0 && io->lane <= SFS_POOL_LANES ? io->lane - 1 : -1;
}

/* With c->mu held: io is new on c; it queues behind the requests waiting before it. */
void pool_admit(struct sfs_conn *c, struct sfs_io *io)
{
	int l = lane_of(io);
	if (l >= 0) {
		c->lane_cap[l] = io->cap;
		pool_q_push(&c->lq_head[l], &c->lq_tail[l], io);
	} else {
		pool_q_push(&c->wq_head, &c->wq_tail, io);
	}
	pool_pump(c);
}

/* With c->mu held: io leaves c (answered or failed) and gives back its place in its lane. */
void pool_release(struct sfs_conn *c, struct sfs_io *io)
{
	int l = lane_of(io);
	if (l >= 0)
		c->lane_busy[l]--;
}

bool pool_conn_has_work(struct sfs_conn *c)
{
	for (unsigned l = 0; l < SFS_POOL_LANES; l++)
		if (c->lq_head[l])
			return true;
	return c->sq_head || c->wq_head || c->nfree < SLOTS;
}
