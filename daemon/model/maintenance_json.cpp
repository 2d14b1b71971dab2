#include "model/maintenance_json.h"

#include <chrono>
#include <cstdint>

#include "common/duration.h"
#include "common/time_format.h"

namespace slamon {
namespace {

using nlohmann::json;

json optional_text(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

json optional_time(const std::optional<WallTime>& value) {
  return value ? json(format_rfc3339(*value)) : json(nullptr);
}

// Reads one member of a stored window, naming the window and the key on failure.
class StoredWindowReader {
 public:
  explicit StoredWindowReader(const json& object) : object_(object) {}

  Result<const json*> member(std::string_view key) const {
    auto it = object_.find(key);
    if (it == object_.end()) return problem("is missing `" + std::string(key) + "`");
    return &*it;
  }

  Result<std::string> text(std::string_view key) const {
    auto value = member(key);
    if (!value) return std::unexpected(value.error());
    if (!(*value)->is_string()) return wrong_type(key, **value);
    return (*value)->get<std::string>();
  }

  Result<std::optional<std::string>> optional_text(std::string_view key) const {
    auto value = member(key);
    if (!value) return std::unexpected(value.error());
    if ((*value)->is_null()) return std::optional<std::string>{};
    if (!(*value)->is_string()) return wrong_type(key, **value);
    return std::optional<std::string>{(*value)->get<std::string>()};
  }

  Result<std::optional<WallTime>> optional_time(std::string_view key) const {
    auto value = optional_text(key);
    if (!value) return std::unexpected(value.error());
    if (!*value) return std::optional<WallTime>{};
    auto parsed = parse_rfc3339_time(**value);
    if (!parsed) return problem("has `" + std::string(key) + "` that is not an RFC 3339 time");
    return std::optional<WallTime>{*parsed};
  }

  std::unexpected<Error> wrong_type(std::string_view key, const json& value) const {
    return problem("has `" + std::string(key) + "` of type " + value.type_name());
  }

  std::unexpected<Error> problem(const std::string& what) const {
    std::string name = "stored maintenance window";
    if (auto id = object_.find("id"); id != object_.end() && id->is_string()) {
      name += " '" + id->get<std::string>() + "'";
    }
    return fail(name + " " + what);
  }

 private:
  const json& object_;
};

}  // namespace

std::optional<WallTime> parse_rfc3339_time(std::string_view text) {
  // Maintenance windows are kept to the millisecond, as they are written.
  const auto parsed = parse_rfc3339(text);
  if (!parsed) return std::nullopt;
  return std::chrono::floor<std::chrono::milliseconds>(*parsed);
}

json maintenance_to_json(const MaintenanceWindow& w) {
  const bool recurring = w.recurring();
  return json{
      {"id", w.id},
      {"org", w.org},
      {"scope", to_string(w.scope)},
      {"scope_id", optional_text(w.scope_id)},
      {"scope_name", optional_text(w.scope_name)},
      {"start", recurring ? json(nullptr) : optional_time(w.start)},
      {"end", recurring ? json(nullptr) : optional_time(w.end)},
      {"recurrence", recurring ? json(w.recurrence) : json(nullptr)},
      {"duration", recurring ? json(format_duration(w.duration)) : json(nullptr)},
      {"timezone", recurring ? json(w.timezone.empty() ? "UTC" : w.timezone) : json(nullptr)},
      {"reason", w.reason},
      {"provisioned", w.provisioned},
      {"created_at", optional_time(w.created_at)},
      {"created_by", w.created_by.empty() ? json(nullptr) : json(w.created_by)}};
}

Result<MaintenanceWindow> maintenance_from_stored(const std::string& body) {
  json object = json::parse(body, nullptr, false);
  if (object.is_discarded()) return fail("stored maintenance window is not valid JSON");
  return maintenance_from_stored(object);
}

Result<MaintenanceWindow> maintenance_from_stored(const json& object) {
  if (!object.is_object()) {
    return fail(std::string("stored maintenance window is not a JSON object but ") +
                object.type_name());
  }
  const StoredWindowReader read(object);
  MaintenanceWindow w;

  auto id = read.text("id");
  if (!id) return std::unexpected(id.error());
  w.id = std::move(*id);
  auto org = read.text("org");
  if (!org) return std::unexpected(org.error());
  w.org = std::move(*org);
  auto scope_text = read.text("scope");
  if (!scope_text) return std::unexpected(scope_text.error());
  auto scope = parse_scope(*scope_text);
  if (!scope) return read.problem("has an unknown scope '" + *scope_text + "'");
  w.scope = *scope;
  auto scope_id = read.optional_text("scope_id");
  if (!scope_id) return std::unexpected(scope_id.error());
  w.scope_id = std::move(*scope_id);
  auto scope_name = read.optional_text("scope_name");
  if (!scope_name) return std::unexpected(scope_name.error());
  w.scope_name = std::move(*scope_name);

  auto start = read.optional_time("start");
  if (!start) return std::unexpected(start.error());
  w.start = *start;
  auto end = read.optional_time("end");
  if (!end) return std::unexpected(end.error());
  w.end = *end;
  auto recurrence = read.optional_text("recurrence");
  if (!recurrence) return std::unexpected(recurrence.error());
  w.recurrence = recurrence->value_or("");
  auto duration = read.optional_text("duration");
  if (!duration) return std::unexpected(duration.error());
  if (*duration) {
    auto parsed = parse_duration(**duration);
    if (!parsed) return read.problem("has `duration` that is not a duration");
    w.duration = *parsed;
  }
  auto timezone = read.optional_text("timezone");
  if (!timezone) return std::unexpected(timezone.error());
  w.timezone = timezone->value_or("");
  if (w.recurring() ? (!*duration || w.start || w.end) : (!w.start || !w.end)) {
    return read.problem("has neither start and end nor recurrence and duration");
  }

  auto reason = read.text("reason");
  if (!reason) return std::unexpected(reason.error());
  w.reason = std::move(*reason);
  auto provisioned = read.member("provisioned");
  if (!provisioned) return std::unexpected(provisioned.error());
  if (!(*provisioned)->is_boolean()) return read.wrong_type("provisioned", **provisioned);
  w.provisioned = (*provisioned)->get<bool>();
  auto created_at = read.optional_time("created_at");
  if (!created_at) return std::unexpected(created_at.error());
  w.created_at = *created_at;
  auto created_by = read.optional_text("created_by");
  if (!created_by) return std::unexpected(created_by.error());
  w.created_by = created_by->value_or("");
  return w;
}

}  // namespace slamon
