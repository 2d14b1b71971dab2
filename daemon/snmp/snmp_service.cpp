#include "snmp/snmp_service.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <string_view>
#include <variant>

#include "common/duration.h"
#include "common/log.h"

namespace slamon::snmp {
namespace {

using std::chrono::milliseconds;

// What a source's measurements need read from its devices.
struct SourceNeeds {
  bool interfaces = false;
  std::vector<std::string> oids;
  milliseconds longest_window{0};
};

SourceNeeds needs_of(const Config& config, const std::string& source) {
  SourceNeeds needs;
  for (const MeasurementConfig& m : config.measurements) {
    if (m.source != source) continue;
    if (m.snmp == "if_oper_up" || m.snmp == "if_error_ratio") needs.interfaces = true;
    if (m.snmp == "oid" &&
        std::find(needs.oids.begin(), needs.oids.end(), m.oid) == needs.oids.end())
      needs.oids.push_back(m.oid);
    needs.longest_window = std::max(needs.longest_window, config.window_of(m));
  }
  return needs;
}

// The devices a source polls, in inventory order.
std::vector<const Device*> devices_of_source(const Config& config, const std::string& source) {
  std::vector<const Device*> devices;
  for (const Organization& org : config.inventory.organizations) {
    for (const Device& device : org.devices) {
      if (device.snmp && device.snmp->source == source) devices.push_back(&device);
    }
  }
  return devices;
}

// Keeps enough history for the longest window of any SNMP measurement, plus two intervals so
// the window's first poll is never pruned away.
milliseconds retention_of(const Config& config) {
  milliseconds retention{std::chrono::hours(1)};
  for (const SourceConfig& source : config.sources) {
    if (source.type != SourceType::snmp) continue;
    const SourceNeeds needs = needs_of(config, source.name);
    retention = std::max(retention, needs.longest_window + 2 * source.snmp.interval);
  }
  return retention;
}

std::vector<std::string> inventory_device_ids(const Config& config) {
  std::vector<std::string> ids;
  for (const Organization& org : config.inventory.organizations) {
    for (const Device& device : org.devices) {
      if (device.snmp) ids.push_back(device.id);
    }
  }
  return ids;
}

// Polling more often than once a second is not offered: an agent is not a stopwatch.
milliseconds effective_interval(const SourceConfig& source) {
  return std::max(source.snmp.interval, milliseconds(1000));
}

bool uses_64bit_packets(const SourceConfig& source, bool fallback_32bit) {
  return source.snmp.version != "1" && !fallback_32bit;  // SNMPv1 has no Counter64
}

Target target_for(const SourceConfig& source, const Device& device, const SourceNeeds& needs,
                  bool packets_64bit) {
  Target target;
  target.address = device.snmp->address;
  target.credentials = &source.snmp;
  target.timeout = source.timeout;
  target.get.emplace_back(oids::kSysUpTime);
  const char* in_packets = packets_64bit ? oids::kIfHCInUcastPkts : oids::kIfInUcastPkts;
  const char* out_packets = packets_64bit ? oids::kIfHCOutUcastPkts : oids::kIfOutUcastPkts;
  if (needs.interfaces) {
    const std::array columns{oids::kIfOperStatus, oids::kIfInErrors, oids::kIfOutErrors, in_packets,
                             out_packets};
    if (device.snmp->interfaces.empty()) {
      for (const char* column : columns) target.walk.emplace_back(column);
    } else {
      for (const int ifindex : device.snmp->interfaces) {
        for (const char* column : columns) {
          target.get.push_back(std::string(column) + "." + std::to_string(ifindex));
        }
      }
    }
  }
  for (const std::string& oid : needs.oids) target.get.push_back(oid);
  return target;
}

// The interface index of `oid` when it is a row of `column` ("column.N"), else nullopt.
std::optional<int> row_of(const std::string& oid, std::string_view column) {
  if (oid.size() <= column.size() + 1 || oid.compare(0, column.size(), column) != 0 ||
      oid[column.size()] != '.') {
    return std::nullopt;
  }
  int index = 0;
  const char* first = oid.data() + column.size() + 1;
  const char* last = oid.data() + oid.size();
  auto [end, ec] = std::from_chars(first, last, index);
  if (ec != std::errc() || end != last) return std::nullopt;
  return index;
}

std::optional<std::uint64_t> unsigned_of(const Varbind& varbind) {
  if (const auto* value = std::get_if<std::uint64_t>(&varbind.value)) return *value;
  if (const auto* value = std::get_if<std::int64_t>(&varbind.value)) {
    if (*value >= 0) return static_cast<std::uint64_t>(*value);
  }
  return std::nullopt;
}

bool is_exception(ValueType type) {
  return type == ValueType::no_such_object || type == ValueType::no_such_instance ||
         type == ValueType::end_of_mib_view || type == ValueType::null;
}

struct ParsedPoll {
  DeviceReading reading;
  bool missing_64bit_packets = false;  // asked for ifHC* and the agent has none
};

ParsedPoll parse_poll(const PollResult& result, WallTime at, const SourceNeeds& needs,
                      bool packets_64bit, const std::vector<int>& listed_interfaces) {
  ParsedPoll parsed;
  DeviceReading& reading = parsed.reading;
  reading.at = at;
  reading.answered = result.answered();
  if (!reading.answered) return parsed;
  reading.round_trip_ms = std::chrono::duration<double, std::milli>(result.round_trip).count();

  std::map<int, InterfaceReading> interfaces;
  bool saw_packets = false;
  bool asked_packets = false;
  const std::string_view in_packets = packets_64bit ? oids::kIfHCInUcastPkts : oids::kIfInUcastPkts;
  const std::string_view out_packets =
      packets_64bit ? oids::kIfHCOutUcastPkts : oids::kIfOutUcastPkts;
  for (const Varbind& varbind : result.varbinds) {
    // A configured OID may also be one the service reads for itself (sysUpTime.0, an
    // interface's row): it feeds both.
    if (std::find(needs.oids.begin(), needs.oids.end(), varbind.oid) != needs.oids.end()) {
      if (auto number = varbind.number()) reading.oid_values[varbind.oid] = *number;
    }
    if (varbind.oid == oids::kSysUpTime) {
      reading.sys_uptime_ticks = unsigned_of(varbind);
      continue;
    }
    if (!needs.interfaces) continue;
    auto field_of = [&](std::string_view column) -> std::optional<int> {
      return row_of(varbind.oid, column);
    };
    std::optional<int> row;
    if ((row = field_of(oids::kIfOperStatus))) {
      if (auto status = unsigned_of(varbind)) {
        // notPresent(6): a slot with no hardware; it is not an interface that can be down.
        if (*status != 6)
          interfaces[*row].oper_up = *status == 1;
        else
          interfaces[*row];
      }
    } else if ((row = field_of(oids::kIfInErrors))) {
      interfaces[*row].in_errors = unsigned_of(varbind);
    } else if ((row = field_of(oids::kIfOutErrors))) {
      interfaces[*row].out_errors = unsigned_of(varbind);
    } else if ((row = field_of(in_packets)) || (row = field_of(out_packets))) {
      asked_packets = true;
      if (is_exception(varbind.type)) continue;
      saw_packets = true;
      auto& interface = interfaces[*row];
      interface.packets_are_64bit = packets_64bit;
      if (row_of(varbind.oid, in_packets)) {
        interface.in_packets = unsigned_of(varbind);
      } else {
        interface.out_packets = unsigned_of(varbind);
      }
    }
  }
  // Only a complete answer proves the agent lacks ifHC*: a timeout part-way through a walk
  // says nothing about the columns it did not reach.
  if (needs.interfaces && packets_64bit && !saw_packets && result.failure == Failure::none &&
      (asked_packets || listed_interfaces.empty()) && !interfaces.empty()) {
    parsed.missing_64bit_packets = true;
  }
  for (auto& [index, interface] : interfaces) {
    if (!listed_interfaces.empty() && std::find(listed_interfaces.begin(), listed_interfaces.end(),
                                                index) == listed_interfaces.end()) {
      continue;
    }
    interface.ifindex = index;
    reading.interfaces.push_back(interface);
  }
  return parsed;
}

// The engine's handle on one SNMP source; it reads the service's history only.
class SnmpMetricSource final : public MetricSource {
 public:
  SnmpMetricSource(std::string name, const SnmpService& service)
      : name_(std::move(name)), service_(service) {}
  const std::string& name() const override { return name_; }
  Result<QueryResult> query(const MetricQuery& query, WallTime at) override {
    const auto* snmp = std::get_if<SnmpQuery>(&query);
    if (snmp == nullptr) return fail("an SNMP source answers SNMP queries only");
    return service_.answer(name_, *snmp, at);
  }

