#include "snmp/sample_history.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "store/database.h"
#include "store/schema.h"
#include "store/sqlite.h"

namespace slamon::snmp {
namespace {

using nlohmann::json;
using OidValues = std::map<std::string, double>;

long long to_millis(WallTime t) {
  return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

WallTime from_millis(long long ms) {
  return WallTime{std::chrono::milliseconds{ms}};
}

std::unexpected<Error> in_context(const std::string& path, const Error& error) {
  return fail("snmp sample history '" + path + "': " + error.message);
}

// A DeviceSample as kept in memory: about half the size (the history may hold a day of
// one-minute polls for thousands of devices), the optionals folded into NaN and flags, the
// OID map allocated only when there is one.
struct StoredSample {
  enum Flags : std::uint8_t { answered = 1, up_known = 2, all_up = 4 };

  WallTime at;
  double round_trip_ms = 0;
  double error_delta = std::numeric_limits<double>::quiet_NaN();   // NaN = unknown
  double packet_delta = std::numeric_limits<double>::quiet_NaN();  // NaN = unknown
  std::unique_ptr<const OidValues> oid_values;                     // null = none
  std::uint8_t flags = 0;

  static std::optional<double> unless_nan(double value) {
    if (std::isnan(value)) return std::nullopt;
    return value;
  }
  static double or_nan(const std::optional<double>& value) {
    return value && !std::isnan(*value) ? *value : std::numeric_limits<double>::quiet_NaN();
  }

  static StoredSample from(const DeviceSample& sample) {
    StoredSample stored;
    stored.at = from_millis(to_millis(sample.at));  // the history keeps milliseconds, as on disk
    stored.round_trip_ms = sample.round_trip_ms;
    stored.error_delta = or_nan(sample.error_delta);
    stored.packet_delta = or_nan(sample.packet_delta);
    if (!sample.oid_values.empty()) {
      stored.oid_values = std::make_unique<const OidValues>(sample.oid_values);
    }
    stored.flags = static_cast<std::uint8_t>(
        (sample.answered ? answered : 0) | (sample.all_interfaces_up ? up_known : 0) |
        (sample.all_interfaces_up.value_or(false) ? all_up : 0));
    return stored;
  }

  DeviceSample to_sample() const {
    DeviceSample sample;
    sample.at = at;
    sample.answered = (flags & answered) != 0;
    sample.round_trip_ms = round_trip_ms;
    if (flags & up_known) sample.all_interfaces_up = (flags & all_up) != 0;
    sample.error_delta = unless_nan(error_delta);
    sample.packet_delta = unless_nan(packet_delta);
    if (oid_values) sample.oid_values = *oid_values;
    return sample;
  }
};

using DeviceSamples = std::deque<StoredSample>;

// Keeps `samples` sorted by time: polls arrive in order, so this is a push_back; a late one is
// inserted in place, and one at the same millisecond replaces it (as INSERT OR REPLACE does).
// Returns whether the count grew.
bool insert_sorted(DeviceSamples& samples, StoredSample sample) {
  if (samples.empty() || samples.back().at < sample.at) {
    samples.push_back(std::move(sample));
    return true;
  }
  auto position =
      std::lower_bound(samples.begin(), samples.end(), sample.at,
                       [](const StoredSample& stored, WallTime at) { return stored.at < at; });
  if (position != samples.end() && position->at == sample.at) {
    *position = std::move(sample);
    return false;
  }
  samples.insert(position, std::move(sample));
  return true;
}

// Drops the samples at or before `cutoff`; returns how many.
std::size_t drop_until(DeviceSamples& samples, WallTime cutoff) {
  std::size_t dropped = 0;
  while (!samples.empty() && samples.front().at <= cutoff) {
    samples.pop_front();
    ++dropped;
  }
  return dropped;
}

// Never throws: text that is not UTF-8 is replaced rather than failing the write.
std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<std::string> encode_oid_values(const OidValues& values) {
  json object = json::object();
  for (const auto& [oid, value] : values) {
    if (std::isfinite(value)) object[oid] = value;  // JSON has no NaN or infinity
  }
  if (object.empty()) return std::nullopt;
  return dump(object);
}

// Nullopt when the text is not a JSON object of numbers (a corrupted row).
std::optional<OidValues> decode_oid_values(const std::string& text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  OidValues values;
  for (const auto& [oid, value] : parsed.items()) {
    if (!value.is_number()) return std::nullopt;
    values.emplace(oid, value.get<double>());
  }
  return values;
}

}  // namespace

struct SampleHistory::Impl {
  std::string path;

