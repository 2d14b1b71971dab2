// SnmpService: the SNMP source of SPEC §2/§4. It polls the inventory's devices
// (`devices[].snmp`) of every snmp source on that source's `interval`, each source on its own
// thread with its own SnmpPoller, reduces every answer into a DeviceSample kept in the
// SampleHistory (memory + SQLite), and answers the engine's measurement queries from that
// history through a MetricSource per source. It also keeps each device's latest state for
// /metrics (SPEC §12) and logs a device's failure once, when its reason changes.
//
// The engine never waits on an agent: a cycle reads the history only. Thread-safe: start,
// stop, reconfigure, poll_once and the readers may be called from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "snmp/poller.h"
#include "snmp/sample_history.h"
#include "sources/metric_source.h"

namespace slamon::snmp {

// The standard OIDs the service reads (IF-MIB, SNMPv2-MIB), exposed for tests and benchmarks.
namespace oids {
inline constexpr const char* kSysUpTime = "1.3.6.1.2.1.1.3.0";
inline constexpr const char* kIfOperStatus = "1.3.6.1.2.1.2.2.1.8";
inline constexpr const char* kIfInUcastPkts = "1.3.6.1.2.1.2.2.1.11";
inline constexpr const char* kIfInErrors = "1.3.6.1.2.1.2.2.1.14";
inline constexpr const char* kIfOutUcastPkts = "1.3.6.1.2.1.2.2.1.17";
inline constexpr const char* kIfOutErrors = "1.3.6.1.2.1.2.2.1.20";
inline constexpr const char* kIfHCInUcastPkts = "1.3.6.1.2.1.31.1.1.1.7";
inline constexpr const char* kIfHCOutUcastPkts = "1.3.6.1.2.1.31.1.1.1.11";
}  // namespace oids

struct InterfaceState {
  int ifindex = 0;
  std::optional<bool> oper_up;
  std::optional<std::uint64_t> in_errors, out_errors;  // the agent's raw counters
};

// One device's latest poll, for /metrics.
struct DeviceState {
  std::string source, device_id, device_name;
  bool polled = false;  // false until its first poll finished
  bool up = false;
  double response_seconds = 0;  // of the latest answered poll
  std::string failure;          // to_string(Failure) of the latest poll; empty when fine
  std::vector<InterfaceState> interfaces;
};

struct SourcePollState {
  std::string source;
  std::size_t targets = 0;
  PollerCounters counters;
  std::uint64_t rounds = 0;
  std::uint64_t missed_rounds = 0;  // interval starts passed while a round still ran
  double last_round_seconds = 0;
  std::optional<WallTime> last_round_at;
};

struct SnmpStatus {
  std::vector<DeviceState> devices;  // by source, then device id
  std::vector<SourcePollState> sources;
};

class SnmpService {
 public:
  // Opens the history in the state database `db_path` (":memory:" for none).
  static Result<std::unique_ptr<SnmpService>> open(const std::string& db_path, Clock& clock,
                                                   ConfigPtr config);
  ~SnmpService();
  SnmpService(const SnmpService&) = delete;
  SnmpService& operator=(const SnmpService&) = delete;

  // Starts one polling thread per snmp source that has devices; the first round runs at once.
  void start();
  void stop();
  // Switches to a new configuration without waiting: running rounds finish with the old one
  // while new threads start for the new sources; history of devices no longer in the
  // inventory is dropped.
  void reconfigure(ConfigPtr config);
  // Polls every source once on the caller's thread (`slamon eval --once`, tests); only while
  // the service is not started.
  void poll_once();

  // The engine's view of source `name`: query() answers an SnmpQuery with answer(); an Error
  // until the source has finished a round since this service started.
  MetricSourcePtr metric_source(const std::string& name);
  // The factory of `type: snmp` sources (SourceRegistry): metric_source() by name. This
  // service must outlive the factory and the sources it creates.
  SourceFactory source_factory();

  SnmpStatus status() const;

  // Evaluates `query` for one device at `at` from the history (nullopt = no data).
  std::optional<double> measure(const SnmpQuery& query, const std::string& device_id,
                                WallTime at) const;
  // Answers `query` for `source` from the history: one sample per scope (label
  // kSnmpScopeLabel) whose devices polled by `source` have a value, aggregated
  // (aggregate_scopes). The window is widened to two poll intervals when shorter.
  Result<QueryResult> answer(const std::string& source, const SnmpQuery& query, WallTime at) const;

 private:
  SnmpService(Clock& clock, ConfigPtr config, std::unique_ptr<SampleHistory> history);
  struct SourceRunner;
  struct SourcePoller;
  // One round of `source`: the monotonic time it finished, read before the round is
  // published in status(); nullopt (nothing polled) when `cancelled` says so once the poller
  // is free.
  std::optional<std::chrono::steady_clock::time_point> poll_source(
      const ConfigPtr& config, const SourceConfig& source, SourcePoller& poller,
      const std::function<bool()>& cancelled);
  // A source's thread: a round every interval of the injected clock until stopped.
  void run_source(SourceRunner& runner);
  // Waits on the injected clock until the monotonic `due`; false when stopped first.
  bool wait_until_due(SourceRunner& runner, std::chrono::steady_clock::time_point due);
  // Counts and logs round starts that passed without their round (runner's config current).
  void note_missed_rounds(const SourceRunner& runner, const SourceConfig& source, long long missed,
                          std::chrono::milliseconds interval, std::string_view why);
  void start_locked();
  std::shared_ptr<SourcePoller> poller_locked(const std::string& source);
  // Joins the retired runners that have finished their last round.
  void reap_retired(bool wait);
  ConfigPtr config() const;

  Clock& clock_;
  std::unique_ptr<SampleHistory> history_;

  mutable std::mutex mutex_;  // guards config_, runners_, devices_, sources_, previous_
  ConfigPtr config_;
  std::vector<std::unique_ptr<SourceRunner>> runners_;
  // Runners of a previous configuration, finishing the round they are in.
  std::vector<std::unique_ptr<SourceRunner>> retired_;
  // One poller per source name, kept across reloads so its counters stay continuous; a
  // reloaded source's new runner waits for the old one's round to end.
  std::map<std::string, std::shared_ptr<SourcePoller>> pollers_;
  std::optional<std::chrono::steady_clock::time_point> last_prune_;  // clock_.monotonic()
  bool prune_soon_ = false;  // a reload removed devices: prune after the next round
  std::map<std::pair<std::string, std::string>, DeviceState> devices_;  // (source, device id)
  std::map<std::string, SourcePollState> sources_;
  std::map<std::string, DeviceReading> previous_;  // device id → last answered reading
  // Which devices fall back to 32-bit packet counters (their agent has no ifHC*).
  std::map<std::string, bool> packets_32bit_;
  std::set<std::string> completed_sources_;  // finished a round since start
  bool started_ = false;
};

}  // namespace slamon::snmp
