#include "logstore/WorkerPool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace tandem {
namespace {

TEST(WorkerPool, EveryIndexIsVisitedExactlyOnceByDistinctWorkers) {
  WorkerPool pool(3);
  for (size_t n : {0u, 1u, 2u, 3u, 10u, 1000u}) {
    std::vector<std::atomic<int>> seen(n);
    std::atomic<unsigned> workers_mask{0};
    pool.run(n, [&](unsigned worker, size_t begin, size_t end) {
      workers_mask |= 1u << worker;
      for (size_t i = begin; i < end; ++i) seen[i]++;
    });
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(seen[i].load(), 1) << "n " << n << " index " << i;
    if (n >= 3) {
      EXPECT_EQ(workers_mask.load(), 7u) << n;
    }
  }
}

TEST(WorkerPool, AWidthOfOneRunsOnTheCaller) {
  WorkerPool pool(1);
  unsigned worker_seen = 99;
  pool.run(5, [&](unsigned worker, size_t begin, size_t end) {
    worker_seen = worker;
    EXPECT_EQ(begin, 0u);
    EXPECT_EQ(end, 5u);
  });
  EXPECT_EQ(worker_seen, 0u);
}

}  // namespace
}  // namespace tandem
