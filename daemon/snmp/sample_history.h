// SampleHistory: each SNMP-polled device's recent DeviceSamples, in memory for the evaluation
// cycle and in SQLite (tables `snmp_samples` and `snmp_devices` of the store's migrations, in
// the daemon's state database, through its own WAL connection) so a restart does not reset
// uptime to "no data" (issue 5). Samples older than the retention (the longest SNMP
// measurement window plus a margin, set by the owner) are pruned from both. Times are kept to
// the millisecond; a sample at the same millisecond as one already kept for the device
// replaces it.
// Thread-safe: the pollers append while the cycle reads; a reader never waits for SQLite.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "snmp/measurement_math.h"

namespace slamon::snmp {

class SampleHistory {
 public:
  // Opens the history in the SQLite file `db_path` (migrating it to the newest schema when it
  // is older, a no-op after Store::open) and loads the samples newer than `now - retention`;
  // rows that cannot be read (bad JSON) are skipped with a warning. The file must already be a
  // slamon database (open the Store on it first), so that the store never finds a file holding only
  // these tables and refuses it as foreign.
  // ":memory:" keeps nothing across restarts.
  static Result<std::unique_ptr<SampleHistory>> open(const std::string& db_path,
                                                     std::chrono::milliseconds retention,
                                                     WallTime now);

  // Appends one poll round's samples (device id → sample) in one transaction (INSERT OR
  // REPLACE). On a storage failure the samples are still kept in memory and the Error says why.
  // A device's memory never holds more than the retention before its newest sample, even if
  // prune() is never called (the file is only pruned by prune()).
  Status append(const std::vector<std::pair<std::string, DeviceSample>>& samples);

  // The device's samples with `from < at <= to`, oldest first.
  std::vector<DeviceSample> samples(const std::string& device_id, WallTime from, WallTime to) const;

  // Drops samples at or before `now - retention` (memory and disk) and every sample of the
  // devices not in `keep_devices` (removed from the inventory), in one transaction; changes the
  // retention. The memory copy is pruned even when the disk fails. Removing devices scans the
  // table (about 2 s for a day of 5,000 devices); pruning by time is cheap.
  Status prune(WallTime now, std::chrono::milliseconds retention,
               const std::vector<std::string>& keep_devices);

  std::size_t sample_count() const;

 private:
  struct Impl;
  explicit SampleHistory(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;

 public:
  ~SampleHistory();
};

}  // namespace slamon::snmp
