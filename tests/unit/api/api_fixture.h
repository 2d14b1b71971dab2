// ApiWorld: everything an API unit test talks to, real except the measurements: a Config
// loaded from YAML in a TempDir (two organizations, sites, devices, provisioned policies, two
// notifiers and a provisioned report schedule) with static tokens and JWT keys set in code, a
// Store in that TempDir, an Engine whose sources are one FakeSource, a FakeClock, and a real
// HttpServer on 127.0.0.1:0 serving the API routes.
// Also mints JWTs (HS256 / RS256, valid, expired or wrongly signed) with libjwt.
// Not thread-safe to set up; once built, its server and store may be used from many threads.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/api.h"
#include "api_client.h"
#include "common/clock.h"
#include "config/config.h"
#include "delivery/delivery_service.h"
#include "engine/engine.h"
#include "http/server.h"
#include "notify/notifier.h"
#include "reports/report_jobs.h"
#include "sources/metric_source.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace slamon::api::testing {

inline const WallTime kStart = from_unix_seconds(1'800'000'000);

inline const std::string kOrgA = "a0000000-0000-4000-8000-00000000000a";
inline const std::string kOrgB = "b0000000-0000-4000-8000-00000000000b";
inline const std::string kSiteA1 = "a0000000-0000-4000-8000-0000000000a1";
inline const std::string kSiteA2 = "a0000000-0000-4000-8000-0000000000a2";
inline const std::string kSiteB1 = "b0000000-0000-4000-8000-0000000000b1";
inline const std::string kSiteGroupA = "a0000000-0000-4000-8000-0000000006a1";
inline const std::string kDeviceGroupA = "a0000000-0000-4000-8000-0000000007a1";
inline const std::string kCameraA1 = "a0000000-0000-4000-8000-00000000ca01";
inline const std::string kNvrA2 = "a0000000-0000-4000-8000-00000000ee02";
inline const std::string kApA1 = "a0000000-0000-4000-8000-00000000af01";
inline const std::string kCameraB1 = "b0000000-0000-4000-8000-00000000ca01";
inline const std::string kSsidA = "Corp-WiFi";

// Provisioned (rule file) policies.
inline const std::string kProvA1 = "prov-a1";       // org A, site A1, uptime >= 99.5
inline const std::string kProvA2 = "prov-a2";       // org A, site A2, latency <= 100
inline const std::string kProvOrgA = "prov-org-a";  // org A, organization, uptime >= 99
inline const std::string kProvB1 = "prov-b1";       // org B, site B1, uptime >= 99.5

// Org A's report schedule of slamon.yml: monthly at 06:00 Berlin time over kProvA1, to the
// webhook notifier kReportHook. slamon.yml also configures the alertmanager kAlertmanager.
inline const std::string kProvisionedSchedule = "monthly-a";
inline const std::string kReportHook = "report-hook";
inline const std::string kAlertmanager = "am";

// The FakeSource answers these two queries (one series per scope key, label `scope`).
inline const std::string kUptimeQuery = "uptime";
inline const std::string kLatencyQuery = "latency";

class FakeSource final : public MetricSource {
 public:
  const std::string& name() const override { return name_; }
  Result<QueryResult> query(const MetricQuery& query, WallTime at) override;
  // Sets the value `query` answers for `scope_key`.
  void set(const std::string& query, const std::string& scope_key, double value);
  void clear();
  int calls() const;

 private:
  const std::string name_ = "prom";
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, double>> values_;
  int calls_ = 0;
};

// The claims of a minted JWT; the defaults are a valid org_admin of org A. The setters return
// a changed copy: JwtClaims().with_role("viewer").with_sites({kSiteA1}).
struct JwtClaims {
  std::string org = kOrgA;
  std::string role = "org_admin";
  std::optional<std::vector<std::string>> sites;
  std::string subject = "jwt-user";
  std::chrono::seconds expires_in{3600};  // from the FakeClock's now; negative = expired
  std::string issuer = "https://idp.test";
  std::string audience = "slamon";

  JwtClaims with_org(std::string value) const { return with(&JwtClaims::org, std::move(value)); }
  JwtClaims with_role(std::string value) const { return with(&JwtClaims::role, std::move(value)); }
  JwtClaims with_sites(std::vector<std::string> value) const {
    JwtClaims copy = *this;
    copy.sites = std::move(value);
    return copy;
  }
  JwtClaims with_expires_in(std::chrono::seconds value) const {
    JwtClaims copy = *this;
    copy.expires_in = value;
    return copy;
  }
  JwtClaims with_issuer(std::string value) const {
    return with(&JwtClaims::issuer, std::move(value));
  }
  JwtClaims with_audience(std::string value) const {
    return with(&JwtClaims::audience, std::move(value));
  }

 private:
  JwtClaims with(std::string JwtClaims::*member, std::string value) const {
    JwtClaims copy = *this;
    copy.*member = std::move(value);
    return copy;
  }
};
// The notifier of ApiWorld's delivery worker: it refuses every event for good.
inline const std::string kRefusingNotifier = "refusing-hook";
class RefusingNotifier final : public notify::Notifier {
 public:
  const std::string& name() const override { return kRefusingNotifier; }
  notify::DeliveryResult send(const notify::Notification&, WallTime) override {
    return {notify::DeliveryOutcome::dead, std::nullopt, "HTTP 400"};
  }
};

enum class JwtSigning { hs256, rs256, hs256_wrong_secret, rs256_wrong_key };

class ApiWorld {
 public:
  explicit ApiWorld(ApiOptions options = {});
  ~ApiWorld();
  ApiWorld(const ApiWorld&) = delete;
  ApiWorld& operator=(const ApiWorld&) = delete;

  int port() const { return server_->port(); }
  // (method, pattern) of every route install_routes registered, in order.
  const std::vector<std::pair<std::string, std::string>>& registered_routes() const {
    return registered_;
  }

  // The plaintext of a configured static token. Names: a-viewer, a-viewer-a1, a-site-admin,
  // a-site-admin-a1, a-org-admin, a-org-admin-a1 (org A; "-a1" = granted site A1 only),
  // b-viewer, b-org-admin (org B).
  static std::string token(const std::string& name);
  std::string jwt(const JwtClaims& claims, JwtSigning signing = JwtSigning::hs256) const;

  ConfigPtr config() const;
  void set_config(ConfigPtr config);
  // The loaded configuration with `changed` applied (for reload tests).
  ConfigPtr config_with(const std::function<void(Config&)>& changed) const;

  FakeClock& clock() { return clock_; }
  Store& store() { return *store_; }
  Engine& engine() { return *engine_; }
  FakeSource& source() { return *source_; }
  const slamon::testing::TempDir& dir() const { return dir_; }

  // An active breach committed straight to the store (as a cycle would), with a fresh id.
  Breach commit_breach(const std::string& org, const std::string& policy_id, Scope scope,
                       std::optional<std::string> scope_id, Metric metric = Metric::uptime_percent,
                       Severity severity = Severity::warning);
  // A breach at `site` whose sla.breach.created event the refusing notifier turned into a dead
  // letter; returns the dead letter's id.
  std::string make_dead_letter(const std::string& org, const std::string& site);
  delivery::DeliveryService& delivery() { return *delivery_; }
  // The report worker over the store and the reports directory (<dir>/reports), not started.
  reports::ReportJobs& report_jobs() { return *report_jobs_; }
  // How often the API said the report schedules changed (ApiContext::schedules_changed).
  int schedule_changes() const { return schedule_changes_; }
  // A policy stored as if created through the API.
  StoredPolicy insert_policy(const Policy& policy);
  static Policy site_policy(const std::string& id, const std::string& org, const std::string& site,
                            const std::string& name);

  // Every outbox event of `type` for `breach_id`.
  std::vector<StoredEvent> events(const std::string& type, const std::string& breach_id);

 private:
  slamon::testing::TempDir dir_;
  FakeClock clock_{kStart};
  mutable std::mutex config_mutex_;
  ConfigPtr config_;
  ConfigPtr loaded_;
  std::unique_ptr<Store> store_;
  std::shared_ptr<FakeSource> source_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<delivery::DeliveryService> delivery_;
  std::unique_ptr<reports::ReportJobs> report_jobs_;
  std::unique_ptr<http::HttpServer> server_;
  std::vector<std::pair<std::string, std::string>> registered_;
  std::atomic<int> schedule_changes_{0};
};

}  // namespace slamon::api::testing
