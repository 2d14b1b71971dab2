#include "api/handlers.h"

#include <algorithm>
#include <set>
#include <utility>

#include "api/policy_input.h"
#include "api/request.h"
#include "common/log.h"
#include "model/event_json.h"
#include "model/policy_json.h"
#include "slaview/sla_view.h"
#include "store/store.h"

namespace slamon::api {

namespace {

using nlohmann::json;

constexpr std::string_view kPoliciesPath = "/api/v1/sla/policies/";
constexpr std::size_t kMaxNotesLength = 4096;
constexpr int kRecentBreaches = 10;
constexpr int kStorePage = 200;

// One body for "does not exist", "another org's" and "outside your sites" (SPEC §8).
ApiError policy_not_found() {
  return not_found("policy not found");
}
ApiError breach_not_found() {
  return not_found("breach not found");
}
ApiError outside_site_grant() {
  return forbidden("the policy's scope is outside the sites this credential may write");
}
ApiError dead_letter_not_found() {
  return not_found("dead letter not found");
}
ApiError taken() {
  return conflict("a policy with this id or name already exists");
}

// The site a scope is located at (site, camera, nvr), when it has one.
std::optional<std::string> site_of(const Config& config, Scope scope,
                                   const std::optional<std::string>& scope_id) {
  if (!scope_id) return std::nullopt;
  return config.inventory.site_of(scope, *scope_id);
}

bool visible(const ApiHandlers::Caller& caller, const Policy& policy) {
  return caller.principal.covers_site(site_of(*caller.config, policy.scope, policy.scope_id));
}

bool visible(const ApiHandlers::Caller& caller, const Breach& breach) {
  return caller.principal.covers_site(site_of(*caller.config, breach.scope, breach.scope_id));
}

// May the caller see this stored event? Its breach's scope (every breach's, for an incident)
// must be covered by the caller's site grant.
bool visible(const ApiHandlers::Caller& caller, const json& event) {
  auto covers = [&](const json& breach) {
    if (!breach.is_object()) return false;
    const auto scope = parse_scope(breach.value("scope", ""));
    if (!scope) return false;
    std::optional<std::string> scope_id;
    if (auto id = breach.find("scope_id"); id != breach.end() && id->is_string()) {
      scope_id = id->get<std::string>();
    }
    return caller.principal.covers_site(site_of(*caller.config, *scope, scope_id));
  };
  if (!caller.principal.sites) return true;
  if (!event.is_object()) return false;
  if (auto breach = event.find("breach"); breach != event.end()) return covers(*breach);
  const auto incident = event.find("incident");
  if (incident == event.end() || !incident->is_object()) return false;
  const auto breaches = incident->find("breaches");
  if (breaches == incident->end() || !breaches->is_array() || breaches->empty()) return false;
  for (const json& member : *breaches) {
    if (!member.is_object() || !covers(member.value("breach", json()))) return false;
  }
  return true;
}

json dead_letter_json(const DeadLetter& letter) {
  return json{{"id", letter.id},
              {"event_id", letter.event_id},
              {"event_type", letter.event_type},
              {"notifier", letter.notifier},
              {"attempts", letter.attempts},
              {"last_error", letter.last_error},
              {"occurred_at", format_rfc3339(letter.occurred_at)},
              {"failed_at", format_rfc3339(letter.failed_at)},
              {"event", letter.event}};
}

// The scope keys (site ids and the ids of devices located at those sites) a breach query is
// limited to, for a site filter and the caller's site grant; nullopt when neither limits it.
// Breaches of scopes not located at one site (organization, site_group, device_group, ssid)
// have no key here, so a credential with a site grant never sees them.
std::optional<std::vector<std::string>> scope_keys(const ApiHandlers::Caller& caller,
                                                   const std::optional<std::string>& site) {
  const Principal& principal = caller.principal;
  if (!principal.sites && !site) return std::nullopt;
  std::set<std::string> sites;
  if (principal.sites) sites = *principal.sites;
  if (site) {
    const bool allowed = !principal.sites || principal.sites->contains(*site);
    sites.clear();
    if (allowed) sites.insert(*site);
  }
  std::vector<std::string> keys(sites.begin(), sites.end());
  if (const Organization* org = caller.config->inventory.organization(principal.org)) {
    for (const Device& device : org->devices) {
      if (sites.contains(device.site)) keys.push_back(device.id);
    }
  }
  return keys;
}

json policy_json(const Policy& policy) {
  json body = to_json(policy);
  body["provisioned"] = policy.provisioned;
  return body;
}

json list_json(json items, long long total, const Page& page) {
  return json{{"items", std::move(items)},
              {"total", total},
              {"limit", page.limit},
              {"offset", page.offset}};
}

ApiError write_failure(const WriteError& error, std::string_view what) {
  switch (error.kind) {
    case WriteFailure::not_found:
      return policy_not_found();
    case WriteFailure::conflict:
      return conflict(std::string(what));
    case WriteFailure::storage:
      break;
  }
  return internal("store write", error.message);
}

// The acknowledge body: empty, or {"notes": string|null} (SPEC §6.3).
ApiResult<std::optional<std::string>> read_notes(const http::HttpRequest& request) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return std::optional<std::string>();
  }
  auto body = parse_json_object(request, BodyMediaTypes::json);
  if (!body) return std::unexpected(body.error());
  std::vector<FieldError> problems;
  std::optional<std::string> notes;
  for (const auto& [key, value] : body->items()) {
    if (key != "notes") {
      problems.push_back({key, "unknown key `" + key + "`: the body may hold only `notes`"});
    } else if (value.is_string()) {
      notes = value.get<std::string>();
      if (utf8_length(*notes) > kMaxNotesLength) {
        problems.push_back(
            {"notes", "must be at most " + std::to_string(kMaxNotesLength) + " characters"});
      }
    } else if (!value.is_null()) {
      problems.push_back({"notes", "must be a string"});
    }
  }
  if (!problems.empty()) return std::unexpected(validation_failed(std::move(problems)));
  return notes;
}

}  // namespace

