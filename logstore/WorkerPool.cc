#include "logstore/WorkerPool.h"

#include <algorithm>

namespace tandem {

WorkerPool::WorkerPool(unsigned width) : width_(std::max(1u, width)) {
  for (unsigned w = 0; w + 1 < width_; ++w) threads_.emplace_back([this, w] { loop(w); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::loop(unsigned worker) {
  uint64_t seen = 0;
  for (;;) {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    const Task* task = task_;
    size_t n = n_;
    lock.unlock();
    (*task)(worker, n * worker / width_, n * (worker + 1) / width_);
    lock.lock();
    if (--pending_ == 0) done_.notify_one();
  }
}

void WorkerPool::run(size_t n, const Task& task) {
  if (threads_.empty() || n < width_) {
    task(width_ - 1, 0, n);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    task_ = &task;
    n_ = n;
    pending_ = static_cast<unsigned>(threads_.size());
    ++generation_;
  }
  wake_.notify_all();
  task(width_ - 1, n * (width_ - 1) / width_, n);
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return pending_ == 0; });
  task_ = nullptr;
}

}  // namespace tandem
