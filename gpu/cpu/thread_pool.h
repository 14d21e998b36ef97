#pragma once
// A fixed set of worker threads for the CPU backend's ops. One parallel_for at a time per pool (the
// engine runs one forward pass at a time per backend); the calling thread takes part as worker 0, so a
// pool of n threads starts n-1 OS threads and a pool of 1 runs everything inline.
//
// Workers spin briefly before sleeping: an op is ~10-100 µs during decode, and waking a sleeping thread
// costs as much, so a short spin keeps decode from paying a futex round trip per op.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace nd::cpu {

class ThreadPool {
public:
    explicit ThreadPool(int n_threads);  // n_threads < 1 means 1
    ~ThreadPool();
    ThreadPool(const ThreadPool &) = delete;
    ThreadPool &operator=(const ThreadPool &) = delete;

    int size() const { return m_n_threads; }

    // Runs fn(thread_index, n_threads) once on every thread of the pool (thread_index 0 is the caller) and
    // returns when all have finished. fn splits the work itself (see split_range).
    void run(const std::function<void(int thread_index, int n_threads)> &fn);

    // Runs fn(begin, end) over [0, n) in chunks of `grain` items handed out dynamically, so uneven work
    // (MoE experts, attention rows of different lengths) balances. Returns when all chunks are done.
    void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t begin, int64_t end)> &fn);

private:
    void worker_loop(int index);

    int m_n_threads = 1;
    std::vector<std::thread> m_threads;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    const std::function<void(int, int)> *m_job = nullptr;
    std::atomic<uint64_t> m_generation{0};
    std::atomic<int> m_pending{0};
    std::atomic<bool> m_stop{false};
};

// The slice [begin, end) of n items that thread `index` of `count` takes, in contiguous, nearly equal parts
// aligned to `align` items (so SIMD row blocks are not split between threads).
void split_range(int64_t n, int index, int count, int64_t align, int64_t *begin, int64_t *end);

// The number of threads "all cores" means on this machine: the CPUs this process may run on.
int default_thread_count();

}  // namespace nd::cpu
