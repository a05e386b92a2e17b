// The plan job queue: a bounded queue of plan ids and the workers that solve them. A job's
// state lives in the store (queued, running, done, failed), so it outlives the process;
// only progress is kept in memory.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace fleetplan::server {

class JobQueue {
 public:
  //! `work(id, progress)` runs one job; `progress(f)` records its share done.
  using Work = std::function<void(long long id, const std::function<void(double)>& progress)>;

  JobQueue(int workers, int limit, Work work);
  ~JobQueue();
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;
  JobQueue(JobQueue&&) = delete;
  JobQueue& operator=(JobQueue&&) = delete;

  //! Holds a place for one job; false when `limit` jobs are already waiting.
  bool reserve();
  //! Gives back a reserved place that will not be used.
  void release();
  //! Queues a job in a reserved place (or, `force`, beyond the limit: re-queued jobs).
  void push(long long id, bool force = false);
  //! Progress of a running job (0..1), or -1 if it is not running here.
  double progress(long long id);
  [[nodiscard]] int queued();
  [[nodiscard]] int running();
  //! Lets running jobs finish, drops the waiting ones (they stay queued in the store).
  void stop();

 private:
  void loop();

  Work work_;
  int limit_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<long long> waiting_;
  int reserved_ = 0;
  std::map<long long, double> running_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace fleetplan::server
