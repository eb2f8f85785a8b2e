// Per-node spin locks on shared memory for the parallel Vamana build (assembly/_vamana_core.ts):
// a lock word is an i32, 0 free, 1 held. The critical sections copy or rewrite one adjacency
// slot (a microsecond) and a thread holds one lock at a time, so there is no lock order and no
// deadlock. After 1024 failed tries a thread sleeps 20 us per try (the holder may have been
// descheduled on a loaded machine); unlocking needs no notify because every sleep times out.
// Without the threads feature (the private-memory module) both are no-ops.

@inline export function spinLock(a: usize): void {
  if (ASC_FEATURE_THREADS) {
    if (atomic.cmpxchg<i32>(a, 0, 1) == 0) return;
    spinLockSlow(a);
  }
}

function spinLockSlow(a: usize): void {
  if (ASC_FEATURE_THREADS) {
    let tries = 0;
    for (;;) {
      if (atomic.load<i32>(a) == 0 && atomic.cmpxchg<i32>(a, 0, 1) == 0) return;
      if (++tries > 1024) atomic.wait<i32>(a, 1, 20000);
    }
  }
}

@inline export function spinUnlock(a: usize): void {
  if (ASC_FEATURE_THREADS) atomic.store<i32>(a, 0);
}
