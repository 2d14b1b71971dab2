#include "snmp/poller_net_snmp.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <syslog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <unordered_map>

namespace slamon::snmp {

void initialize_net_snmp() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::lock_guard lock(detail::net_snmp_mutex());
    // No configuration files, no persistent state read or written (net-snmp would otherwise
    // read /etc/snmp and save engine boots under /var/lib/snmp at exit).
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_LOAD_HOST_FILES, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_NO_TOKEN_WARNINGS, 1);
    netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_WARNINGS, 0);
    // init_snmp still creates <persistent dir>/cert_indexes (its TLS certificate index, read
    // at start-up): a directory nothing can be created under keeps it from writing anywhere,
    // and the configuration path likewise from scanning anything.
    netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR, "/dev/null");
    netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_CONFIGURATION_DIR, "/dev/null");
    // No MIB files: OIDs are numeric everywhere in slamon. With an empty MIB path (set here,
    // so $MIBDIRS is not consulted) init_snmp finds no module to parse, whatever $MIBS says;
    // no setenv, which would race other threads' getenv.
    netsnmp_set_mib_directory("");
    // Its log goes nowhere: a handler must exist, or net-snmp falls back to stderr.
    snmp_disable_log();
    netsnmp_register_loghandler(NETSNMP_LOGHANDLER_NONE, LOG_DEBUG);
    init_snmp("slamon");
    // The empty USM user that engine-id discovery requests are sent as (net-snmp creates it
    // in its own probe, which the poller does not use).
    if (usm_get_user(nullptr, 0, const_cast<char*>("")) == nullptr) {
      auto* user = static_cast<usmUser*>(calloc(1, sizeof(usmUser)));
      if (user != nullptr) {
        user->name = strdup("");
        user->secName = strdup("");
        user->authProtocolLen = OID_LENGTH(usmNoAuthProtocol);
        user->authProtocol = snmp_duplicate_objid(usmNoAuthProtocol, user->authProtocolLen);
        user->privProtocolLen = OID_LENGTH(usmNoPrivProtocol);
        user->privProtocol = snmp_duplicate_objid(usmNoPrivProtocol, user->privProtocolLen);
        usm_add_user(user);
      }
    }
  });
}

namespace detail {

std::recursive_mutex& net_snmp_mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

// ---- Addresses

namespace {

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

Result<PeerAddress> split_address(std::string_view address) {
  PeerAddress peer;
  std::string_view port_text;
  if (address.starts_with('[')) {
    const auto close = address.find(']');
    if (close == std::string_view::npos) return fail("invalid address: missing ']'");
    peer.host = std::string(address.substr(1, close - 1));
    const auto rest = address.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) return fail("invalid address: expected ':' after ']'");
      port_text = rest.substr(1);
      if (port_text.empty()) return fail("invalid address: empty port");
    }
    if (!is_ip_literal(peer.host) || peer.host.find(':') == std::string::npos) {
      return fail("invalid address: not an IPv6 address in brackets");
    }
  } else {
    const auto colon = address.rfind(':');
    if (colon != std::string_view::npos) {
      if (address.find(':') != colon) {
        return fail("invalid address: an IPv6 address must be written [addr]:port");
      }
      peer.host = std::string(address.substr(0, colon));
      port_text = address.substr(colon + 1);
      if (port_text.empty()) return fail("invalid address: empty port");
    } else {
      peer.host = std::string(address);
    }
  }
  if (peer.host.empty()) return fail("invalid address: empty host");
  if (!port_text.empty()) {
    const auto port = parse_port(port_text);
    if (!port) return fail("invalid address: port must be 1-65535");
    peer.port = *port;
  }
  return peer;
}

bool is_ip_literal(std::string_view host) {
  std::array<unsigned char, sizeof(in6_addr)> buffer{};
  const std::string text(host.substr(0, host.find('%')));
  if (text.size() != host.size() && text.find(':') == std::string::npos) return false;
  return inet_pton(AF_INET, text.c_str(), buffer.data()) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer.data()) == 1;
}