  // Lock order: storage_mutex before memory_mutex. Readers take memory_mutex only, so a
  // write waiting on the database lock never holds up the evaluation cycle.
  std::mutex storage_mutex;
  sqlite::Connection connection;  // declared before the statements that use it
  std::optional<sqlite::Statement> insert_sample;
  std::optional<sqlite::Statement> insert_device;
  std::unordered_map<std::string, long long> device_keys;  // mirrors snmp_devices

  mutable std::mutex memory_mutex;
  std::unordered_map<std::string, DeviceSamples> devices;
  std::size_t count = 0;
  std::chrono::milliseconds retention;

  Impl(std::string db_path, sqlite::Connection db, std::chrono::milliseconds keep)
      : path(std::move(db_path)), connection(std::move(db)), retention(keep) {}

  Status prepare() {
    auto sample = connection.prepare(
        "insert snmp sample",
        "INSERT OR REPLACE INTO snmp_samples (at_ms, device_key, answered, round_trip_ms, "
        "all_up, error_delta, packet_delta, oid_values) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!sample) return in_context(path, sample.error());
    insert_sample.emplace(std::move(*sample));
    auto device = connection.prepare(
        "insert snmp device",
        "INSERT INTO snmp_devices (device_id) VALUES (?1) ON CONFLICT (device_id) "
        "DO UPDATE SET device_id = excluded.device_id RETURNING device_key");
    if (!device) return in_context(path, device.error());
    insert_device.emplace(std::move(*device));
    return {};
  }

  Status load(WallTime now) {
    auto keys =
        connection.prepare("load snmp devices", "SELECT device_key, device_id FROM snmp_devices");
    if (!keys) return in_context(path, keys.error());
    std::unordered_map<long long, DeviceSamples*> by_key;
    while (true) {
      auto row = keys->step();
      if (!row) return in_context(path, row.error());
      if (!*row) break;
      std::string device_id = keys->column_text(1);
      const long long key = keys->column_int64(0);
      by_key[key] = &devices[device_id];  // unordered_map references stay valid on rehash
      device_keys[std::move(device_id)] = key;
    }

    auto select = connection.prepare(
        "load snmp samples",
        "SELECT device_key, at_ms, answered, round_trip_ms, all_up, error_delta, packet_delta, "
        "oid_values FROM snmp_samples WHERE at_ms > ?1 ORDER BY at_ms");
    if (!select) return in_context(path, select.error());
    select->bind_int64(1, to_millis(now - retention));
    std::size_t corrupted = 0;
    while (true) {
      auto row = select->step();
      if (!row) return in_context(path, row.error());
      if (!*row) break;
      auto device = by_key.find(select->column_int64(0));
      if (device == by_key.end()) {
        ++corrupted;
        continue;
      }
      DeviceSample sample;
      sample.at = from_millis(select->column_int64(1));
      sample.answered = select->column_int64(2) != 0;
      sample.round_trip_ms = select->column_optional_double(3).value_or(0);
      if (auto up = select->column_optional_int64(4)) sample.all_interfaces_up = *up != 0;
      sample.error_delta = select->column_optional_double(5);
      sample.packet_delta = select->column_optional_double(6);
      if (auto text = select->column_optional_text(7)) {
        auto values = decode_oid_values(*text);
        if (!values) {
          ++corrupted;
          continue;
        }
        sample.oid_values = std::move(*values);
      }
      if (insert_sorted(*device->second, StoredSample::from(sample))) ++count;
    }
    std::erase_if(devices, [](const auto& device) { return device.second.empty(); });
    if (corrupted > 0) {
      log::warn("skipped corrupted snmp samples", {{"rows", corrupted}});
    }
    return {};
  }

  // The device's key, registering it (in the running transaction) when new; `added` collects
  // keys to remember once the transaction commits.
  Result<long long> key_of(const std::string& device_id,
                           std::unordered_map<std::string, long long>& added) {
    if (auto known = device_keys.find(device_id); known != device_keys.end()) return known->second;
    if (auto known = added.find(device_id); known != added.end()) return known->second;
    insert_device->reset();
    auto row = insert_device->bind_text(1, device_id).step();
    const bool returned = row && *row;
    const long long key = returned ? insert_device->column_int64(0) : 0;
    insert_device->reset();  // releases the statement before a commit or rollback
    if (!row) return std::unexpected(row.error());
    if (!returned) return fail("insert snmp device: no key returned");
    added.emplace(device_id, key);
    return key;
  }

  Status write(const std::vector<std::pair<std::string, DeviceSample>>& samples) {
    auto transaction = sqlite::Transaction::begin(connection);
    if (!transaction) return std::unexpected(transaction.error());
    std::unordered_map<std::string, long long> added;
    sqlite::Statement& insert = *insert_sample;
    for (const auto& [device_id, sample] : samples) {
      auto key = key_of(device_id, added);
      if (!key) return std::unexpected(key.error());
      insert.reset();
      std::optional<long long> all_up;
      if (sample.all_interfaces_up) all_up = *sample.all_interfaces_up ? 1 : 0;
      const std::optional<double> round_trip =
          sample.answered ? std::optional<double>(sample.round_trip_ms) : std::nullopt;
      insert.bind_int64(1, to_millis(sample.at))
          .bind_int64(2, *key)
          .bind_int64(3, sample.answered ? 1 : 0)
          .bind_optional_double(4, round_trip)
          .bind_optional_int64(5, all_up)
          .bind_optional_double(6, sample.error_delta)
          .bind_optional_double(7, sample.packet_delta)
          .bind_optional_text(8, encode_oid_values(sample.oid_values));
      auto ran = insert.run();
      insert.reset();  // releases the statement before a commit or rollback
      if (!ran) return ran;
    }
    if (auto committed = transaction->commit(); !committed) return committed;
    device_keys.merge(added);
    return {};
  }

  Status remove(WallTime cutoff, const std::vector<long long>& removed_keys) {
    auto transaction = sqlite::Transaction::begin(connection);
    if (!transaction) return std::unexpected(transaction.error());
    auto by_time = connection.prepare("prune snmp samples by time",
                                      "DELETE FROM snmp_samples WHERE at_ms <= ?1");
    if (!by_time) return std::unexpected(by_time.error());
    if (auto ran = by_time->bind_int64(1, to_millis(cutoff)).run(); !ran) return ran;
    if (!removed_keys.empty()) {
      const std::string keys = dump(json(removed_keys));
      auto samples = connection.prepare(
          "prune snmp samples of removed devices",
          "DELETE FROM snmp_samples WHERE device_key IN (SELECT value FROM json_each(?1))");
      if (!samples) return std::unexpected(samples.error());
      if (auto ran = samples->bind_text(1, keys).run(); !ran) return ran;
      auto devices_gone = connection.prepare(
          "prune removed snmp devices",
          "DELETE FROM snmp_devices WHERE device_key IN (SELECT value FROM json_each(?1))");
      if (!devices_gone) return std::unexpected(devices_gone.error());
      if (auto ran = devices_gone->bind_text(1, keys).run(); !ran) return ran;
    }
    return transaction->commit();
  }
};

SampleHistory::SampleHistory(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SampleHistory::~SampleHistory() = default;

Result<std::unique_ptr<SampleHistory>> SampleHistory::open(const std::string& db_path,
                                                           std::chrono::milliseconds retention,
                                                           WallTime now) {
  // synchronous = NORMAL: in WAL mode a power loss may undo the last commits, never corrupt
  // them; losing the last poll rounds of the history costs little, an fsync per round costs
  // every minute.
  auto connection =
      open_database(db_path, {.identity = DatabaseOptions::Identity::initialized_slamon,
                              .synchronous = DatabaseOptions::Synchronous::normal,
                              .label = "snmp sample history"});
  if (!connection) return std::unexpected(connection.error());
  // The tables come from the store's migrations: a no-op after Store::open, and what creates
  // them in a private ":memory:" database.
  if (auto migrated = store_schema::migrate(*connection, store_schema::migrations(), db_path);
      !migrated) {
    return in_context(db_path, migrated.error());
  }
  auto impl = std::make_unique<Impl>(db_path, std::move(*connection), retention);
  if (auto prepared = impl->prepare(); !prepared) return std::unexpected(prepared.error());
  if (auto loaded = impl->load(now); !loaded) return std::unexpected(loaded.error());
  return std::unique_ptr<SampleHistory>(new SampleHistory(std::move(impl)));
}

Status SampleHistory::append(const std::vector<std::pair<std::string, DeviceSample>>& samples) {
  if (samples.empty()) return {};
  Impl& impl = *impl_;
  std::lock_guard storage_lock(impl.storage_mutex);
  {
    std::lock_guard memory_lock(impl.memory_mutex);
    for (const auto& [device_id, sample] : samples) {
      DeviceSamples& device = impl.devices[device_id];
      if (insert_sorted(device, StoredSample::from(sample))) ++impl.count;
      // Bounds memory even if the owner never prunes: nothing older than the retention
      // before this device's newest sample is ever read.
      impl.count -= drop_until(device, device.back().at - impl.retention);
    }
  }
  if (auto written = impl.write(samples); !written) return in_context(impl.path, written.error());
  return {};
}

std::vector<DeviceSample> SampleHistory::samples(const std::string& device_id, WallTime from,
                                                 WallTime to) const {
  std::vector<DeviceSample> out;
  std::lock_guard lock(impl_->memory_mutex);
  auto device = impl_->devices.find(device_id);
  if (device == impl_->devices.end() || !(from < to)) return out;
  const DeviceSamples& stored = device->second;
  auto first = std::partition_point(stored.begin(), stored.end(),
                                    [from](const StoredSample& s) { return s.at <= from; });
  auto last =
      std::partition_point(first, stored.end(), [to](const StoredSample& s) { return s.at <= to; });
  out.reserve(static_cast<std::size_t>(last - first));
  for (auto it = first; it != last; ++it) out.push_back(it->to_sample());
  return out;
}

Status SampleHistory::prune(WallTime now, std::chrono::milliseconds retention,
                            const std::vector<std::string>& keep_devices) {
  Impl& impl = *impl_;
  const WallTime cutoff = now - retention;
  const std::unordered_set<std::string> keep(keep_devices.begin(), keep_devices.end());
  std::lock_guard storage_lock(impl.storage_mutex);
  {
    std::lock_guard memory_lock(impl.memory_mutex);
    impl.retention = retention;
    for (auto it = impl.devices.begin(); it != impl.devices.end();) {
      if (keep.contains(it->first)) impl.count -= drop_until(it->second, cutoff);
      if (!keep.contains(it->first) || it->second.empty()) {
        impl.count -= it->second.size();
        it = impl.devices.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Every device ever stored has a key, so removed devices are found even when none of their
  // samples is in memory any more.
  std::vector<long long> removed_keys;
  std::vector<std::string> removed_ids;
  for (const auto& [device_id, key] : impl.device_keys) {
    if (keep.contains(device_id)) continue;
    removed_keys.push_back(key);
    removed_ids.push_back(device_id);
  }
  if (auto removed = impl.remove(cutoff, removed_keys); !removed) {
    return in_context(impl.path, removed.error());
  }
  for (const std::string& device_id : removed_ids) impl.device_keys.erase(device_id);
  return {};
}

std::size_t SampleHistory::sample_count() const {
  std::lock_guard lock(impl_->memory_mutex);
  return impl_->count;
}

}  // namespace slamon::snmp