ApiHandlers::ApiHandlers(ApiContext context)
    : context_(std::move(context)),
      evaluations_(context_.options.evaluations_per_minute, std::chrono::seconds(60)) {}

ApiResult<ApiHandlers::Caller> ApiHandlers::authorize(const http::HttpRequest& request,
                                                      Permission needed) {
  ConfigPtr config = context_.config();
  if (!config) return std::unexpected(internal("authorize", "no configuration is loaded"));
  const auto authenticator = authenticators_.get(config);
  auto principal =
      authenticator->authenticate(request.header("Authorization"), context_.clock->now());
  if (!principal) return std::unexpected(unauthorized());
  if (!principal->has(needed)) {
    return std::unexpected(forbidden(needed == Permission::config_write
                                         ? "this credential may only read (config:write needed)"
                                         : "this credential may not read (config:read needed)"));
  }
  return Caller{std::move(config), std::move(*principal)};
}

ApiResult<std::vector<ApiHandlers::Entry>> ApiHandlers::org_policies(const Caller& caller) {
  const std::string& org = caller.principal.org;
  std::vector<Entry> entries;
  std::set<std::string> provisioned_ids;
  for (const Policy& policy : caller.config->policies) {
    if (policy.provisioned && policy.org == org) {
      entries.push_back({policy, 0});
      provisioned_ids.insert(policy.id);
    }
  }
  auto stored = context_.store->policies();
  if (!stored) return std::unexpected(internal("reading policies", stored.error().message));
  for (StoredPolicy& policy : *stored) {
    // A rule file that later claims an API policy's id wins; the stored one is shadowed.
    if (policy.policy.org == org && !provisioned_ids.contains(policy.policy.id)) {
      policy.policy.provisioned = false;
      entries.push_back({std::move(policy.policy), policy.revision});
    }
  }
  return entries;
}

ApiResult<std::optional<ApiHandlers::Entry>> ApiHandlers::find_policy(const Caller& caller,
                                                                      const std::string& id) {
  const std::string& org = caller.principal.org;
  for (const Policy& policy : caller.config->policies) {
    if (policy.provisioned && policy.id == id) {
      if (policy.org != org) return std::optional<Entry>();
      return std::optional<Entry>(Entry{policy, 0});
    }
  }
  auto stored = context_.store->policy(id);
  if (!stored) return std::unexpected(internal("reading a policy", stored.error().message));
  if (!*stored || (*stored)->policy.org != org) return std::optional<Entry>();
  (*stored)->policy.provisioned = false;
  return std::optional<Entry>(Entry{std::move((*stored)->policy), (*stored)->revision});
}

ApiResult<std::vector<Breach>> ApiHandlers::all_breaches(BreachQuery query) {
  auto all = slaview::all_breaches(*context_.store, std::move(query));
  if (!all) return std::unexpected(internal("reading breaches", all.error().message));
  return std::move(*all);
}

