// Sweeps across machines with MPI (OpenMPI): `mpirun -np N fleetplan sweep ...` gives each
// rank every N-th run, each rank runs its share on its own threads, and rank 0 gathers the
// outcomes in run order, so it writes the same bytes as a single process. MPI_Finalize
// (collective) at the end keeps every rank alive until rank 0 has written its files. A process not
// started by mpirun (or srun) never touches MPI.
#pragma once

#include <cstddef>
#include <vector>

#include "analysis/sweep.h"
#include "core/result.h"

namespace fleetplan::analysis {

//! This process's place among the ranks of an MPI job (0 of 1 outside one).
class Ranks {
 public:
  //! Joins the MPI job when the launcher's environment says there is one.
  static Result<Ranks> start();
  Ranks(const Ranks&) = delete;
  Ranks& operator=(const Ranks&) = delete;
  Ranks(Ranks&& other) noexcept;
  Ranks& operator=(Ranks&&) = delete;
  //! Leaves the MPI job (MPI_Finalize) if it joined one.
  ~Ranks();

  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }
  [[nodiscard]] bool distributed() const { return mpi_; }

  //! This rank's runs of `total`: rank, rank + size, rank + 2 size, ...
  [[nodiscard]] std::vector<std::size_t> share(std::size_t total) const;
  //! Rank 0 gets every rank's outcomes, in run order (the other ranks get theirs back).
  //! `mine` are the outcomes of share(total), in that order.
  [[nodiscard]] Result<std::vector<RunOutcome>> gather(std::vector<RunOutcome> mine,
                                                       std::size_t total) const;

 private:
  Ranks() = default;
  int rank_ = 0;
  int size_ = 1;
  bool mpi_ = false;
};

//! The byte form of outcomes that travels between ranks (and its inverse).
std::vector<char> encode_outcomes(const std::vector<RunOutcome>& outcomes);
Result<std::vector<RunOutcome>> decode_outcomes(const std::vector<char>& bytes);

}  // namespace fleetplan::analysis
