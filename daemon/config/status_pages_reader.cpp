// Status pages (SPEC §14): `status_pages:` of slamon.yml. Each page names its organization,
// which must be in the inventory, so this runs after the inventory is indexed.
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <string>

#include "common/strings.h"
#include "config/loader_internal.h"

namespace slamon::config_detail {
namespace {

using namespace std::string_view_literals;

constexpr std::array kPageKeys{"slug"sv, "org"sv, "title"sv, "public"sv, "policies"sv};
constexpr std::array kPolicySelectionKeys{"labels"sv};
constexpr std::size_t kMaxSlugLength = 64;
constexpr std::size_t kMaxTitleCharacters = 200;

// The page is served at /status/{slug}: a URL segment that needs no escaping.
bool is_page_slug(std::string_view slug) {
  return !slug.empty() && slug.size() <= kMaxSlugLength &&
         std::all_of(slug.begin(), slug.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
         });
}

void read_policy_selection(const Reporter& r, const Field& field, StatusPage& page) {
  const MapReader selection(r, field, kPolicySelectionKeys);
  if (!selection.ok()) return;
  const auto f = selection.get("labels");
  if (!f) return;
  page.policy_labels = read_label_map(r, *f, /*nonempty_values=*/true);
}

// Reads one page; reports into `r`. Returns whether it is valid.
bool read_page(const Reporter& r, const Field& item, const Config& config, StatusPage& page) {
  const std::size_t before = r.count();
  if (!item.value.IsDefined() || item.value.IsNull()) {
    r.error(item.value_mark, item.path, "expected a status page (a map), got nothing");
    return false;
  }
  const MapReader map(r, item, kPageKeys);
  if (!map.ok()) return false;
  if (auto f = map.require("slug")) {
    if (auto slug = read_nonempty_string(r, *f)) {
      if (!is_page_slug(*slug)) {
        r.error(f->value_mark, f->path,
                "must be 1 to 64 characters from a-z, 0-9 and - (such as northwind), got \"" +
                    *slug + "\"");
      } else {
        page.slug = *slug;
      }
    }
  }
  read_owner_org(r, map, config.inventory, page.org);
  if (auto f = map.require("title")) {
    if (auto title = read_nonempty_string(r, *f)) {
      if (utf8_length(*title) > kMaxTitleCharacters) {
        r.error(f->value_mark, f->path,
                "must be at most " + std::to_string(kMaxTitleCharacters) + " characters, got " +
                    std::to_string(utf8_length(*title)));
      } else {
        page.title = *title;
      }
    }
  }
  if (auto f = map.get("public")) {
    if (auto value = read_bool(r, *f)) page.public_page = *value;
  }
  if (auto f = map.get("policies")) read_policy_selection(r, *f, page);
  return r.count() == before;
}

}  // namespace

void read_status_pages(const Reporter& r, const Field& field, Config& config) {
  const auto items = read_list(r, field);
  if (!items) return;
  std::map<std::string, int> slugs;  // slug -> line
  for (const Field& item : *items) {
    StatusPage page;
    const bool valid = read_page(r, item, config, page);
    if (!page.slug.empty()) {
      const YAML::Node slug_node = item.value.IsMap() ? item.value["slug"] : YAML::Node();
      const YAML::Mark at = slug_node.IsDefined() ? slug_node.Mark() : item.value_mark;
      const auto [existing, inserted] = slugs.emplace(page.slug, at.line + 1);
      if (!inserted) {
        r.error(at, join_path(item.path, "slug"),
                "duplicate status page slug `" + page.slug + "` (already used on line " +
                    std::to_string(existing->second) + ")");
        continue;
      }
    }
    if (valid) config.status_pages.push_back(std::move(page));
  }
}

}  // namespace slamon::config_detail