std::vector<Result<std::string>> resolve_hosts(const std::vector<std::string>& hosts) {
  std::vector<Result<std::string>> results(hosts.size(), fail("not resolved"));
  auto resolve_one = [&](std::size_t index) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* found = nullptr;
    const int rc = getaddrinfo(hosts[index].c_str(), nullptr, &hints, &found);
    if (rc != 0 || found == nullptr) {
      results[index] = fail("cannot resolve host: " + std::string(gai_strerror(rc)));
      return;
    }
    // IPv4 first when the name has both (as net-snmp's own "udp:" resolution would pick).
    const addrinfo* chosen = found;
    for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
      if (entry->ai_family == AF_INET) {
        chosen = entry;
        break;
      }
    }
    std::array<char, NI_MAXHOST> text{};
    const int named = getnameinfo(chosen->ai_addr, chosen->ai_addrlen, text.data(), text.size(),
                                  nullptr, 0, NI_NUMERICHOST);
    freeaddrinfo(found);
    if (named != 0) {
      results[index] = fail("cannot resolve host: " + std::string(gai_strerror(named)));
      return;
    }
    results[index] = std::string(text.data());
  };
  constexpr std::size_t kMaxThreads = 16;
  if (hosts.size() <= 1) {
    for (std::size_t i = 0; i < hosts.size(); ++i) resolve_one(i);
    return results;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::jthread> workers;
  const std::size_t count = std::min(kMaxThreads, hosts.size());
  workers.reserve(count);
  for (std::size_t w = 0; w < count; ++w) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < hosts.size(); i = next++) resolve_one(i);
    });
  }
  workers.clear();  // joins
  return results;
}

std::string transport_spec(std::string_view numeric_host, std::uint16_t port) {
  std::string spec;
  const bool v6 = numeric_host.find(':') != std::string_view::npos;
  spec.reserve(numeric_host.size() + 16);
  spec += v6 ? "udp6:[" : "udp:";
  spec += numeric_host;
  spec += v6 ? "]:" : ":";
  spec += std::to_string(port);
  return spec;
}

// ---- OIDs

bool parse_oid(std::string_view text, OidBuffer& out) {
  out.length = 0;
  if (text.starts_with('.')) text.remove_prefix(1);
  if (text.empty()) return false;
  const char* p = text.data();
  const char* const end = text.data() + text.size();
  while (p < end) {
    if (out.length == MAX_OID_LEN) return false;
    std::uint32_t value = 0;
    const auto [next, error] = std::from_chars(p, end, value);
    if (error != std::errc{} || next == p) return false;
    out.ids[out.length++] = value;
    p = next;
    if (p < end) {
      if (*p != '.' || p + 1 == end) return false;
      ++p;
    }
  }
  // BER can encode only these first two arcs (X.690 §8.19.4).
  if (out.length < 2 || out.ids[0] > 2 || (out.ids[0] < 2 && out.ids[1] >= 40)) return false;
  return true;
}

std::string format_oid(const oid* ids, std::size_t length) {
  std::string text;
  text.reserve(length * 4);
  std::array<char, 24> digits{};
  for (std::size_t i = 0; i < length; ++i) {
    if (i > 0) text += '.';
    const auto [end, error] = std::to_chars(digits.data(), digits.data() + digits.size(), ids[i]);
    text.append(digits.data(), end);
  }
  return text;
}

// ---- Varbinds

namespace {

template <typename Number>
std::string number_text(Number value) {
  std::array<char, 64> buffer{};
  const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return error == std::errc{} ? std::string(buffer.data(), end) : std::string();
}

std::string bytes(const netsnmp_variable_list& variable) {
  if (variable.val.string == nullptr || variable.val_len == 0) return {};
  return std::string(reinterpret_cast<const char*>(variable.val.string), variable.val_len);
}

}  // namespace