std::optional<ApiError> ApiHandlers::provisioned_conflict(const Caller& caller,
                                                          const Policy& policy) const {
  for (const Policy& existing : caller.config->policies) {
    if (!existing.provisioned) continue;
    // Policy ids are global (they label /metrics and events); names are unique per org.
    if (existing.id == policy.id || (existing.org == policy.org && existing.name == policy.name)) {
      return taken();
    }
  }
  return std::nullopt;
}

ApiResult<http::HttpResponse> ApiHandlers::summary(const Caller& caller,
                                                   const http::HttpRequest& request) {
  auto site = optional_query(request, "site_id");
  if (!site) return std::unexpected(site.error());
  if (*site) **site = to_lower_ascii(**site);

  auto policies = org_policies(caller);
  if (!policies) return std::unexpected(policies.error());
  std::set<std::string> active;
  for (const Entry& entry : *policies) {
    const Policy& policy = entry.policy;
    if (policy.status != PolicyStatus::active || !visible(caller, policy)) continue;
    if (*site && site_of(*caller.config, policy.scope, policy.scope_id) != **site) continue;
    active.insert(policy.id);
  }

  BreachQuery query;
  query.org = caller.principal.org;
  query.scope_keys = scope_keys(caller, *site);
  query.open_only = true;
  auto open = all_breaches(query);
  if (!open) return std::unexpected(open.error());
  std::set<std::string> in_breach;
  long long warning = 0;
  long long critical = 0;
  for (const Breach& breach : *open) {
    if (active.contains(breach.policy_id)) in_breach.insert(breach.policy_id);
    (breach.severity == Severity::critical ? critical : warning) += 1;
  }

  json recent = json::array();
  if (!query.scope_keys || !query.scope_keys->empty()) {
    query.open_only = false;
    query.limit = kRecentBreaches;
    query.offset = 0;
    auto latest = context_.store->breaches(query);
    if (!latest) return std::unexpected(internal("reading breaches", latest.error().message));
    for (const Breach& breach : *latest) recent.push_back(to_json(breach));
  }

  const auto active_count = static_cast<long long>(active.size());
  const auto breached_count = static_cast<long long>(in_breach.size());
  const double compliance_rate =
      active_count == 0
          ? 1.0
          : static_cast<double>(active_count - breached_count) / static_cast<double>(active_count);
  return json_response(
      200, json{{"active_policies", active_count},
                {"policies_in_breach", breached_count},
                {"compliance_rate", compliance_rate},
                {"breaches_by_severity", {{"warning", warning}, {"critical", critical}}},
                {"recent_breaches", std::move(recent)}});
}

ApiResult<http::HttpResponse> ApiHandlers::list_policies(const Caller& caller,
                                                         const http::HttpRequest& request) {
  std::vector<FieldError> problems;
  const Page page = page_query(request, problems);
  const std::optional<std::string> site_id = id_query(request, "site_id", problems);
  const std::optional<Scope> scope =
      enum_query(request, "scope", parse_scope,
                 "organization, site, site_group, device_group, ssid, camera, nvr", problems);
  const std::optional<PolicyStatus> status =
      enum_query(request, "status", parse_policy_status, "active, disabled, draft", problems);
  if (!problems.empty()) return std::unexpected(validation_failed(std::move(problems)));

  auto policies = org_policies(caller);
  if (!policies) return std::unexpected(policies.error());
  std::vector<const Policy*> selected;
  for (const Entry& entry : *policies) {
    const Policy& policy = entry.policy;
    if (!visible(caller, policy)) continue;
    if (site_id && site_of(*caller.config, policy.scope, policy.scope_id) != *site_id) continue;
    if (scope && policy.scope != *scope) continue;
    if (status && policy.status != *status) continue;
    selected.push_back(&policy);
  }
  std::sort(selected.begin(), selected.end(), [](const Policy* a, const Policy* b) {
    return std::tie(a->name, a->id) < std::tie(b->name, b->id);
  });
  json items = json::array();
  const auto total = static_cast<long long>(selected.size());
  for (long long i = page.offset; i < total && i < page.offset + page.limit; ++i) {
    items.push_back(policy_json(*selected[static_cast<std::size_t>(i)]));
  }
  return json_response(200, list_json(std::move(items), total, page));
}

