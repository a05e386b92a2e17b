#include "analysis/distributed.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <mpi.h>

#include "core/processes.h"

namespace fleetplan::analysis {
namespace {

// Set by the launchers: OpenMPI's mpirun, PMIx-based launchers, MPICH/Slurm PMI.
bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(name) != nullptr) {  // NOLINT(concurrency-mt-unsafe): before any thread
      return true;
    }
  }
  return false;
}

using Writer = ByteWriter;
using Reader = ByteReader;

}  // namespace

std::vector<char> encode_outcomes(const std::vector<RunOutcome>& outcomes) {
  Writer w;
  w.put<std::uint64_t>(outcomes.size());
  for (const auto& o : outcomes) {
    w.put<std::int32_t>(static_cast<std::int32_t>(o.status));
    w.put(o.gap);
    w.put<std::uint64_t>(o.values.size());
    for (double v : o.values) {
      w.put(v);
    }
    w.put<std::uint64_t>(o.conflicts.size());
    for (std::size_t k = 0; k < o.conflicts.size(); ++k) {
      w.put_string(o.conflicts[k]);
      w.put_string(k < o.conflict_names.size() ? o.conflict_names[k] : std::string());
    }
    w.put_string(o.error);
  }
  return w.take();
}

Result<std::vector<RunOutcome>> decode_outcomes(const std::vector<char>& bytes) {
  Reader r(bytes);
  std::uint64_t count = 0;
  const auto broken = [] { return internal_error("a rank sent malformed sweep outcomes"); };
  if (!r.get(count) || count > static_cast<std::uint64_t>(kMaxRuns)) {
    return broken();
  }
  std::vector<RunOutcome> out(count);
  for (auto& o : out) {
    std::int32_t status = 0;
    std::uint64_t values = 0;
    std::uint64_t conflicts = 0;
    if (!r.get(status) || !r.get(o.gap) || !r.get(values) || values > bytes.size()) {
      return broken();
    }
    o.status = static_cast<plan::SolveStatus>(status);
    o.values.resize(values);
    for (double& v : o.values) {
      if (!r.get(v)) {
        return broken();
      }
    }
    if (!r.get(conflicts) || conflicts > bytes.size()) {
      return broken();
    }
    o.conflicts.resize(conflicts);
    o.conflict_names.resize(conflicts);
    for (std::size_t k = 0; k < conflicts; ++k) {
      if (!r.get_string(o.conflicts[k]) || !r.get_string(o.conflict_names[k])) {
        return broken();
      }
    }
    if (!r.get_string(o.error)) {
      return broken();
    }
  }
  if (!r.done()) {
    return broken();
  }
  return out;
}

Result<Ranks> Ranks::start() {
  Ranks ranks;
  if (!launched_by_mpi()) {
    return ranks;
  }
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    return internal_error("MPI_Init_thread failed");
  }
  ranks.mpi_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &ranks.rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks.size_);
  return ranks;
}

Ranks::Ranks(Ranks&& other) noexcept : rank_(other.rank_), size_(other.size_), mpi_(other.mpi_) {
  other.mpi_ = false;
}

Ranks::~Ranks() {
  if (mpi_) {
    MPI_Finalize();
  }
}

std::vector<std::size_t> Ranks::share(std::size_t total) const {
  std::vector<std::size_t> runs;
  for (auto i = static_cast<std::size_t>(rank_); i < total; i += static_cast<std::size_t>(size_)) {
    runs.push_back(i);
  }
  return runs;
}

Result<std::vector<RunOutcome>> Ranks::gather(std::vector<RunOutcome> mine,
                                              std::size_t total) const {
  if (!mpi_ || size_ == 1) {
    return mine;
  }
  const std::vector<char> bytes = encode_outcomes(mine);
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) {
    return internal_error("a rank's sweep outcomes exceed 2 GB; use more ranks");
  }
  int length = static_cast<int>(bytes.size());
  std::vector<int> lengths(static_cast<std::size_t>(size_));
  MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<int> offsets(static_cast<std::size_t>(size_), 0);
  std::size_t all = 0;
  if (rank_ == 0) {
    for (std::size_t r = 0; r < lengths.size(); ++r) {
      if (all + static_cast<std::size_t>(lengths[r]) > static_cast<std::size_t>(INT32_MAX)) {
        return internal_error("the sweep outcomes exceed 2 GB; write fewer outputs");
      }
      offsets[r] = static_cast<int>(all);
      all += static_cast<std::size_t>(lengths[r]);
    }
  }
  std::vector<char> received(rank_ == 0 ? all : 0);
  MPI_Gatherv(bytes.data(), length, MPI_CHAR, received.data(), lengths.data(), offsets.data(),
              MPI_CHAR, 0, MPI_COMM_WORLD);
  if (rank_ != 0) {
    return mine;
  }
  std::vector<RunOutcome> outcomes(total);
  for (int r = 0; r < size_; ++r) {
    const auto begin = received.begin() + offsets[static_cast<std::size_t>(r)];
    std::vector<char> part(begin, begin + lengths[static_cast<std::size_t>(r)]);
    auto decoded = decode_outcomes(part);
    if (!decoded.ok()) {
      return decoded.error();
    }
    std::size_t k = 0;
    for (auto i = static_cast<std::size_t>(r); i < total; i += static_cast<std::size_t>(size_)) {
      if (k >= decoded->size()) {
        return internal_error(fmt::format("rank {} sent {} outcomes, expected more", r, k));
      }
      outcomes[i] = std::move((*decoded)[k++]);
    }
  }
  return outcomes;
}

}  // namespace fleetplan::analysis
