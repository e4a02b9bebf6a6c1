// Per-thread CPU priority (Linux niceness), for the threads that do bulk work
// — search and write handlers, batch-ingestion tasks — so that the I/O
// threads and the management pool (health, task polls, metrics) win the CPU
// when the cores are saturated.
//
// On Linux niceness belongs to a thread, not the process, and a new thread
// starts with its creator's: the helpers a lowered thread spawns (document
// parsers, graph inserts, sink connections) run at the same lowered priority.
// Plain niceness rather than SCHED_IDLE or a large increment: a lowered thread
// may hold a lock (a RocksDB mutex, an index's write lock) that a management
// request waits for, and it must still get enough CPU to release it quickly.
//
// Thread-safety: acts on the calling thread only.
#pragma once

namespace sluice::util {

// Adds `increment` (> 0 lowers the priority) to the calling thread's niceness,
// clamped to 19. Returns the niceness in force afterwards. A refusal by the
// kernel (raising it without CAP_SYS_NICE, or another OS) leaves it unchanged.
int AddCurrentThreadNiceness(int increment);

// The calling thread's niceness (0 on systems without per-thread niceness).
int CurrentThreadNiceness();

}  // namespace sluice::util
