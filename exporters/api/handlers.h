// ApiHandlers: the SPEC §11 endpoints under /api/v1/sla as plain functions of (caller,
// request), each answering a response or an ApiError. `authorize` turns the Authorization
// header into a Caller (SPEC §8) before any handler runs; handlers scope every read and write
// to the caller's org and site grant. Internal to slamon_api (api.cpp wires the routes).
// Thread-safe: the store and engine serialize themselves; the rate limiter and the
// authenticator cache have their own mutexes; everything else is per request.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/api.h"
#include "api/errors.h"
#include "api/rate_limiter.h"
#include "auth/auth.h"
#include "auth/authenticator_cache.h"
#include "http/message.h"

namespace slamon::api {

class ApiHandlers {
 public:
  explicit ApiHandlers(ApiContext context);

  // Who is calling, and the configuration the whole request is served with (one snapshot,
  // even if a reload lands meanwhile).
  struct Caller {
    ConfigPtr config;
    Principal principal;
  };
  // 401 without valid credentials, 403 without `needed`.
  ApiResult<Caller> authorize(const http::HttpRequest& request, Permission needed);

  ApiResult<http::HttpResponse> summary(const Caller& caller, const http::HttpRequest& request);
  ApiResult<http::HttpResponse> list_policies(const Caller& caller,
                                              const http::HttpRequest& request);
  ApiResult<http::HttpResponse> create_policy(const Caller& caller,
                                              const http::HttpRequest& request);
  ApiResult<http::HttpResponse> get_policy(const Caller& caller, const http::HttpRequest& request);
  ApiResult<http::HttpResponse> update_policy(const Caller& caller,
                                              const http::HttpRequest& request);
  ApiResult<http::HttpResponse> delete_policy(const Caller& caller,
                                              const http::HttpRequest& request);
  ApiResult<http::HttpResponse> list_breaches(const Caller& caller,
                                              const http::HttpRequest& request);
  ApiResult<http::HttpResponse> acknowledge(const Caller& caller, const http::HttpRequest& request);
  ApiResult<http::HttpResponse> evaluate(const Caller& caller, const http::HttpRequest& request);
  ApiResult<http::HttpResponse> list_dead_letters(const Caller& caller,
                                                  const http::HttpRequest& request);
  ApiResult<http::HttpResponse> retry_dead_letter(const Caller& caller,
                                                  const http::HttpRequest& request);

  // SPEC §7 (sla_handlers.cpp): compliance windows, SLA periods, maintenance windows.
  ApiResult<http::HttpResponse> policy_compliance(const Caller& caller,
                                                  const http::HttpRequest& request);
  ApiResult<http::HttpResponse> policy_periods(const Caller& caller,
                                               const http::HttpRequest& request);
  ApiResult<http::HttpResponse> list_maintenance(const Caller& caller,
                                                 const http::HttpRequest& request);
  ApiResult<http::HttpResponse> create_maintenance(const Caller& caller,
                                                   const http::HttpRequest& request);
  ApiResult<http::HttpResponse> delete_maintenance(const Caller& caller,
                                                   const http::HttpRequest& request);
  ApiResult<http::HttpResponse> list_suppressed(const Caller& caller,
                                                const http::HttpRequest& request);

  // SPEC §10 (report_handlers.cpp): report jobs and the guarded download of their files.
  ApiResult<http::HttpResponse> generate_report(const Caller& caller,
                                                const http::HttpRequest& request);
  ApiResult<http::HttpResponse> list_reports(const Caller& caller,
                                             const http::HttpRequest& request);
  ApiResult<http::HttpResponse> download_report(const Caller& caller,
                                                const http::HttpRequest& request);

  // SPEC §10 report schedules (schedule_handlers.cpp): the config file's (read-only) and the
  // API's, with their last and next runs.
  ApiResult<http::HttpResponse> list_report_schedules(const Caller& caller,
                                                      const http::HttpRequest& request);
  ApiResult<http::HttpResponse> create_report_schedule(const Caller& caller,
                                                       const http::HttpRequest& request);
  ApiResult<http::HttpResponse> replace_report_schedule(const Caller& caller,
                                                        const http::HttpRequest& request);
  ApiResult<http::HttpResponse> delete_report_schedule(const Caller& caller,
                                                       const http::HttpRequest& request);

 private:
  // May the caller see a report or schedule of `policy_ids`? With a site grant, only when
  // every policy exists and lies in the granted sites.
  ApiResult<bool> policies_visible(const Caller& caller,
                                   const std::vector<std::string>& policy_ids);
  // 404 "policy not found", one answer for a policy that is missing, another org's or outside
  // the caller's sites, unless every id names a policy the caller may read.
  ApiResult<void> require_readable_policies(const Caller& caller,
                                            const std::vector<std::string>& policy_ids);
  // The caller's org's report schedules: the config's (provisioned) first, then the API's.
  ApiResult<std::vector<ReportSchedule>> org_report_schedules(const Caller& caller);
  // The schedule named by the {schedule_id} path segment, when the caller may see it; else 404.
  ApiResult<ReportSchedule> readable_report_schedule(const Caller& caller,
                                                     const http::HttpRequest& request);
  // Reads and checks a POST / PUT schedule body for the caller's org: 422 for any problem,
  // 404 for a policy the caller may not read, 409 when `except_id` aside another schedule of
  // the org has its name.
  ApiResult<ReportSchedule> read_report_schedule_body(const Caller& caller,
                                                      const http::HttpRequest& request,
                                                      const std::string& except_id);
  // When each schedule of the caller's org last ran (the recorded time of its latest run).
  ApiResult<std::map<std::string, WallTime>> last_report_schedule_runs(const Caller& caller);
  // A policy of the caller's org: provisioned (from a rule file) or created through the API,
  // with the store revision of the latter.
  struct Entry {
    Policy policy;
    long long revision = 0;  // 0 for provisioned policies
  };
  ApiResult<std::vector<Entry>> org_policies(const Caller& caller);
  ApiResult<std::optional<Entry>> find_policy(const Caller& caller, const std::string& id);
  // Every breach matching `query` (paged through the store).
  ApiResult<std::vector<Breach>> all_breaches(BreachQuery query);
  // The policy named by the {policy_id} path segment, when the caller may see it; else 404.
  ApiResult<Policy> readable_policy(const Caller& caller, const http::HttpRequest& request);
  // The caller's org's maintenance windows: the config's (provisioned) and the API's.
  ApiResult<std::vector<MaintenanceWindow>> org_maintenance(const Caller& caller);
  // 409 when `policy`'s id or name is taken by a provisioned policy.
  std::optional<ApiError> provisioned_conflict(const Caller& caller, const Policy& policy) const;

  ApiContext context_;
  AuthenticatorCache authenticators_;
  RateLimiter evaluations_;
};

}  // namespace slamon::api