ApiResult<http::HttpResponse> ApiHandlers::create_policy(const Caller& caller,
                                                         const http::HttpRequest& request) {
  auto body = parse_json_object(request, BodyMediaTypes::json);
  if (!body) return std::unexpected(body.error());
  if (auto unowned = unowned_scope(*body, caller.principal.org, caller.config->inventory)) {
    return std::unexpected(*unowned);
  }
  std::vector<FieldError> problems;
  if (body->contains("org")) problems.push_back({"org", "comes from the credential"});
  (*body)["org"] = caller.principal.org;
  if (auto status = body->find("status"); status != body->end() && *status == "disabled") {
    problems.push_back({"status",
                        "a policy cannot be created disabled: create it as active or draft, "
                        "and disable it later with PATCH"});
  }
  auto policy = validate_policy(*body, *caller.config, std::move(problems));
  if (!policy) return std::unexpected(policy.error());
  if (!visible(caller, *policy)) return std::unexpected(outside_site_grant());
  if (auto taken = provisioned_conflict(caller, *policy)) return std::unexpected(*taken);

  auto stored = context_.store->insert_policy(*policy, context_.clock->now());
  if (!stored) {
    return std::unexpected(
        write_failure(stored.error(), "a policy with this id or name already exists"));
  }
  http::HttpResponse response = json_response(201, policy_json(stored->policy));
  response.headers.emplace("Location", std::string(kPoliciesPath) + stored->policy.id);
  return response;
}

ApiResult<http::HttpResponse> ApiHandlers::get_policy(const Caller& caller,
                                                      const http::HttpRequest& request) {
  auto found = find_policy(caller, to_lower_ascii(request.path_param("policy_id")));
  if (!found) return std::unexpected(found.error());
  if (!*found || !visible(caller, (*found)->policy)) return std::unexpected(policy_not_found());
  return json_response(200, policy_json((*found)->policy));
}

ApiResult<http::HttpResponse> ApiHandlers::update_policy(const Caller& caller,
                                                         const http::HttpRequest& request) {
  auto patch = parse_json_object(request, BodyMediaTypes::json_or_merge_patch);
  if (!patch) return std::unexpected(patch.error());
  const std::string id = to_lower_ascii(request.path_param("policy_id"));
  auto found = find_policy(caller, id);
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::unexpected(policy_not_found());
  const Entry& current = **found;
  if (!visible(caller, current.policy)) return std::unexpected(outside_site_grant());
  if (current.policy.provisioned) {
    return std::unexpected(
        conflict("this policy is provisioned from a rule file; change it there"));
  }

  // id and org are immutable; `provisioned` is read-only. Echoing their current values (a
  // client sending back what it read) is accepted.
  std::vector<FieldError> problems;
  const auto same_text = [](const json& value, const std::string& expected) {
    return value.is_string() && to_lower_ascii(value.get<std::string>()) == expected;
  };
  if (auto it = patch->find("id"); it != patch->end() && !same_text(*it, id)) {
    problems.push_back({"id", "is immutable"});
  }
  if (auto it = patch->find("org"); it != patch->end() && !same_text(*it, caller.principal.org)) {
    problems.push_back({"org", "comes from the credential and cannot change"});
  }
  if (auto it = patch->find("provisioned"); it != patch->end()) {
    if (*it != false) problems.push_back({"provisioned", "is read-only"});
    patch->erase(it);
  }
  if (!problems.empty()) return std::unexpected(validation_failed(std::move(problems)));

  json merged = to_json(current.policy);
  merged.erase("provisioned");
  for (auto it = merged.begin(); it != merged.end();) {
    it = it->is_null() ? merged.erase(it) : std::next(it);
  }
  merged.merge_patch(*patch);  // RFC 7396: null removes a member
  merged["id"] = id;
  merged["org"] = caller.principal.org;
  // SPEC §11: the scope is verified again when the patch changes it (an unchanged scope that
  // left the inventory is the validators' 422, about the caller's own policy).
  if (patch->contains("scope") || patch->contains("scope_id")) {
    if (auto unowned = unowned_scope(merged, caller.principal.org, caller.config->inventory)) {
      return std::unexpected(*unowned);
    }
  }

  auto policy = validate_policy(merged, *caller.config);
  if (!policy) return std::unexpected(policy.error());
  if (!visible(caller, *policy)) return std::unexpected(outside_site_grant());
  if (auto taken = provisioned_conflict(caller, *policy)) return std::unexpected(*taken);

  auto updated = context_.store->update_policy(*policy, current.revision, context_.clock->now());
  if (!updated) {
    return std::unexpected(write_failure(
        updated.error(),
        "the policy changed meanwhile, or its new name is taken; read it again and retry"));
  }
  return json_response(200, policy_json(updated->policy));
}