Varbind to_varbind(const netsnmp_variable_list& variable) {
  Varbind out;
  out.oid = format_oid(variable.name, variable.name_length);
  const auto unsigned32 = [&]() -> std::uint64_t {
    return variable.val.integer == nullptr
               ? 0
               : static_cast<std::uint32_t>(static_cast<unsigned long>(*variable.val.integer));
  };
  const auto unsigned64 = [&]() -> std::uint64_t {
    if (variable.val.counter64 == nullptr) return 0;
    return (static_cast<std::uint64_t>(variable.val.counter64->high & 0xffffffffUL) << 32) |
           (variable.val.counter64->low & 0xffffffffUL);
  };
  switch (variable.type) {
    case ASN_INTEGER:
      out.type = ValueType::integer;
      out.value = static_cast<std::int64_t>(variable.val.integer ? *variable.val.integer : 0);
      break;
    case ASN_COUNTER:
      out.type = ValueType::counter32;
      out.value = unsigned32();
      break;
    case ASN_GAUGE:  // also Unsigned32
    case ASN_UINTEGER:
      out.type = ValueType::gauge32;
      out.value = unsigned32();
      break;
    case ASN_TIMETICKS:
      out.type = ValueType::timeticks;
      out.value = unsigned32();
      break;
    case ASN_COUNTER64:
      out.type = ValueType::counter64;
      out.value = unsigned64();
      break;
    case ASN_OCTET_STR:
      out.type = ValueType::octet_string;
      out.value = bytes(variable);
      break;
    case ASN_IPADDRESS:
      if (variable.val.string != nullptr && variable.val_len == 4) {
        std::array<char, INET_ADDRSTRLEN> text{};
        inet_ntop(AF_INET, variable.val.string, text.data(), text.size());
        out.type = ValueType::ip_address;
        out.value = std::string(text.data());
      } else {
        out.type = ValueType::other;
        out.value = bytes(variable);
      }
      break;
    case ASN_OBJECT_ID:
      out.type = ValueType::object_id;
      out.value = variable.val.objid == nullptr
                      ? std::string()
                      : format_oid(variable.val.objid, variable.val_len / sizeof(oid));
      break;
    case ASN_NULL:
      out.type = ValueType::null;
      break;
    case SNMP_NOSUCHOBJECT:
      out.type = ValueType::no_such_object;
      break;
    case SNMP_NOSUCHINSTANCE:
      out.type = ValueType::no_such_instance;
      break;
    case SNMP_ENDOFMIBVIEW:
      out.type = ValueType::end_of_mib_view;
      break;
#ifdef NETSNMP_WITH_OPAQUE_SPECIAL_TYPES
    case ASN_OPAQUE_FLOAT:
      out.type = ValueType::other;
      out.value = variable.val.floatVal ? number_text(*variable.val.floatVal) : std::string();
      break;
    case ASN_OPAQUE_DOUBLE:
      out.type = ValueType::other;
      out.value = variable.val.doubleVal ? number_text(*variable.val.doubleVal) : std::string();
      break;
    case ASN_OPAQUE_COUNTER64:
    case ASN_OPAQUE_U64:
      out.type = ValueType::other;
      out.value = number_text(unsigned64());
      break;
    case ASN_OPAQUE_I64:
      out.type = ValueType::other;
      out.value = number_text(static_cast<std::int64_t>(unsigned64()));
      break;
#endif
    default:  // Opaque, BIT STRING, NsapAddress: the raw bytes
      out.type = ValueType::other;
      out.value = bytes(variable);
      break;
  }
  return out;
}

std::string error_status_name(long status) {
  static constexpr std::array<std::string_view, 19> kNames{"noError",
                                                           "tooBig",
                                                           "noSuchName",
                                                           "badValue",
                                                           "readOnly",
                                                           "genErr",
                                                           "noAccess",
                                                           "wrongType",
                                                           "wrongLength",
                                                           "wrongEncoding",
                                                           "wrongValue",
                                                           "noCreation",
                                                           "inconsistentValue",
                                                           "resourceUnavailable",
                                                           "commitFailed",
                                                           "undoFailed",
                                                           "authorizationError",
                                                           "notWritable",
                                                           "inconsistentName"};
  if (status >= 0 && static_cast<std::size_t>(status) < kNames.size()) {
    return std::string(kNames[static_cast<std::size_t>(status)]) + " (" + std::to_string(status) +
           ")";
  }
  return "error-status " + std::to_string(status);
}

