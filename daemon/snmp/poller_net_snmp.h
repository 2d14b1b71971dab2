// The net-snmp side of SnmpPoller (private to daemon/snmp): the process-wide lock around the
// library, the USM protocol and key set-up (with a cache of derived keys), the session handle,
// address and OID conversion, and the translation of received varbinds into Varbind.
//
// Thread-safety: net-snmp in this build (no NETSNMP_REENTRANT) keeps process-global, unlocked
// state that even single-session calls touch — the USM user list, the engine boots/time cache,
// request/message id counters, statistics, its error detail buffer. Every call into the library
// therefore runs under net_snmp_mutex() (recursive: a poll loop holds it across a batch of
// calls that also lock it themselves). The key cache has its own lock; the rest is plain
// functions over their arguments.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "snmp/poller.h"

// clang-format off
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>
// clang-format on

// net-snmp names two GETBULK fields by macros over the PDU's errstat / errindex; they would
// also rewrite SnmpSourceConfig::max_repetitions. The poller uses errstat / errindex directly.
#undef max_repetitions
#undef non_repeaters

namespace slamon::snmp::detail {

std::recursive_mutex& net_snmp_mutex();

// ---- Addresses

// "host:port", "[v6]:port" or a bare host (port 161), split; the host is not resolved.
struct PeerAddress {
  std::string host;
  std::uint16_t port = 161;
};
Result<PeerAddress> split_address(std::string_view address);

// True when `host` is a numeric IPv4 or IPv6 address (an IPv6 zone suffix "%eth0" allowed).
bool is_ip_literal(std::string_view host);

// Resolves host names (not literals) to a numeric address, several at once so a slow resolver
// costs the batch one resolver timeout, not one per name. Errors are safe to log.
std::vector<Result<std::string>> resolve_hosts(const std::vector<std::string>& hosts);

// The net-snmp transport spec for a numeric address: "udp:1.2.3.4:161", "udp6:[::1]:161".
std::string transport_spec(std::string_view numeric_host, std::uint16_t port);

// ---- OIDs

struct OidBuffer {
  oid ids[MAX_OID_LEN];
  std::size_t length = 0;
};
// Dotted numeric form, an optional leading dot; false when it is not a valid OID.
bool parse_oid(std::string_view text, OidBuffer& out);
std::string format_oid(const oid* ids, std::size_t length);

// ---- Varbinds

// The value of one received variable; never fails (an unknown type becomes `other`).
Varbind to_varbind(const netsnmp_variable_list& variable);

// The RFC 3416 name of a PDU error-status ("tooBig", "genErr", ...).
std::string error_status_name(long status);

// ---- Errors

// True for net-snmp errors that mean the USM exchange failed (user, keys, engine, time).
bool is_usm_error(int code);
// A fixed text for a net-snmp error code; never net-snmp's own strings, which may append a
// detail buffer shared by the whole library.
std::string describe_net_snmp_error(int code);

// ---- SNMPv3 USM

// The USM parameters of a v3 source, with Ku (the password-derived keys of RFC 3414 §2.6)
// computed once per protocol and password in the process and reused.
struct UsmParameters {
  int security_level = SNMP_SEC_LEVEL_NOAUTH;
  const oid* auth_protocol = nullptr;
  std::size_t auth_protocol_length = 0;
  std::vector<unsigned char> auth_ku;
  const oid* priv_protocol = nullptr;
  std::size_t priv_protocol_length = 0;
  std::vector<unsigned char> priv_ku;
  // Identifies protocols + keys: net-snmp's USM user table holds one key set per engine and
  // user name, so sessions with different keys for the same pair take turns (see
  // ensure_usm_user). Holds key material: never logged.
  std::string fingerprint;
};
// Errors name the field ("unknown auth protocol", "auth password shorter than 8 characters"),
// never its value.
Result<UsmParameters> usm_parameters(const SnmpSourceConfig& credentials);

// ---- Sessions

// An open single-session handle (snmp_sess_open); closed with the lock held when it goes.
class Session {
 public:
  Session() = default;
  explicit Session(void* handle) : handle_(handle) {}
  ~Session() { close(); }
  Session(Session&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Session& operator=(Session&& other) noexcept {
    if (this != &other) {
      close();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void* handle() const { return handle_; }
  netsnmp_session* session() const;  // snmp_sess_session
  int socket() const;                // the transport's descriptor, -1 when none
  explicit operator bool() const { return handle_ != nullptr; }
  void close();

 private:
  void* handle_ = nullptr;
};

struct SessionSpec {
  std::string peer;  // transport spec
  const SnmpSourceConfig* credentials = nullptr;
  const UsmParameters* usm = nullptr;  // v3 only
  std::string_view engine_id;          // v3: known authoritative engine id, else empty
  std::chrono::milliseconds timeout{0};
};
// Opens a session with net-snmp's own retries off and engine-id probing off (the poller does
// both itself, asynchronously). Errors are safe to log.
Result<Session> open_session(const SessionSpec& spec);

// Points an open v3 session at a (newly discovered) engine id and registers its USM user for
// that engine (localized keys). Errors are safe to log.
Status set_engine_id(Session& session, std::string_view engine_id, const UsmParameters& usm);

// Makes net-snmp's process-wide USM user entry for the session's engine and user hold this
// session's protocols and keys, replacing another session's (a wrong password polled before
// the right one, two sources sharing a user name) — call it before each send and read of a v3
// session whose engine id is known. Cheap when nothing changed. Errors are safe to log.
Status ensure_usm_user(Session& session, const UsmParameters& usm);

// A v3 engine-id discovery request (RFC 3414 §4): an empty noAuthNoPriv GET from the empty user.
netsnmp_pdu* make_probe_pdu();

int snmp_version(const SnmpSourceConfig& credentials);  // SNMP_VERSION_1 / _2c / _3

}  // namespace slamon::snmp::detail
