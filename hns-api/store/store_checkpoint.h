/* The store's WAL checkpoints on a thread of their own, so that no API
 * request's commit waits for a checkpoint's fsyncs (store_checkpoint.c).
 * Layer: hns-api/store/, northbound, store layer (SQLite). */
#ifndef HVS_STORE_CHECKPOINT_H
#define HVS_STORE_CHECKPOINT_H

#include <sqlite3.h>

struct store_checkpointer;

/* Takes over writer's checkpoints (its automatic checkpoint is off from
 * here on); path is writer's database, in WAL mode. NULL if the thread or
 * its connection cannot be made: writer keeps checkpointing by itself. */
struct store_checkpointer *store_checkpointer_start(sqlite3 *writer, const char *path);
/* Checkpoints the thread has made (0 for NULL). */
unsigned long store_checkpointer_runs(struct store_checkpointer *c);
/* Before writer is closed (c may be NULL). */
void store_checkpointer_stop(struct store_checkpointer *c, sqlite3 *writer);

#endif