ApiResult<http::HttpResponse> ApiHandlers::delete_policy(const Caller& caller,
                                                         const http::HttpRequest& request) {
  const std::string id = to_lower_ascii(request.path_param("policy_id"));
  auto found = find_policy(caller, id);
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::unexpected(policy_not_found());
  if (!visible(caller, (*found)->policy)) return std::unexpected(outside_site_grant());
  if ((*found)->policy.provisioned) {
    return std::unexpected(
        conflict("this policy is provisioned from a rule file; remove it there"));
  }
  auto deleted = context_.store->delete_policy(caller.principal.org, id);
  if (!deleted) return std::unexpected(write_failure(deleted.error(), "the policy changed"));
  http::HttpResponse response;
  response.status = 204;
  return response;
}

ApiResult<http::HttpResponse> ApiHandlers::list_breaches(const Caller& caller,
                                                         const http::HttpRequest& request) {
  std::vector<FieldError> problems;
  const Page page = page_query(request, problems);
  const std::optional<std::string> site_id = id_query(request, "site_id", problems);
  const std::optional<std::string> policy_id = id_query(request, "policy_id", problems);
  const std::optional<BreachStatus> status = enum_query(request, "status", parse_breach_status,
                                                        "active, acknowledged, resolved", problems);
  if (!problems.empty()) return std::unexpected(validation_failed(std::move(problems)));

  BreachQuery query;
  query.org = caller.principal.org;
  query.policy_id = policy_id;
  query.status = status;
  query.scope_keys = scope_keys(caller, site_id);
  query.limit = page.limit;
  query.offset = page.offset;

  json items = json::array();
  long long total = 0;
  if (!query.scope_keys || !query.scope_keys->empty()) {
    auto count = context_.store->count_breaches(query);
    if (!count) return std::unexpected(internal("counting breaches", count.error().message));
    total = *count;
    auto breaches = context_.store->breaches(query);
    if (!breaches) return std::unexpected(internal("reading breaches", breaches.error().message));
    for (const Breach& breach : *breaches) items.push_back(to_json(breach));
  }
  return json_response(200, list_json(std::move(items), total, page));
}

ApiResult<http::HttpResponse> ApiHandlers::acknowledge(const Caller& caller,
                                                       const http::HttpRequest& request) {
  auto notes = read_notes(request);
  if (!notes) return std::unexpected(notes.error());
  const std::string id = to_lower_ascii(request.path_param("breach_id"));
  auto breach = context_.store->breach(id);
  if (!breach) return std::unexpected(internal("reading a breach", breach.error().message));
  if (!*breach || (*breach)->org != caller.principal.org || !visible(caller, **breach)) {
    return std::unexpected(breach_not_found());
  }

  // The event's policy summary is looked up now: the store calls `make_event_for` inside its
  // transaction, where calling back into the store would deadlock.
  PolicyRef ref;
  auto policy = find_policy(caller, (*breach)->policy_id);
  if (!policy) return std::unexpected(policy.error());
  if (*policy) {
    ref = policy_ref((*policy)->policy);
  } else {
    // The policy is gone (deleted, or removed from a rule file): a minimal summary from the
    // breach, named by its id.
    ref.id = (*breach)->policy_id;
    ref.name = (*breach)->policy_id;
    ref.scope = (*breach)->scope;
    ref.scope_id = (*breach)->scope_id;
    ref.scope_name = (*breach)->scope_name;
  }
  const WallTime now = context_.clock->now();
  auto acknowledged = context_.store->acknowledge(
      caller.principal.org, id, caller.principal.name, *notes, now, [&](const Breach& updated) {
        return make_event(EventType::breach_acknowledged, updated, ref, now);
      });
  if (!acknowledged) {
    switch (acknowledged.error().kind) {
      case WriteFailure::not_found:
        return std::unexpected(breach_not_found());
      case WriteFailure::conflict:
        return std::unexpected(
            conflict("only an active breach can be acknowledged (this one is already "
                     "acknowledged or resolved)"));
      case WriteFailure::storage:
        break;
    }
    return std::unexpected(internal("acknowledging a breach", acknowledged.error().message));
  }
  if (context_.events_committed) context_.events_committed();
  return json_response(200, to_json(*acknowledged));
}