 private:
  std::string name_;
  const SnmpService& service_;
};

}  // namespace

// ---- queries ------------------------------------------------------------------------------

namespace {

Status check_query(const SnmpQuery& query) {
  static const std::set<std::string> kBuiltins{"reachability", "response_time", "if_oper_up",
                                               "if_error_ratio", "oid"};
  if (!kBuiltins.contains(query.builtin)) return fail("unknown snmp measurement");
  if (query.builtin == "oid" && query.oid.empty()) return fail("snmp oid query without an oid");
  if (query.window.count() <= 0) return fail("snmp query without a window");
  return {};
}

}  // namespace

// ---- service ------------------------------------------------------------------------------

struct SnmpService::SourcePoller {
  std::mutex busy;  // held for a round: SnmpPoller is used by one thread at a time
  SnmpPoller poller;
};

struct SnmpService::SourceRunner {
  std::string name;
  std::shared_ptr<SourcePoller> poller;
  ConfigPtr config;
  std::thread thread;
  WakeSignal wake;  // ends the thread's wait on the clock at once
  std::atomic<bool> stopping{false};
  std::atomic<bool> finished{false};

  void request_stop() {
    stopping = true;
    wake.raise();
  }
};

Result<std::unique_ptr<SnmpService>> SnmpService::open(const std::string& db_path, Clock& clock,
                                                       ConfigPtr config) {
  auto history = SampleHistory::open(db_path, retention_of(*config), clock.now());
  if (!history) return std::unexpected(history.error());
  return std::unique_ptr<SnmpService>(
      new SnmpService(clock, std::move(config), std::move(*history)));
}

SnmpService::SnmpService(Clock& clock, ConfigPtr config, std::unique_ptr<SampleHistory> history)
    : clock_(clock), history_(std::move(history)), config_(std::move(config)) {}

SnmpService::~SnmpService() {
  stop();
}

void SnmpService::start() {
  std::lock_guard lock(mutex_);
  if (started_) return;
  started_ = true;
  start_locked();
}

void SnmpService::stop() {
  {
    std::lock_guard lock(mutex_);
    started_ = false;
    for (auto& runner : runners_) {
      runner->request_stop();
      retired_.push_back(std::move(runner));
    }
    runners_.clear();
  }
  reap_retired(true);
}

void SnmpService::reap_retired(bool wait) {
  std::vector<std::unique_ptr<SourceRunner>> done;
  {
    std::lock_guard lock(mutex_);
    for (auto it = retired_.begin(); it != retired_.end();) {
      if (wait || (*it)->finished.load()) {
        done.push_back(std::move(*it));
        it = retired_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& runner : done) {
    if (runner->thread.joinable()) runner->thread.join();
  }
}

std::shared_ptr<SnmpService::SourcePoller> SnmpService::poller_locked(const std::string& source) {
  auto& poller = pollers_[source];
  if (!poller) poller = std::make_shared<SourcePoller>();
  return poller;
}

void SnmpService::start_locked() {
  for (const SourceConfig& source : config_->sources) {
    if (source.type != SourceType::snmp) continue;
    if (devices_of_source(*config_, source.name).empty()) continue;
    auto runner = std::make_unique<SourceRunner>();
    runner->name = source.name;
    runner->config = config_;
    runner->poller = poller_locked(source.name);
    SourceRunner* raw = runner.get();
    runner->thread = std::thread([this, raw] {
      run_source(*raw);
      raw->finished = true;
    });
    runners_.push_back(std::move(runner));
  }
}

void SnmpService::reconfigure(ConfigPtr config) {
  {
    std::lock_guard lock(mutex_);
    config_ = std::move(config);
    for (auto& runner : runners_) {
      runner->request_stop();
      retired_.push_back(std::move(runner));
    }
    runners_.clear();
    // A source still configured keeps its history and its "has finished a round" mark: a new
    // device simply has no value until its first poll.
    std::erase_if(completed_sources_, [&](const std::string& name) {
      const SourceConfig* source = config_->source(name);
      return source == nullptr || source->type != SourceType::snmp;
    });
    std::erase_if(devices_, [&](const auto& entry) {
      const Device* device = config_->inventory.device(entry.first.second);
      return device == nullptr || !device->snmp || device->snmp->source != entry.first.first;
    });
    // A removed device leaves no reading behind, and a re-addressed one may be another agent:
    // it is asked for 64-bit counters again.
    std::erase_if(previous_, [&](const auto& entry) {
      const Device* device = config_->inventory.device(entry.first);
      return device == nullptr || !device->snmp;
    });
    packets_32bit_.clear();
    std::erase_if(sources_, [&](const auto& entry) {
      const SourceConfig* source = config_->source(entry.first);
      return source == nullptr || source->type != SourceType::snmp;
    });
    if (started_) start_locked();
  }
  reap_retired(false);
  // Removed devices leave the history at the end of the next round, on a poller thread: a
  // reload never waits on the database.
  std::lock_guard lock(mutex_);
  prune_soon_ = true;
}

ConfigPtr SnmpService::config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

void SnmpService::poll_once() {
  const ConfigPtr config = this->config();
  for (const SourceConfig& source : config->sources) {
    if (source.type != SourceType::snmp) continue;
    std::shared_ptr<SourcePoller> poller;
    {
      std::lock_guard lock(mutex_);
      poller = poller_locked(source.name);
    }
    poll_source(config, source, *poller, {});
  }
}

void SnmpService::run_source(SourceRunner& runner) {
  const SourceConfig* source = runner.config->source(runner.name);
  if (source == nullptr) return;
  const milliseconds interval = effective_interval(*source);
  // Scheduled on the monotonic clock: a wall clock stepped by NTP neither stops polling nor
  // fakes missed rounds.
  auto due = clock_.monotonic();
  for (;;) {
    if (!wait_until_due(runner, due)) return;
    // Woken an interval or more after `due` (a suspended host, a test's clock moved ahead):
    // this round stands for the latest start that passed, the ones before it are missed.
    if (const long long late = (clock_.monotonic() - due) / interval; late > 0) {
      due += late * interval;
      note_missed_rounds(runner, *source, late, interval, "SNMP poll round started late");
    }
    const auto finished = poll_source(runner.config, *source, *runner.poller,
                                      [&runner] { return runner.stopping.load(); });
    if (!finished) return;  // retired while it waited for the previous runner's round
    due += interval;
    if (*finished > due) {
      const long long missed = 1 + (*finished - due) / interval;
      due = *finished;  // start the late round at once
      note_missed_rounds(runner, *source, missed, interval, "SNMP poll round overran its interval");
    }
  }
}

bool SnmpService::wait_until_due(SourceRunner& runner, std::chrono::steady_clock::time_point due) {
  while (!runner.stopping) {
    // Clock::wait_until takes wall time, but only the distance counts (a RealClock waits it out
    // on the steady clock). The wall time is read first: should a FakeClock move between the
    // two reads, the wait ends early and is measured again rather than outlasting `due`.
    const WallTime wall = clock_.now();
    const auto left = due - clock_.monotonic();
    if (left <= std::chrono::steady_clock::duration::zero()) return true;
    (void)clock_.wait_until(wall + std::chrono::duration_cast<WallTime::duration>(left),
                            runner.wake);
  }
  return false;
}

void SnmpService::note_missed_rounds(const SourceRunner& runner, const SourceConfig& source,
                                     long long missed, milliseconds interval,
                                     std::string_view why) {
  {
    std::lock_guard lock(mutex_);
    if (runner.config != config_) return;  // a retired runner's rounds no longer count
    sources_[source.name].missed_rounds += static_cast<std::uint64_t>(missed);
  }
  log::warn(std::string(why) + "; rounds were missed",
            {{"source", source.name}, {"missed", missed}, {"interval", format_duration(interval)}});
}

std::optional<std::chrono::steady_clock::time_point> SnmpService::poll_source(
    const ConfigPtr& config, const SourceConfig& source, SourcePoller& source_poller,
    const std::function<bool()>& cancelled) {
  std::lock_guard busy(source_poller.busy);
  if (cancelled && cancelled()) return std::nullopt;
  SnmpPoller& poller = source_poller.poller;
  const SourceNeeds needs = needs_of(*config, source.name);
  const std::vector<const Device*> devices = devices_of_source(*config, source.name);
  std::vector<Target> targets;
  std::vector<bool> packets_64bit;
  // The devices' previous answered readings, copied so the reduction below runs unlocked.
  std::vector<std::optional<DeviceReading>> previous(devices.size());
  targets.reserve(devices.size());
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < devices.size(); ++i) {
      const Device& device = *devices[i];
      const auto fallback = packets_32bit_.find(device.id);
      const bool wide =
          uses_64bit_packets(source, fallback != packets_32bit_.end() && fallback->second);
      packets_64bit.push_back(wide);
      targets.push_back(target_for(source, device, needs, wide));
      if (auto it = previous_.find(device.id); it != previous_.end()) previous[i] = it->second;
    }
  }

  const WallTime at = clock_.now();
  const auto started = clock_.monotonic();
  const std::vector<PollResult> results = poller.poll(targets);
  const auto finished = clock_.monotonic();
  const double seconds = std::chrono::duration<double>(finished - started).count();

  std::vector<std::pair<std::string, DeviceSample>> samples;
  std::vector<ParsedPoll> parsed;
  samples.reserve(devices.size());
  parsed.reserve(devices.size());
  for (std::size_t i = 0; i < devices.size() && i < results.size(); ++i) {
    parsed.push_back(
        parse_poll(results[i], at, needs, packets_64bit[i], devices[i]->snmp->interfaces));
    samples.emplace_back(devices[i]->id,
                         reduce(previous[i] ? &*previous[i] : nullptr, parsed.back().reading));
  }

  struct Change {
    const Device* device;
    std::string failure;  // empty: answers again
    const std::string* detail;
  };
  std::vector<Change> changes;
  bool prune_due = false;
  {
    std::lock_guard lock(mutex_);
    // A round of a configuration replaced while it ran still feeds the history, but no longer
    // the devices' state: that would bring back a device the reload removed.
    const bool current = config == config_;
    for (std::size_t i = 0; i < parsed.size(); ++i) {
      const Device& device = *devices[i];
      const PollResult& result = results[i];
      DeviceReading& reading = parsed[i].reading;
      if (parsed[i].missing_64bit_packets) packets_32bit_[device.id] = true;
      if (current) {
        DeviceState& state = devices_[{source.name, device.id}];
        const std::string failure = result.failure == Failure::none
                                        ? std::string()
                                        : std::string(to_string(result.failure));
        if ((failure != state.failure || !state.polled) && (!failure.empty() || state.polled)) {
          changes.push_back({&device, failure, &result.detail});
        }
        state.source = source.name;
        state.device_id = device.id;
        state.device_name = device.name;
        state.polled = true;
        state.failure = failure;
        state.up = reading.answered;
        state.interfaces.clear();  // what a down device's links do is unknown
        if (reading.answered) {
          state.response_seconds = reading.round_trip_ms / 1000.0;
          // Exported per interface only where the inventory lists them: a walked 48-port
          // switch would otherwise add ~150 series per device to every scrape.
          for (const InterfaceReading& interface : reading.interfaces) {
            if (device.snmp->interfaces.empty()) break;
            state.interfaces.push_back(InterfaceState{interface.ifindex, interface.oper_up,
                                                      interface.in_errors, interface.out_errors});
          }
        }
      }
      if (reading.answered) previous_[device.id] = std::move(reading);
    }
    if (current) {
      SourcePollState& state = sources_[source.name];
      state.source = source.name;
      state.targets = targets.size();
      ++state.rounds;
      state.last_round_seconds = seconds;
      state.last_round_at = at;
      completed_sources_.insert(source.name);
    }
    constexpr auto kPruneEvery = std::chrono::minutes(10);
    const auto now = clock_.monotonic();
    if (prune_soon_ || !last_prune_ || now - *last_prune_ >= kPruneEvery) {
      last_prune_ = now;
      prune_soon_ = false;
      prune_due = true;
    }
  }
  for (const Change& change : changes) {
    if (!change.failure.empty()) {
      log::warn("SNMP device poll failed", {{"source", source.name},
                                            {"device", change.device->name},
                                            {"device_id", change.device->id},
                                            {"address", change.device->snmp->address},
                                            {"reason", change.failure},
                                            {"detail", *change.detail}});
    } else {
      log::info("SNMP device answers again", {{"source", source.name},
                                              {"device", change.device->name},
                                              {"device_id", change.device->id}});
    }
  }
  if (auto appended = history_->append(samples); !appended) {
    log::warn("cannot store SNMP samples; they are kept in memory only",
              {{"source", source.name}, {"err", appended.error().message}});
  }
  if (prune_due) {
    const ConfigPtr latest = this->config();
    if (auto pruned =
            history_->prune(clock_.now(), retention_of(*latest), inventory_device_ids(*latest));
        !pruned) {
      log::warn("cannot prune the SNMP sample history", {{"err", pruned.error().message}});
    }
  }
  log::debug("SNMP poll round finished",
             {{"source", source.name}, {"targets", targets.size()}, {"seconds", seconds}});
  return finished;
}

MetricSourcePtr SnmpService::metric_source(const std::string& name) {
  return std::make_shared<SnmpMetricSource>(name, *this);
}

SnmpStatus SnmpService::status() const {
  std::lock_guard lock(mutex_);
  SnmpStatus status;
  for (const auto& [key, device] : devices_) status.devices.push_back(device);
  for (const auto& [name, source] : sources_) {
    SourcePollState copy = source;
    // Counters move while a round runs; read them live.
    if (auto poller = pollers_.find(name); poller != pollers_.end()) {
      copy.counters = poller->second->poller.counters();
    }
    status.sources.push_back(std::move(copy));
  }
  return status;
}

std::optional<double> SnmpService::measure(const SnmpQuery& query, const std::string& device_id,
                                           WallTime at) const {
  const WallTime from = at - query.window;
  const std::vector<DeviceSample> samples = history_->samples(device_id, from, at);
  if (query.builtin == "reachability") return reachability_percent(samples, from, at);
  if (query.builtin == "response_time") return mean_round_trip_ms(samples, from, at);
  if (query.builtin == "if_oper_up") return interfaces_up_percent(samples, from, at);
  if (query.builtin == "if_error_ratio") return error_ratio(samples, from, at);
  if (query.builtin == "oid") {
    auto value = mean_oid_value(samples, query.oid, from, at);
    if (value) *value *= query.scale;
    return value;
  }
  return std::nullopt;
}

Result<QueryResult> SnmpService::answer(const std::string& source, const SnmpQuery& query,
                                        WallTime at) const {
  const auto started = clock_.monotonic();
  if (auto checked = check_query(query); !checked) return std::unexpected(checked.error());
  ConfigPtr config;
  {
    std::lock_guard lock(mutex_);
    if (!completed_sources_.contains(source)) {
      return fail("no SNMP poll round of this source has finished yet");
    }
    config = config_;
  }
  // Every window holds at least one finished poll, however short it is written: a sample is
  // stamped when its round started but stored when the round ends, up to an interval later.
  SnmpQuery widened = query;
  widened.scopes.clear();
  if (const SourceConfig* configured = config->source(source)) {
    widened.window = std::max(query.window, 2 * effective_interval(*configured));
  }
  std::set<std::string_view> wanted;
  for (const SnmpScope& scope : query.scopes)
    wanted.insert(scope.device_ids.begin(), scope.device_ids.end());
  std::map<std::string, double> device_values;
  for (const Device* device : devices_of_source(*config, source)) {
    if (!wanted.contains(device->id)) continue;
    if (auto value = measure(widened, device->id, at)) device_values.emplace(device->id, *value);
  }
  QueryResult result;
  result.samples = aggregate_scopes(query, device_values);
  result.elapsed = clock_.monotonic() - started;
  return result;
}

SourceFactory SnmpService::source_factory() {
  return [this](const SourceConfig& config) -> MetricSourcePtr {
    return config.type == SourceType::snmp ? metric_source(config.name) : nullptr;
  };
}

}  // namespace slamon::snmp
