// A few threads that split a loop between them and the calling thread. The
// bundle writer hashes and compresses the pages of a section this way, so
// freezing a large snapshot uses every core the host gives it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tandem {

class WorkerPool {
 public:
  // `width` workers in all: width - 1 threads plus the caller of run().
  explicit WorkerPool(unsigned width);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  unsigned width() const { return width_; }

  using Task = std::function<void(unsigned worker, size_t begin, size_t end)>;
  // Splits [0, n) into `width` contiguous ranges, runs `task` on each (worker
  // `width - 1` is the caller) and returns when all are done.
  void run(size_t n, const Task& task);

 private:
  void loop(unsigned worker);

  unsigned width_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const Task* task_ = nullptr;
  size_t n_ = 0;
  uint64_t generation_ = 0;
  unsigned pending_ = 0;
  bool stop_ = false;
};

}  // namespace tandem
