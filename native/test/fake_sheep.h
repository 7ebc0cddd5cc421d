/* A scripted fake sheep for the volume engine's tests: a single-node Sheepdog 1.0 gateway on
 * 127.0.0.1 (ephemeral port) that keeps its objects in memory.
 *
 * It answers what the volume engine sends: GET_VDI_INFO, LOCK_VDI and RELEASE_VDI, READ_OBJ,
 * WRITE_OBJ, CREATE_AND_WRITE_OBJ (copy-on-write included) and DISCARD_OBJ, with sheep's
 * semantics where the engine depends on them (PROTOCOL.md 9.5): WRITE_OBJ of a missing object is
 * NO_OBJ, a create replaces the object whole, writes to a snapshot's data objects are READONLY,
 * inode and B-tree objects are always writable, DISCARD_OBJ clears the flat index entry.
 *
 * Rules script the failures the engine must survive: a request that matches a rule (opcode,
 * object kind, oid) after `skip` matching ones went through is failed with a chosen result,
 * answered but held back until fake_sheep_release, or its connection is closed (the client then
 * resends on a new one). A rule may wait for another rule to have fired (`after`), so that a
 * chain of failures needs no timing in the test. Every request is counted by opcode.
 *
 * Held requests are carried out at once and only their answers wait, as a proxy in front of a
 * real sheep would hold them. One context, no globals; every call is thread-safe.
 */
#ifndef SHEEPFS_FAKE_SHEEP_H
#define SHEEPFS_FAKE_SHEEP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fake_sheep;

enum fs_kind { FS_ANY, FS_DATA, FS_INODE, FS_BTREE };

/* What a rule (or a count) matches: every field left 0 matches anything. */
struct fs_match {
	uint8_t opcode;
	enum fs_kind kind; /* of the request's oid (object requests only) */
	uint64_t oid;
};

enum fs_action {
	FS_FAIL, /* answer `result`, do nothing */
	FS_HOLD, /* do it, keep the answer until fake_sheep_release */
	FS_DROP, /* close the connection without an answer */
};

/* NULL (errno set) when it cannot listen. */
struct fake_sheep *fake_sheep_start(void);
/* Closes every connection and frees everything (held answers are dropped): stop the client first. */
void fake_sheep_stop(struct fake_sheep *fs);
/* "127.0.0.1:port", for sfs_pool_create. */
const char *fake_sheep_gateway(const struct fake_sheep *fs);

/* A new working VDI (zeroed index; hyper: store policy 1, B-tree index): its vid. */
uint32_t fake_sheep_create_vdi(struct fake_sheep *fs, const char *name, uint64_t size, unsigned bss, bool hyper);
/* What `dog vdi snapshot` does: name's working VDI becomes a snapshot, a new working VDI with
 * the same index takes the name. Returns the new vid (0 if there is no such VDI). */
uint32_t fake_sheep_snapshot(struct fake_sheep *fs, const char *name);
/* Clears the VDI's name, as DEL_VDI does. */
void fake_sheep_delete_vdi(struct fake_sheep *fs, uint32_t vid);
/* The VDI's index entry idx as sheep's inode has it (0: a hole, or no such VDI). */
uint32_t fake_sheep_index(struct fake_sheep *fs, uint32_t vid, uint32_t idx);
/* Copies len bytes of object oid from off; false when the object does not exist. */
bool fake_sheep_read(struct fake_sheep *fs, uint64_t oid, uint32_t off, void *buf, uint32_t len);
bool fake_sheep_exists(struct fake_sheep *fs, uint64_t oid);
/* Writes len bytes into object oid at off, creating it (zeros) if absent: what another client
 * does behind the engine's back (an index entry: the inode oid at 4664 + 4 * idx). */
void fake_sheep_put(struct fake_sheep *fs, uint64_t oid, uint32_t off, const void *data, uint32_t len);
/* LOCK_VDI takes a lock per vid (a cluster formatted with the lock flag); off: always SUCCESS. */
void fake_sheep_set_locking(struct fake_sheep *fs, bool on);

/* Adds a rule: the first `skip` matching requests go through, then `times` (< 0: all) get the
 * action; with after >= 0, only once rule `after` has fired. Returns the rule's id. */
int fake_sheep_rule(struct fake_sheep *fs, const struct fs_match *m, enum fs_action action, uint32_t result,
		    unsigned skip, int times, int after);
/* Stops rule id from acting (its count stays readable). */
void fake_sheep_rule_off(struct fake_sheep *fs, int id);
/* How many requests rule id acted on. */
unsigned fake_sheep_fired(struct fake_sheep *fs, int id);
/* Sends every answer held so far; returns how many. */
unsigned fake_sheep_release(struct fake_sheep *fs);
/* Answers held now. */
unsigned fake_sheep_held(struct fake_sheep *fs);

/* Requests received (before any rule) in all, of an opcode, or matching m. */
unsigned fake_sheep_requests(struct fake_sheep *fs);
unsigned fake_sheep_count(struct fake_sheep *fs, uint8_t opcode);
unsigned fake_sheep_count_match(struct fake_sheep *fs, const struct fs_match *m);
unsigned fake_sheep_connections(struct fake_sheep *fs);

/* Waits up to timeout_ms until at least n answers are held / n requests were received in all /
 * rule id fired n times. True if so. */
bool fake_sheep_wait_held(struct fake_sheep *fs, unsigned n, unsigned timeout_ms);
bool fake_sheep_wait_requests(struct fake_sheep *fs, unsigned n, unsigned timeout_ms);
bool fake_sheep_wait_fired(struct fake_sheep *fs, int id, unsigned n, unsigned timeout_ms);

#endif
