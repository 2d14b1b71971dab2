// The SPEC §10 report endpoints of ApiHandlers: queue a report job, list the org's reports,
// and download a rendered file (or a pending report's data). Rendering is the report worker's
// (reports/report_jobs.h, wired by the app); these handlers validate, scope to the caller's
// org and site grant, and guard the download path: file names are generated, and the resolved
// path (symlinks followed) must lie inside the reports directory.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include "api/handlers.h"
#include "api/request.h"
#include "common/log.h"
#include "common/uuid.h"
#include "model/maintenance_json.h"

namespace slamon::api {

namespace {

using nlohmann::json;

constexpr std::string_view kReportsPath = "/api/v1/sla/reports/";
constexpr auto kMaxReportPeriod = std::chrono::days(366);
constexpr std::size_t kMaxReportPolicies = 1000;
constexpr std::size_t kMaxTitleLength = 200;

ApiError report_not_found() {
  return not_found("report not found");
}

std::optional<WallTime> read_time(const json& body, std::string_view field,
                                  std::vector<FieldError>& problems) {
  const auto value = body.find(field);
  if (value == body.end()) {
    problems.push_back({std::string(field), "is required"});
    return std::nullopt;
  }
  std::optional<WallTime> time;
  if (value->is_string()) time = parse_rfc3339_time(value->get<std::string>());
  if (!time) {
    problems.push_back({std::string(field), "must be an RFC 3339 date-time with a UTC offset"});
  }
  return time;
}

// The generate body (SPEC §10), every problem reported at once.
ApiResult<StoredReport> read_report_request(const http::HttpRequest& request) {
  auto body = parse_json_object(request, BodyMediaTypes::json);
  if (!body) return std::unexpected(body.error());
  std::vector<FieldError> problems;
  for (const auto& [key, value] : body->items()) {
    if (key != "period_start" && key != "period_end" && key != "policy_ids" && key != "format" &&
        key != "title") {
      problems.push_back({key, "unknown key `" + key + "`"});
    }
  }
  StoredReport report;
  const auto start = read_time(*body, "period_start", problems);
  const auto end = read_time(*body, "period_end", problems);
  if (start && end) {
    if (*start >= *end) {
      problems.push_back({"period_start", "must be before `period_end`"});
    } else if (*end - *start > kMaxReportPeriod) {
      problems.push_back({"period_end", "the period may span at most 366 days"});
    } else {
      report.period_start = *start;
      report.period_end = *end;
    }
  }
  const json format = body->value("format", json());
  if (format != "pdf" && format != "csv") {
    problems.push_back({"format", "must be one of pdf, csv"});
  } else {
    report.format = format.get<std::string>();
  }
  const json ids = body->value("policy_ids", json());
  if (!ids.is_array() || ids.empty() || ids.size() > kMaxReportPolicies) {
    problems.push_back({"policy_ids", "must be a list of 1 to 1000 policy ids"});
  } else {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (!ids[i].is_string() || ids[i].get<std::string>().empty()) {
        problems.push_back({"policy_ids." + std::to_string(i), "must be a policy id"});
      } else {
        report.policy_ids.push_back(to_lower_ascii(ids[i].get<std::string>()));
      }
    }
  }
  const json title = body->value("title", json(""));
  if (!title.is_string() || utf8_length(title.get<std::string>()) > kMaxTitleLength) {
    problems.push_back({"title", "must be a string of at most 200 characters"});
  } else {
    report.title = title.get<std::string>();
  }
  if (!problems.empty()) return std::unexpected(validation_failed(std::move(problems)));
  return report;
}

json report_list_item(const StoredReport& report) {
  return json{{"id", report.id},
              {"title", report.title},
              {"period_start", format_rfc3339(report.period_start)},
              {"period_end", format_rfc3339(report.period_end)},
              {"format", report.format},
              {"status", report.status},
              {"size", report.status == "done" ? json(report.size) : json()},
              {"sha256", report.status == "done" ? json(report.sha256) : json()},
              {"created_at", format_rfc3339(report.created_at)}};
}

// Does `path` lie directly inside `root` (both canonical)?
bool directly_inside(const std::filesystem::path& path, const std::filesystem::path& root) {
  return path.parent_path() == root && path.has_filename() && path.filename() != ".." &&
         path.filename() != ".";
}

// Reads the file at `path`, refusing to follow a symlink in its last component (the guard
// resolved it already; one placed since is not followed).
ApiResult<std::string> read_report_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::unexpected(not_found("report file not found"));
    return std::unexpected(internal("reading a report file", std::strerror(errno)));
  }
  std::string bytes;
  // On the heap: civetweb's worker threads have small stacks.
  std::vector<char> buffer(64 * 1024);
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      return std::unexpected(internal("reading a report file", std::strerror(error)));
    }
    if (n == 0) break;
    bytes.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return bytes;
}

}  // namespace

ApiResult<bool> ApiHandlers::policies_visible(const Caller& caller,
                                              const std::vector<std::string>& policy_ids) {
  if (!caller.principal.sites) return true;
  for (const std::string& id : policy_ids) {
    auto found = find_policy(caller, id);
    if (!found) return std::unexpected(found.error());
    if (!*found) return false;
    const Policy& policy = (*found)->policy;
    if (!caller.principal.covers_site(
            policy.scope_id ? caller.config->inventory.site_of(policy.scope, *policy.scope_id)
                            : std::nullopt)) {
      return false;
    }
  }
  return true;
}

