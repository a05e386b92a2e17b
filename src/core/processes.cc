#include "core/processes.h"

#include <poll.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

namespace fleetplan {
namespace {

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// A worker's message per task: a tick '.', then, after all its tasks, '!' and for each task
// its result's size (8 bytes) and bytes.
[[noreturn]] void run_worker(std::size_t w, std::size_t count, std::size_t workers, int fd,
                             const std::function<std::vector<char>(std::size_t)>& task) {
  ByteWriter results;
  for (std::size_t k = w; k < count; k += workers) {
    const std::vector<char> bytes = task(k);
    results.put<std::uint64_t>(bytes.size());
    for (char c : bytes) {
      results.put(c);
    }
    const char tick = '.';
    write_all(fd, &tick, 1);
  }
  const std::vector<char> bytes = results.take();
  const char mark = '!';
  const bool ok = write_all(fd, &mark, 1) && write_all(fd, bytes.data(), bytes.size());
  ::_exit(ok ? 0 : 1);
}

// Reads every worker's pipe as data comes (a full pipe would stall its worker): ticks until
// its '!', then its results.
Status read_workers(const std::vector<int>& fds, std::vector<std::vector<char>>& received,
                    const std::function<void(std::size_t)>& on_done, const std::string& what) {
  const std::size_t workers = fds.size();
  std::vector<bool> in_result(workers, false);
  std::vector<bool> open(workers, true);
  std::size_t done = 0;
  std::size_t open_count = workers;
  std::vector<char> buffer(1 << 16);
  while (open_count > 0) {
    std::vector<pollfd> polls;
    std::vector<std::size_t> which;
    for (std::size_t w = 0; w < workers; ++w) {
      if (open[w]) {
        polls.push_back({fds[w], POLLIN, 0});
        which.push_back(w);
      }
    }
    if (::poll(polls.data(), polls.size(), -1) < 0 && errno != EINTR) {
      return internal_error(fmt::format("poll() on the {} workers failed", what));
    }
    for (std::size_t i = 0; i < polls.size(); ++i) {
      if ((polls[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
        continue;
      }
      const std::size_t w = which[i];
      const ssize_t n = ::read(fds[w], buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        open[w] = false;
        --open_count;
        ::close(fds[w]);
        continue;
      }
      for (ssize_t b = 0; b < n; ++b) {
        if (in_result[w]) {
          received[w].insert(received[w].end(), buffer.begin() + b, buffer.begin() + n);
          break;
        }
        if (buffer[static_cast<std::size_t>(b)] == '!') {
          in_result[w] = true;
        } else if (on_done) {
          on_done(++done);
        }
      }
    }
  }
  return {};
}

}  // namespace

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) == 0) {
    return std::max(1, CPU_COUNT(&set));
  }
  return static_cast<int>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
}

Result<std::vector<std::vector<char>>> map_in_processes(
    std::size_t count, int workers, const std::function<std::vector<char>(std::size_t)>& task,
    const std::function<void(std::size_t done)>& on_done, const std::string& what) {
  const std::size_t n =
      std::min<std::size_t>(static_cast<std::size_t>(std::max(1, workers)), count);
  std::vector<pid_t> pids;
  std::vector<int> fds;
  for (std::size_t w = 0; w < n; ++w) {
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) {
      return internal_error(fmt::format("cannot create a pipe for a {} worker", what));
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
      return internal_error(fmt::format("cannot start a {} worker process (fork failed)", what));
    }
    if (pid == 0) {
      ::close(pipe_fds[0]);
      for (int fd : fds) {
        ::close(fd);
      }
      run_worker(w, count, n, pipe_fds[1], task);
    }
    ::close(pipe_fds[1]);
    pids.push_back(pid);
    fds.push_back(pipe_fds[0]);
  }
  std::vector<std::vector<char>> received(n);
  const Status read = read_workers(fds, received, on_done, what);
  bool all_exited = true;
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    all_exited = all_exited && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  FLEETPLAN_RETURN_IF_ERROR(read);
  if (!all_exited) {
    return internal_error(fmt::format("a {} worker process failed", what));
  }
  std::vector<std::vector<char>> results(count);
  for (std::size_t w = 0; w < n; ++w) {
    ByteReader reader(received[w]);
    for (std::size_t k = w; k < count; k += n) {
      std::uint64_t size = 0;
      if (!reader.get(size) || size > received[w].size()) {
        return internal_error(fmt::format("a {} worker sent too few results", what));
      }
      results[k].resize(size);
      for (char& c : results[k]) {
        reader.get(c);
      }
    }
    if (!reader.done()) {
      return internal_error(fmt::format("a {} worker sent malformed results", what));
    }
  }
  return results;
}

}  // namespace fleetplan
