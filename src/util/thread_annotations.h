// Thread-safety annotations for clang's -Wthread-safety analysis.
//
// They document which mutex guards which state and which functions expect a
// lock to be held, and clang checks them at compile time:
//
//   util::Mutex mu_;
//   int64_t next_seq_no_ GUARDED_BY(mu_);
//   void Advance() REQUIRES(mu_);
//
// With GCC (and any compiler without the attributes) every macro expands to
// nothing. The analysis only understands annotated lock types: use
// util::Mutex / util::SharedMutex and their scoped locks (util/mutex.h), not
// std::mutex with std::lock_guard, for annotated state.
// See https://clang.llvm.org/docs/ThreadSafetyAnalysis.html for the meaning
// of each attribute.
#pragma once

#if defined(__clang__)
#define SLUICE_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define SLUICE_THREAD_ANNOTATION(x)
#endif

// A type that is a lock ("mutex", "shared_mutex").
#define CAPABILITY(name) SLUICE_THREAD_ANNOTATION(capability(name))
// An RAII type that holds a capability for its lifetime.
#define SCOPED_CAPABILITY SLUICE_THREAD_ANNOTATION(scoped_lockable)

// Data members: read and written only with the lock held (shared suffices for reads).
#define GUARDED_BY(mu) SLUICE_THREAD_ANNOTATION(guarded_by(mu))
// Pointer members: the pointee is guarded, not the pointer.
#define PT_GUARDED_BY(mu) SLUICE_THREAD_ANNOTATION(pt_guarded_by(mu))

// Lock ordering between mutexes.
#define ACQUIRED_BEFORE(...) SLUICE_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) SLUICE_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))

// Functions: the caller must hold the lock (exclusively / at least shared).
#define REQUIRES(...) SLUICE_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) SLUICE_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
// Functions that take or release a lock and return with it held / released.
#define ACQUIRE(...) SLUICE_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) SLUICE_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) SLUICE_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) SLUICE_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) SLUICE_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) SLUICE_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define TRY_ACQUIRE_SHARED(...) SLUICE_THREAD_ANNOTATION(try_acquire_shared_capability(__VA_ARGS__))
// Functions the caller must call without holding the lock (they take it).
#define EXCLUDES(...) SLUICE_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
// A runtime check that the lock is held; the analysis assumes it afterwards.
#define ASSERT_CAPABILITY(x) SLUICE_THREAD_ANNOTATION(assert_capability(x))
#define ASSERT_SHARED_CAPABILITY(x) SLUICE_THREAD_ANNOTATION(assert_shared_capability(x))
// A function returning a reference to a lock.
#define RETURN_CAPABILITY(x) SLUICE_THREAD_ANNOTATION(lock_returned(x))
// Opts one function out of the analysis; say why next to each use.
#define NO_THREAD_SAFETY_ANALYSIS SLUICE_THREAD_ANNOTATION(no_thread_safety_analysis)
