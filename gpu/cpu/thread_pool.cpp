#include "gpu/cpu/thread_pool.h"

#include <sched.h>

#include <algorithm>

namespace nd::cpu {

namespace {
// A waiting thread first spins with `pause` (the next op is usually microseconds away during decode),
// then yields its core (when the machine is oversubscribed the thread it waits for may need that very
// core), and a worker finally sleeps on the condition variable. About 20 µs of pure spinning, then
// about 100 yields.
constexpr int kSpinIterations = 4000;
constexpr int kYieldIterations = 100;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}
}  // namespace

ThreadPool::ThreadPool(int n_threads) : m_n_threads(std::max(1, n_threads)) {
    m_threads.reserve(static_cast<size_t>(m_n_threads - 1));
    for (int i = 1; i < m_n_threads; ++i)
        m_threads.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop.store(true);
        m_generation.fetch_add(1);
    }
    m_wake.notify_all();
    for (auto &t : m_threads)
        t.join();
}

void ThreadPool::worker_loop(int index) {
    uint64_t seen = 0;
    for (;;) {
        uint64_t gen = m_generation.load(std::memory_order_acquire);
        for (int spin = 0; gen == seen && spin < kSpinIterations + kYieldIterations; ++spin) {
            if (spin < kSpinIterations)
                cpu_relax();
            else
                sched_yield();
            gen = m_generation.load(std::memory_order_acquire);
        }
        if (gen == seen) {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_wake.wait(lock, [&] { return m_generation.load(std::memory_order_acquire) != seen; });
            gen = m_generation.load(std::memory_order_acquire);
        }
        seen = gen;
        if (m_stop.load())
            return;
        (*m_job)(index, m_n_threads);
        m_pending.fetch_sub(1, std::memory_order_acq_rel);
    }
}

void ThreadPool::run(const std::function<void(int, int)> &fn) {
    if (m_n_threads == 1) {
        fn(0, 1);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_job = &fn;
        m_pending.store(m_n_threads - 1, std::memory_order_release);
        m_generation.fetch_add(1, std::memory_order_acq_rel);
    }
    m_wake.notify_all();
    fn(0, m_n_threads);
    for (int spin = 0; m_pending.load(std::memory_order_acquire) != 0; ++spin) {
        if (spin < kSpinIterations)
            cpu_relax();
        else
            sched_yield();
    }
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)> &fn) {
    if (n <= 0)
        return;
    grain = std::max<int64_t>(1, grain);
    if (m_n_threads == 1 || n <= grain) {
        fn(0, n);
        return;
    }
    std::atomic<int64_t> next{0};
    run([&](int, int) {
        for (;;) {
            const int64_t begin = next.fetch_add(grain, std::memory_order_relaxed);
            if (begin >= n)
                return;
            fn(begin, std::min(n, begin + grain));
        }
    });
}

void split_range(int64_t n, int index, int count, int64_t align, int64_t *begin, int64_t *end) {
    align = std::max<int64_t>(1, align);
    const int64_t blocks = (n + align - 1) / align;
    const int64_t per = blocks / count, extra = blocks % count;
    const int64_t b0 = index * per + std::min<int64_t>(index, extra);
    const int64_t b1 = b0 + per + (index < extra ? 1 : 0);
    *begin = std::min(n, b0 * align);
    *end = std::min(n, b1 * align);
}

int default_thread_count() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0)
            return n;
    }
    const unsigned hw = std::thread::hardware_concurrency();
    return hw > 0 ? static_cast<int>(hw) : 1;
}

}  // namespace nd::cpu