ApiResult<void> ApiHandlers::require_readable_policies(const Caller& caller,
                                                       const std::vector<std::string>& policy_ids) {
  // Missing, another org's and outside the caller's sites answer alike (SPEC §8).
  if (auto visible = policies_visible(caller, policy_ids); !visible) {
    return std::unexpected(visible.error());
  } else if (!*visible) {
    return std::unexpected(not_found("policy not found"));
  }
  for (const std::string& id : policy_ids) {
    auto found = find_policy(caller, id);
    if (!found) return std::unexpected(found.error());
    if (!*found) return std::unexpected(not_found("policy not found"));
  }
  return {};
}

ApiResult<http::HttpResponse> ApiHandlers::generate_report(const Caller& caller,
                                                           const http::HttpRequest& request) {
  auto report = read_report_request(request);
  if (!report) return std::unexpected(report.error());
  report->org = caller.principal.org;
  if (auto readable = require_readable_policies(caller, report->policy_ids); !readable) {
    return std::unexpected(readable.error());
  }
  report->id = uuid_v4();
  report->status = "pending";
  report->created_at = context_.clock->now();
  report->created_by = caller.principal.name;
  if (auto stored = context_.store->insert_report(*report); !stored) {
    return std::unexpected(internal("storing a report", stored.error().message));
  }
  log::info("report queued", {{"report", report->id},
                              {"org", report->org},
                              {"format", report->format},
                              {"policies", report->policy_ids.size()}});
  if (context_.report_queued) context_.report_queued();
  http::HttpResponse response = json_response(202, json{{"id", report->id}, {"status", "pending"}});
  response.headers.emplace("Location", std::string(kReportsPath) + report->id + "/download");
  return response;
}

ApiResult<http::HttpResponse> ApiHandlers::list_reports(const Caller& caller,
                                                        const http::HttpRequest& request) {
  auto page = parse_page(request);
  if (!page) return std::unexpected(page.error());
  const std::string& org = caller.principal.org;
  json items = json::array();
  long long total = 0;
  if (!caller.principal.sites) {
    auto reports = context_.store->reports(org, page->limit, page->offset);
    if (!reports) return std::unexpected(internal("reading reports", reports.error().message));
    auto count = context_.store->count_reports(org);
    if (!count) return std::unexpected(internal("counting reports", count.error().message));
    for (const StoredReport& report : *reports) items.push_back(report_list_item(report));
    total = *count;
  } else {
    auto reports = context_.store->reports(org, -1, 0);
    if (!reports) return std::unexpected(internal("reading reports", reports.error().message));
    for (const StoredReport& report : *reports) {
      auto visible = policies_visible(caller, report.policy_ids);
      if (!visible) return std::unexpected(visible.error());
      if (!*visible) continue;
      if (total >= page->offset && total < page->offset + page->limit) {
        items.push_back(report_list_item(report));
      }
      ++total;
    }
  }
  return json_response(200, json{{"items", std::move(items)},
                                 {"total", total},
                                 {"limit", page->limit},
                                 {"offset", page->offset}});
}

ApiResult<http::HttpResponse> ApiHandlers::download_report(const Caller& caller,
                                                           const http::HttpRequest& request) {
  auto part = optional_query(request, "part");
  if (!part) return std::unexpected(part.error());
  if (*part && **part != "breaches") {
    return std::unexpected(validation_failed("part", "must be breaches"));
  }
  const bool breaches = part->has_value();
  // The id only selects a row; the file name comes from the row's id, never from the request.
  auto found =
      context_.store->report(caller.principal.org, to_lower_ascii(request.path_param("report_id")));
  if (!found) return std::unexpected(internal("reading a report", found.error().message));
  if (!*found) return std::unexpected(report_not_found());
  const StoredReport& report = **found;
  auto visible = policies_visible(caller, report.policy_ids);
  if (!visible) return std::unexpected(visible.error());
  if (!*visible) return std::unexpected(report_not_found());

  if (report.status == "pending") {
    if (!context_.report_data) return std::unexpected(conflict("the report is not rendered yet"));
    auto data = context_.report_data(*caller.config, report);
    if (!data) return std::unexpected(internal("building report data", data.error().message));
    return json_response(200, *data);
  }
  if (report.status != "done") {
    return std::unexpected(conflict("the report failed: " + report.error));
  }

  std::error_code error;
  const std::filesystem::path root =
      std::filesystem::canonical(caller.config->global.reports_dir, error);
  if (error) return std::unexpected(not_found("report file not found"));
  const std::string name = report_file_name(report.id, report.format, breaches);
  const std::filesystem::path resolved = std::filesystem::weakly_canonical(root / name, error);
  if (error || !directly_inside(resolved, root)) {
    log::warn("report download refused: the file resolves outside the reports directory",
              {{"report", report.id},
               {"path", error ? (root / name).string() : resolved.string()},
               {"principal", caller.principal.name}});
    return std::unexpected(forbidden("the report file lies outside the reports directory"));
  }
  auto bytes = read_report_file(resolved);
  if (!bytes) return std::unexpected(bytes.error());
  http::HttpResponse response = http::HttpResponse::text(
      200, std::move(*bytes),
      !breaches && report.format == "pdf" ? "application/pdf" : "text/csv; charset=utf-8");
  response.headers.emplace("Content-Disposition", "attachment; filename=\"" + name + "\"");
  return response;
}

}  // namespace slamon::api