// ---- SNMPv3 USM

namespace {

struct ProtocolOid {
  std::string_view name;
  const oid* ids;
  std::size_t length;
};

// The names the config reader accepts (sources_reader.cpp kAuthProtocols / kPrivProtocols).
// AES-192 / AES-256 are the Blumenthal draft key extension, as net-snmp's own tools use them.
const std::array<ProtocolOid, 6> kAuthProtocolOids{{
    {"MD5", usmHMACMD5AuthProtocol, OID_LENGTH(usmHMACMD5AuthProtocol)},
    {"SHA", usmHMACSHA1AuthProtocol, OID_LENGTH(usmHMACSHA1AuthProtocol)},
    {"SHA-224", usmHMAC128SHA224AuthProtocol, OID_LENGTH(usmHMAC128SHA224AuthProtocol)},
    {"SHA-256", usmHMAC192SHA256AuthProtocol, OID_LENGTH(usmHMAC192SHA256AuthProtocol)},
    {"SHA-384", usmHMAC256SHA384AuthProtocol, OID_LENGTH(usmHMAC256SHA384AuthProtocol)},
    {"SHA-512", usmHMAC384SHA512AuthProtocol, OID_LENGTH(usmHMAC384SHA512AuthProtocol)},
}};
const std::array<ProtocolOid, 4> kPrivProtocolOids{{
    {"DES", usmDESPrivProtocol, OID_LENGTH(usmDESPrivProtocol)},
    {"AES", usmAESPrivProtocol, OID_LENGTH(usmAESPrivProtocol)},
    {"AES-192", usmAES192PrivProtocol, OID_LENGTH(usmAES192PrivProtocol)},
    {"AES-256", usmAES256PrivProtocol, OID_LENGTH(usmAES256PrivProtocol)},
}};

template <std::size_t N>
const ProtocolOid* find_protocol(const std::array<ProtocolOid, N>& table, std::string_view name) {
  for (const auto& entry : table) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

// Ku is a megabyte of hashing (RFC 3414 A.2); derive it once per protocol and password.
Result<std::vector<unsigned char>> derive_ku(const ProtocolOid& hash, const std::string& password,
                                             std::string_view what) {
  if (password.size() < USM_LENGTH_P_MIN) {
    return fail(std::string(what) + " password shorter than " + std::to_string(USM_LENGTH_P_MIN) +
                " characters");
  }
  // Guarded by the library lock, which generate_Ku needs anyway.
  static std::unordered_map<std::string, std::vector<unsigned char>> cache;
  std::string key;
  key.reserve(hash.name.size() + 1 + password.size());
  key.append(hash.name).append(1, '\0').append(password);
  std::lock_guard lock(net_snmp_mutex());
  if (auto found = cache.find(key); found != cache.end()) return found->second;
  std::array<unsigned char, USM_AUTH_KU_LEN> ku{};
  std::size_t ku_length = ku.size();
  const int rc = generate_Ku(hash.ids, static_cast<u_int>(hash.length),
                             reinterpret_cast<const u_char*>(password.data()), password.size(),
                             ku.data(), &ku_length);
  if (rc != SNMPERR_SUCCESS) return fail("cannot derive the " + std::string(what) + " key");
  constexpr std::size_t kMaxCachedKeys = 256;
  if (cache.size() >= kMaxCachedKeys) cache.clear();
  std::vector<unsigned char> derived(ku.begin(), ku.begin() + static_cast<long>(ku_length));
  std::fill(ku.begin(), ku.end(), 0);
  cache.emplace(std::move(key), derived);
  return derived;
}

}  // namespace

Result<UsmParameters> usm_parameters(const SnmpSourceConfig& credentials) {
  UsmParameters usm;
  const auto& level = credentials.security_level;
  if (level.empty() || level == "noAuthNoPriv") {
    usm.security_level = SNMP_SEC_LEVEL_NOAUTH;
  } else if (level == "authNoPriv") {
    usm.security_level = SNMP_SEC_LEVEL_AUTHNOPRIV;
  } else if (level == "authPriv") {
    usm.security_level = SNMP_SEC_LEVEL_AUTHPRIV;
  } else {
    return fail("unknown security level");
  }
  if (credentials.username.empty()) return fail("v3 username missing");
  usm.fingerprint = "L" + std::to_string(usm.security_level);
  usm.fingerprint.append(1, '\0');
  if (usm.security_level == SNMP_SEC_LEVEL_NOAUTH) return usm;

  const auto* auth = find_protocol(kAuthProtocolOids, credentials.auth_protocol);
  if (auth == nullptr) return fail("unknown or missing auth protocol");
  usm.auth_protocol = auth->ids;
  usm.auth_protocol_length = auth->length;
  auto auth_ku = derive_ku(*auth, credentials.auth_password, "auth");
  if (!auth_ku) return std::unexpected(auth_ku.error());
  usm.auth_ku = std::move(*auth_ku);
  usm.fingerprint.append(auth->name).append(1, '\0');
  usm.fingerprint.append(usm.auth_ku.begin(), usm.auth_ku.end());
  if (usm.security_level == SNMP_SEC_LEVEL_AUTHNOPRIV) return usm;

  const auto* priv = find_protocol(kPrivProtocolOids, credentials.priv_protocol);
  if (priv == nullptr) return fail("unknown or missing priv protocol");
  usm.priv_protocol = priv->ids;
  usm.priv_protocol_length = priv->length;
  // The privacy key is derived with the authentication hash (RFC 3414 §11.2, as snmpget does).
  auto priv_ku = derive_ku(*auth, credentials.priv_password, "priv");
  if (!priv_ku) return std::unexpected(priv_ku.error());
  usm.priv_ku = std::move(*priv_ku);
  usm.fingerprint.append(1, '\0').append(priv->name).append(1, '\0');
  usm.fingerprint.append(usm.priv_ku.begin(), usm.priv_ku.end());
  return usm;
}

// ---- Errors

bool is_usm_error(int code) {
  switch (code) {
    case SNMPERR_USM_UNKNOWNSECURITYNAME:
    case SNMPERR_USM_UNSUPPORTEDSECURITYLEVEL:
    case SNMPERR_USM_AUTHENTICATIONFAILURE:
    case SNMPERR_USM_DECRYPTIONERROR:
    case SNMPERR_USM_NOTINTIMEWINDOW:
    case SNMPERR_USM_UNKNOWNENGINEID:
    case SNMPERR_USM_GENERICERROR:
    case SNMPERR_USM_ENCRYPTIONERROR:
    case SNMPERR_AUTHENTICATION_FAILURE:
    case SNMPERR_DECRYPTION_ERR:
    case SNMPERR_UNKNOWN_USER_NAME:
    case SNMPERR_UNSUPPORTED_SEC_LEVEL:
    case SNMPERR_NOT_IN_TIME_WINDOW:
      return true;
    default:
      return false;
  }
}

std::string describe_net_snmp_error(int code) {
  switch (code) {
    case SNMPERR_USM_UNKNOWNSECURITYNAME:
    case SNMPERR_UNKNOWN_USER_NAME:
      return "unknown user name";
    case SNMPERR_USM_UNSUPPORTEDSECURITYLEVEL:
    case SNMPERR_UNSUPPORTED_SEC_LEVEL:
      return "unsupported security level";
    case SNMPERR_USM_AUTHENTICATIONFAILURE:
    case SNMPERR_AUTHENTICATION_FAILURE:
      return "wrong digest (auth password or protocol)";
    case SNMPERR_USM_DECRYPTIONERROR:
    case SNMPERR_DECRYPTION_ERR:
      return "decryption error (priv password or protocol)";
    case SNMPERR_USM_NOTINTIMEWINDOW:
    case SNMPERR_NOT_IN_TIME_WINDOW:
      return "not in time window";
    case SNMPERR_USM_UNKNOWNENGINEID:
    case SNMPERR_UNKNOWN_ENG_ID:
      return "unknown engine id";
    case SNMPERR_USM_ENCRYPTIONERROR:
      return "encryption error";
    case SNMPERR_BAD_PARSE:
    case SNMPERR_ASN_PARSE_ERR:
      return "ASN.1 parse error";
    case SNMPERR_BAD_VERSION:
      return "wrong SNMP version";
    case SNMPERR_TOO_LONG:
      return "message too long";
    case SNMPERR_BAD_SENDTO:
      return "send failed";
    case SNMPERR_BAD_RECVFROM:
      return "receive failed";
    case SNMPERR_BAD_ADDRESS:
      return "bad address";
    case SNMPERR_NO_SOCKET:
      return "no socket";
    case SNMPERR_MALLOC:
      return "out of memory";
    default:
      return "net-snmp error " + std::to_string(code);
  }
}

// ---- Sessions

netsnmp_session* Session::session() const {
  return handle_ ? snmp_sess_session(handle_) : nullptr;
}

int Session::socket() const {
  if (handle_ == nullptr) return -1;
  const netsnmp_transport* transport = snmp_sess_transport(handle_);
  return transport ? transport->sock : -1;
}

void Session::close() {
  if (handle_ == nullptr) return;
  std::lock_guard lock(net_snmp_mutex());
  snmp_sess_close(std::exchange(handle_, nullptr));
}

int snmp_version(const SnmpSourceConfig& credentials) {
  if (credentials.version == "1") return SNMP_VERSION_1;
  if (credentials.version == "3") return SNMP_VERSION_3;
  return SNMP_VERSION_2c;
}

Status ensure_usm_user(Session& session, const UsmParameters& usm) {
  std::lock_guard lock(net_snmp_mutex());
  netsnmp_session* settings = session.session();
  if (settings == nullptr || settings->securityEngineIDLen == 0) return {};
  // Which keys each (engine, user) entry of net-snmp's table was last built from.
  static std::unordered_map<std::string, std::string> installed;
  std::string key(reinterpret_cast<const char*>(settings->securityEngineID),
                  settings->securityEngineIDLen);
  key.append(1, '\0').append(settings->securityName ? settings->securityName : "");
  auto& current = installed[key];
  if (current == usm.fingerprint) return {};
  if (usmUser* user = usm_get_user(settings->securityEngineID, settings->securityEngineIDLen,
                                   settings->securityName);
      user != nullptr) {
    usm_remove_user(user);
    usm_free_user(user);
  }
  settings->flags &= ~SNMP_FLAGS_USER_CREATED;
  if (usm_create_user_from_session(settings) != SNMPERR_SUCCESS) {
    current.clear();
    return fail("cannot set up the SNMPv3 user for this engine");
  }
  current = usm.fingerprint;
  return {};
}

Result<Session> open_session(const SessionSpec& spec) {
  std::lock_guard lock(net_snmp_mutex());
  netsnmp_session settings;
  snmp_sess_init(&settings);
  settings.peername = const_cast<char*>(spec.peer.c_str());
  settings.version = snmp_version(*spec.credentials);
  settings.retries = 0;
  settings.timeout = static_cast<long>(
      std::chrono::duration_cast<std::chrono::microseconds>(spec.timeout).count());
  settings.flags |= SNMP_FLAGS_DONT_PROBE;
  settings.callback = nullptr;
  std::string engine(spec.engine_id);
  if (settings.version == SNMP_VERSION_3) {
    const auto& credentials = *spec.credentials;
    const auto& usm = *spec.usm;
    settings.securityModel = SNMP_SEC_MODEL_USM;
    settings.securityName = const_cast<char*>(credentials.username.c_str());
    settings.securityNameLen = credentials.username.size();
    settings.securityLevel = usm.security_level;
    if (usm.auth_protocol != nullptr) {
      settings.securityAuthProto = const_cast<oid*>(usm.auth_protocol);
      settings.securityAuthProtoLen = usm.auth_protocol_length;
      std::memcpy(settings.securityAuthKey, usm.auth_ku.data(), usm.auth_ku.size());
      settings.securityAuthKeyLen = usm.auth_ku.size();
    }
    if (usm.priv_protocol != nullptr) {
      settings.securityPrivProto = const_cast<oid*>(usm.priv_protocol);
      settings.securityPrivProtoLen = usm.priv_protocol_length;
      std::memcpy(settings.securityPrivKey, usm.priv_ku.data(), usm.priv_ku.size());
      settings.securityPrivKeyLen = usm.priv_ku.size();
    }
    if (!credentials.context_name.empty()) {
      settings.contextName = const_cast<char*>(credentials.context_name.c_str());
      settings.contextNameLen = credentials.context_name.size();
    }
    if (!engine.empty()) {
      settings.securityEngineID = reinterpret_cast<u_char*>(engine.data());
      settings.securityEngineIDLen = engine.size();
      settings.contextEngineID = reinterpret_cast<u_char*>(engine.data());
      settings.contextEngineIDLen = engine.size();
    }
  } else {
    const auto& community = spec.credentials->community;
    settings.community = reinterpret_cast<u_char*>(const_cast<char*>(community.data()));
    settings.community_len = community.size();
  }
  void* handle = snmp_sess_open(&settings);
  // The copy on the stack held the keys: clear it.
  std::memset(settings.securityAuthKey, 0, sizeof(settings.securityAuthKey));
  std::memset(settings.securityPrivKey, 0, sizeof(settings.securityPrivKey));
  if (handle == nullptr) {
    return fail("cannot open an SNMP session: " + describe_net_snmp_error(settings.s_snmp_errno));
  }
  Session session(handle);
  // snmp_sess_open honours DONT_PROBE only while opening, then clears it: without it again the
  // first send would run net-snmp's blocking engine-id probe.
  session.session()->flags |= SNMP_FLAGS_DONT_PROBE;
  if (settings.version == SNMP_VERSION_3 && !engine.empty()) {
    if (auto registered = ensure_usm_user(session, *spec.usm); !registered) {
      return std::unexpected(registered.error());
    }
  }
  return session;
}

Status set_engine_id(Session& session, std::string_view engine_id, const UsmParameters& usm) {
  std::lock_guard lock(net_snmp_mutex());
  netsnmp_session* settings = session.session();
  if (settings == nullptr) return fail("no session");
  if (engine_id.empty() || engine_id.size() > SNMP_MAX_ENG_SIZE) {
    return fail("the agent sent an invalid engine id");
  }
  const auto copy = [&] {
    auto* bytes = static_cast<u_char*>(malloc(engine_id.size()));
    if (bytes != nullptr) std::memcpy(bytes, engine_id.data(), engine_id.size());
    return bytes;
  };
  u_char* security = copy();
  u_char* context = copy();
  if (security == nullptr || context == nullptr) {
    free(security);
    free(context);
    return fail("out of memory");
  }
  free(settings->securityEngineID);
  settings->securityEngineID = security;
  settings->securityEngineIDLen = engine_id.size();
  free(settings->contextEngineID);
  settings->contextEngineID = context;
  settings->contextEngineIDLen = engine_id.size();
  return ensure_usm_user(session, usm);
}

netsnmp_pdu* make_probe_pdu() {
  std::lock_guard lock(net_snmp_mutex());
  netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_GET);
  if (pdu == nullptr) return nullptr;
  pdu->version = SNMP_VERSION_3;
  pdu->securityModel = SNMP_SEC_MODEL_USM;
  pdu->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
  pdu->securityName = strdup("");
  pdu->securityNameLen = 0;
  return pdu;
}

}  // namespace detail
}  // namespace slamon::snmp