ApiResult<http::HttpResponse> ApiHandlers::evaluate(const Caller& caller,
                                                    const http::HttpRequest& /*request*/) {
  const std::string& org = caller.principal.org;
  const auto slot = evaluations_.acquire(org, context_.clock->monotonic());
  if (const auto* refused = std::get_if<RateLimiter::Refused>(&slot)) {
    return std::unexpected(rate_limited(refused->retry_after));
  }
  CycleOptions options;
  options.org = org;
  options.wait_if_running = true;
  Result<CycleReport> report = context_.run_cycle(caller.config, options);
  if (!report) return std::unexpected(internal("evaluation cycle", report.error().message));
  if (context_.events_committed) context_.events_committed();
  log::info("evaluation requested through the API", {{"org", org},
                                                     {"principal", caller.principal.name},
                                                     {"policies", report->policies_evaluated},
                                                     {"opened", report->breaches_opened},
                                                     {"resolved", report->breaches_resolved}});
  const WallTime at = report->snapshot ? report->snapshot->evaluated_at : context_.clock->now();
  return json_response(200, json{{"evaluated_at", format_rfc3339(at)},
                                 {"policies_evaluated", report->policies_evaluated},
                                 {"breaches_opened", report->breaches_opened},
                                 {"breaches_escalated", report->breaches_escalated},
                                 {"breaches_resolved", report->breaches_resolved},
                                 {"no_data", report->no_data}});
}

ApiResult<http::HttpResponse> ApiHandlers::list_dead_letters(const Caller& caller,
                                                             const http::HttpRequest& request) {
  auto page = parse_page(request);
  if (!page) return std::unexpected(page.error());
  if (context_.dead_letters == nullptr)
    return json_response(200, list_json(json::array(), 0, *page));
  if (!caller.principal.sites) {
    auto letters =
        context_.dead_letters->dead_letters(caller.principal.org, page->limit, page->offset);
    if (!letters) return std::unexpected(internal("reading dead letters", letters.error().message));
    json items = json::array();
    for (const auto& letter : letters->items) items.push_back(dead_letter_json(letter));
    return json_response(200, list_json(std::move(items), letters->total, *page));
  }
  // A site grant sees the dead letters of its sites only: filter the org's, then page.
  json visible_items = json::array();
  for (int offset = 0;; offset += kStorePage) {
    auto letters = context_.dead_letters->dead_letters(caller.principal.org, kStorePage, offset);
    if (!letters) return std::unexpected(internal("reading dead letters", letters.error().message));
    for (const auto& letter : letters->items) {
      if (visible(caller, letter.event)) visible_items.push_back(dead_letter_json(letter));
    }
    if (static_cast<int>(letters->items.size()) < kStorePage) break;
  }
  const auto total = static_cast<long long>(visible_items.size());
  json items = json::array();
  for (long long i = page->offset; i < total && i < page->offset + page->limit; ++i) {
    items.push_back(std::move(visible_items[static_cast<std::size_t>(i)]));
  }
  return json_response(200, list_json(std::move(items), total, *page));
}

ApiResult<http::HttpResponse> ApiHandlers::retry_dead_letter(const Caller& caller,
                                                             const http::HttpRequest& request) {
  if (!request.body.empty() && request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    // Nothing to say in a retry: refuse a body rather than ignore what it might mean.
    return std::unexpected(validation_failed("body", "a retry takes no body"));
  }
  if (context_.dead_letters == nullptr) return std::unexpected(dead_letter_not_found());
  const std::string id = to_lower_ascii(request.path_param("dead_letter_id"));
  if (caller.principal.sites) {
    // Within a site grant only its sites' letters: one answer for "missing" and "not yours".
    auto letter = context_.dead_letters->dead_letter(caller.principal.org, id);
    if (!letter) return std::unexpected(internal("reading a dead letter", letter.error().message));
    if (!*letter || !visible(caller, (*letter)->event)) {
      return std::unexpected(dead_letter_not_found());
    }
  }
  auto retried =
      context_.dead_letters->retry_dead_letter(caller.principal.org, id, context_.clock->now());
  if (!retried) {
    switch (retried.error().kind) {
      case WriteFailure::not_found:
        return std::unexpected(dead_letter_not_found());
      case WriteFailure::conflict:
        return std::unexpected(conflict("its notifier is no longer configured"));
      case WriteFailure::storage:
        break;
    }
    return std::unexpected(internal("retrying a dead letter", retried.error().message));
  }
  log::info("dead letter queued for another delivery", {{"dead_letter", id},
                                                        {"notifier", retried->notifier},
                                                        {"event_id", retried->event_id},
                                                        {"principal", caller.principal.name}});
  if (context_.events_committed) context_.events_committed();
  return json_response(200, dead_letter_json(*retried));
}

}  // namespace slamon::api
