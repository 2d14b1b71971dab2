// UUIDs as slamon uses them: random v4 ids for breaches and events, name-based v5 ids for
// policies and report schedules written
// without an `id`. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace slamon {

std::string uuid_v4();
// UUIDv5 (SHA-1, RFC 4122 §4.3) of `name` in `namespace_uuid`; the namespace must be valid.
std::string uuid_v5(std::string_view namespace_uuid, std::string_view name);
// Canonical 8-4-4-4-12 hex form, either case.
bool is_uuid(std::string_view text);

// The namespace for policy ids derived from org + name (fixed forever: ids must stay stable).
inline constexpr std::string_view kPolicyIdNamespace = "6b1f3c0e-5a0e-4f7d-9b3a-51a1c0de5a11";
// The same for report schedules of the config file written without an `id`.
inline constexpr std::string_view kReportScheduleIdNamespace =
    "0d3c8a5e-2f4b-4c61-8e7a-9b5d1f2e3c4a";

}  // namespace slamon
