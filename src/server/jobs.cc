#include "server/jobs.h"

namespace fleetplan::server {

JobQueue::JobQueue(int workers, int limit, Work work) : work_(std::move(work)), limit_(limit) {
  for (int i = 0; i < workers; ++i) {
    threads_.emplace_back([this] { loop(); });
  }
}

JobQueue::~JobQueue() { stop(); }

bool JobQueue::reserve() {
  const std::lock_guard lock(mutex_);
  if (stopping_ || static_cast<int>(waiting_.size()) + reserved_ >= limit_) {
    return false;
  }
  ++reserved_;
  return true;
}

void JobQueue::release() {
  const std::lock_guard lock(mutex_);
  --reserved_;
}

void JobQueue::push(long long id, bool force) {
  {
    const std::lock_guard lock(mutex_);
    if (!force) {
      --reserved_;
    }
    waiting_.push_back(id);
  }
  ready_.notify_one();
}

double JobQueue::progress(long long id) {
  const std::lock_guard lock(mutex_);
  auto found = running_.find(id);
  return found == running_.end() ? -1 : found->second;
}

int JobQueue::queued() {
  const std::lock_guard lock(mutex_);
  return static_cast<int>(waiting_.size());
}

int JobQueue::running() {
  const std::lock_guard lock(mutex_);
  return static_cast<int>(running_.size());
}

void JobQueue::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    waiting_.clear();
  }
  ready_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) {
      thread.join();
    }
  }
  threads_.clear();
}

void JobQueue::loop() {
  for (;;) {
    long long id = 0;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (stopping_) {
        return;
      }
      id = waiting_.front();
      waiting_.pop_front();
      running_[id] = 0;
    }
    work_(id, [this, id](double fraction) {
      const std::lock_guard lock(mutex_);
      running_[id] = fraction;
    });
    const std::lock_guard lock(mutex_);
    running_.erase(id);
  }
}

}  // namespace fleetplan::server
