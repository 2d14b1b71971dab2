// SnmpPoller: polls many SNMP agents at once over net-snmp's asynchronous single-session API
// (SPEC §2 snmp sources). One poll() call takes a batch of targets — each with the scalar OIDs
// to GET and the table columns to walk — and returns one result per target once every target
// has answered, failed or timed out. A sliding window keeps up to `max_in_flight` targets in
// flight, so a slow or dead agent never holds up the others. SNMP v1, v2c and v3 (USM) are
// supported; walks use GETBULK (v2c, v3) or GETNEXT (v1). Retries are done here (not by
// net-snmp) so they can be counted.
//
// Thread-safety: one SnmpPoller is used by one thread at a time (the service keeps one per
// source); separate pollers may run on separate threads concurrently. counters() may be read
// from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "config/config.h"

namespace slamon::snmp {

// A numeric OID in dotted form without a leading dot, e.g. "1.3.6.1.2.1.1.3.0".
using Oid = std::string;

enum class ValueType {
  integer,  // INTEGER / Integer32
  counter32,
  gauge32,  // Gauge32 / Unsigned32
  timeticks,
  counter64,
  octet_string,
  object_id,
  ip_address,
  null,
  no_such_object,
  no_such_instance,
  end_of_mib_view,
  other,  // Opaque and anything else: carried as text
};

struct Varbind {
  Oid oid;
  ValueType type = ValueType::null;
  // integer → int64; counter32, gauge32, timeticks, counter64 → uint64;
  // octet_string, object_id, ip_address, other → text; null / exceptions → monostate.
  std::variant<std::monostate, std::int64_t, std::uint64_t, std::string> value;

  // The value as a number when it is numeric (integer, counter, gauge, timeticks); else nullopt.
  std::optional<double> number() const;
};

// Why a target produced no (or only partial) data; each reason is something an operator can act on.
// to_string() names them from a table in this order.
enum class Failure {
  none,
  timeout,         // no answer after retries (dead, filtered, or wrong v1/v2c community; agents
                   // also drop v3 requests they cannot decrypt: a wrong priv password)
  authentication,  // v3: unknown user, wrong auth/priv password or protocol, not in time window
  address,         // the address could not be resolved or the session not opened
  agent_error,     // the agent answered with a non-zero error-status (e.g. noSuchName, genErr)
  too_big,         // the agent answered tooBig even for the smallest request
  malformed,       // an answer that could not be parsed, or a walk that did not advance
  oversized,       // a walk exceeded the row limit (a hostile or broken agent)
  other,
};
std::string_view to_string(Failure failure);

struct Target {
  std::string address;                            // host:port, "[v6addr]:port" for IPv6
  const SnmpSourceConfig* credentials = nullptr;  // version, community / USM, retries,
                                                  // max_repetitions; must outlive poll()
  std::chrono::milliseconds timeout{std::chrono::seconds(2)};  // per request attempt
  std::vector<Oid> get;   // scalars to GET, answered in this order
  std::vector<Oid> walk;  // table columns to walk
};

struct PollResult {
  Failure failure = Failure::none;
  // Safe to log: names the reason (e.g. "timeout after 2 attempts", "authentication failure
  // (wrong digest)") but never a community, user password or key.
  std::string detail;
  // Time from sending the first request to its answer (the first GET, else the first walk
  // request), the SNMP response time of SPEC §4. Zero when nothing answered.
  std::chrono::microseconds round_trip{0};
  // The answers: the GET varbinds in the order asked (an agent's noSuchObject /
  // noSuchInstance kept as that type; SNMPv1 has no exceptions, so an object a v1 agent
  // answers noSuchName for is no_such_object), then each walked column's rows in OID order.
  // On a failure after some answers, what did arrive is kept.
  std::vector<Varbind> varbinds;
  int requests = 0;  // PDUs sent, retries included
  int retries = 0;   // of those, re-sends after a timeout

  bool answered() const { return failure == Failure::none || !varbinds.empty(); }
};

struct PollerOptions {
  std::size_t max_in_flight = 1000;       // targets polled concurrently
  std::size_t max_walk_rows = 10000;      // per walked column; beyond it the target is `oversized`
  std::size_t max_varbinds_per_get = 48;  // a longer GET list is split into several PDUs
};

// Totals since construction, for the poller self-metrics.
struct PollerCounters {
  std::uint64_t requests = 0;
  std::uint64_t retries = 0;
  std::uint64_t timeouts = 0;  // targets that failed with Failure::timeout
  std::uint64_t failures = 0;  // targets that failed for any reason
  std::uint64_t varbinds = 0;  // varbinds received
};

class SnmpPoller {
 public:
  explicit SnmpPoller(PollerOptions options = {});
  ~SnmpPoller();
  SnmpPoller(const SnmpPoller&) = delete;
  SnmpPoller& operator=(const SnmpPoller&) = delete;

  // Polls every target; returns results in the targets' order. Blocks until all are done;
  // never throws for an agent's behaviour (every problem is a Failure in its result).
  std::vector<PollResult> poll(std::span<const Target> targets);

  PollerCounters counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Initializes net-snmp once per process (no MIB loading, no persistent files written, its
// logging routed away); called by SnmpPoller's constructor, safe to call again.
void initialize_net_snmp();

}  // namespace slamon::snmp
