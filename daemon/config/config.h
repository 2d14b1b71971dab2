// The validated configuration: global settings, sources, measurements, inventory and the
// provisioned policies (SPEC §2–§5). Built once by the loader and then shared read-only as
// std::shared_ptr<const Config>; a reload builds a new one beside it. Immutable, so
// thread-safe to share.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/model.h"

namespace slamon {

struct GlobalConfig {
  std::chrono::milliseconds evaluation_interval{std::chrono::minutes(5)};
  std::string external_url;
  std::string listen_address = "0.0.0.0:9877";
  std::string web_config_file;
  std::string storage_path = "/var/lib/slamon/slamon.db";
  std::string reports_dir = "/var/lib/slamon/reports";
  std::string log_level = "info";
  std::string log_format = "logfmt";
};

struct TlsConfig {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool insecure_skip_verify = false;
};

// HTTP credentials for a source; secrets are read from their `_file` twin at load time.
struct HttpClientConfig {
  std::string authorization_type;  // "Bearer" when set
  std::string authorization_credentials;
  std::string basic_auth_username;
  std::string basic_auth_password;
  std::optional<TlsConfig> tls;
};

enum class SourceType { prometheus, snmp };

struct SnmpSourceConfig {
  std::string version = "2c";  // "1" | "2c" | "3"
  std::string community;
  std::string username;
  std::string security_level;  // noAuthNoPriv | authNoPriv | authPriv
  std::string auth_protocol;
  std::string auth_password;
  std::string priv_protocol;
  std::string priv_password;
  std::string context_name;
  std::chrono::milliseconds interval{std::chrono::seconds(60)};
  int retries = 1;
  int max_repetitions = 25;
};

struct SourceConfig {
  std::string name;
  SourceType type = SourceType::prometheus;
  std::string url;  // prometheus
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  HttpClientConfig http;
  SnmpSourceConfig snmp;
};

enum class Aggregate { avg, min, max, worst };

struct MeasurementConfig {
  Metric metric = Metric::uptime_percent;
  std::vector<Scope> scopes;
  std::string source;  // a SourceConfig name
  // Prometheus measurements
  std::string query;        // may contain {{window}}, {{scope_id}}, {{scope_name}}
  std::string scope_label;  // result label carrying the scope key
  std::chrono::milliseconds window{0};  // 0 = the evaluation interval
  // SNMP measurements
  std::string snmp;  // reachability | response_time | if_oper_up | if_error_ratio | oid
  std::string oid;
  double scale = 1.0;
  Aggregate aggregate = Aggregate::avg;

  bool per_scope() const;  // the query names {{scope_id}} or {{scope_name}}
  bool serves(Metric m, Scope s) const;
};

struct SiteGroup {
  std::string id, name;
};
struct Site {
  std::string id, name, site_group, timezone;
};
struct DeviceGroup {
  std::string id, name;
};
enum class DeviceKind { switch_, router, ap, camera, nvr, other };
struct DeviceSnmp {
  std::string source;
  std::string address;
  std::vector<int> interfaces;
};
struct Device {
  std::string id, name;
  DeviceKind kind = DeviceKind::other;
  std::string site;
  std::vector<std::string> device_groups;
  std::vector<std::string> ssids;
  std::optional<DeviceSnmp> snmp;
};
struct Organization {
  std::string id, name;
  std::vector<SiteGroup> site_groups;
  std::vector<Site> sites;
  std::vector<DeviceGroup> device_groups;
  std::vector<Device> devices;
};

// Which entity an id names, and who owns it.
struct EntityRef {
  std::string org;
  Scope kind = Scope::site;  // site | site_group | device_group | camera | nvr (devices of other kinds: none)
  bool is_device = false;
  std::string site;  // for sites: itself; for devices: their site; else empty
};

class Inventory {
 public:
  std::vector<Organization> organizations;

  // Rebuilds the lookup index; the loader calls it once after filling `organizations`.
  void index();
  const Organization* organization(const std::string& id) const;
  const EntityRef* entity(const std::string& id) const;
  // Does `id` name an entity of `scope` kind owned by `org`? (camera/nvr: device of that kind)
  bool owns(const std::string& org, Scope scope, const std::string& id) const;
  // The devices of a scope (SPEC §5).
  std::vector<const Device*> devices_of(const std::string& org, Scope scope,
                                        const std::string& scope_key) const;
  // The site a policy's scope is located at, when it has one (site, device, camera, nvr).
  std::optional<std::string> site_of(Scope scope, const std::string& scope_id) const;

 private:
  std::unordered_map<std::string, EntityRef> entities_;
  std::unordered_map<std::string, std::size_t> org_index_;
};

struct Config {
  std::string file;  // absolute path of slamon.yml
  GlobalConfig global;
  std::vector<SourceConfig> sources;
  std::vector<MeasurementConfig> measurements;
  Inventory inventory;
  std::vector<Policy> policies;  // provisioned, from rule files
  std::vector<std::string> rule_files;       // resolved paths, for logs
  std::vector<std::string> inventory_files;  // resolved paths

  const SourceConfig* source(const std::string& name) const;
  // The first measurement (in file order) that serves metric m for scope s, or nullptr.
  const MeasurementConfig* measurement_for(Metric m, Scope s) const;
};

using ConfigPtr = std::shared_ptr<const Config>;

}  // namespace slamon
