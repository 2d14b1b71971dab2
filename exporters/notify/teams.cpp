#include "notify/teams.h"

#include <functional>
#include <utility>
#include <vector>

#include "notify/classify.h"
#include "notify/http_post.h"
#include "notify/text.h"

namespace slamon::notify {
namespace {

using nlohmann::json;

// Room left under the limit for what Teams adds around the payload.
constexpr std::size_t kSafetyMargin = 1024;

std::string_view adaptive_colour(Tone tone) {
  switch (tone) {
    case Tone::critical:
      return "Attention";
    case Tone::warning:
      return "Warning";
    case Tone::resolved:
      return "Good";
    case Tone::acknowledged:
      return "Accent";
    case Tone::info:
      return "Default";
  }
  return "Default";
}

std::string_view adaptive_container_style(Tone tone) {
  switch (tone) {
    case Tone::critical:
      return "attention";
    case Tone::warning:
      return "warning";
    case Tone::resolved:
      return "good";
    case Tone::acknowledged:
      return "accent";
    case Tone::info:
      return "emphasis";
  }
  return "default";
}

std::string more_text(std::size_t more) {
  return "and " + std::to_string(more) + " more";
}

// Builds a payload from the breach entries that fit: `build(entries, more)` makes the whole
// payload; `entry(i)` the entry of breach i. Entries are added in order while the payload stays
// under the limit, the rest counted in "and N more".
json fit_breaches(const Message& message,
                  const std::function<json(const std::vector<json>&, std::size_t)>& build,
                  const std::function<json(const BreachView&)>& entry) {
  const std::size_t total = message.breaches.size() + message.unreadable_breaches;
  if (total == 0) return build({}, 0);
  // The empty list with the widest possible count is the fixed cost.
  const std::size_t fixed = dump_json(build({}, total)).size();
  const std::size_t budget = kTeamsMaxPayloadBytes - kSafetyMargin;
  std::vector<json> entries;
  std::size_t used = fixed;
  for (const BreachView& breach : message.breaches) {
    json item = entry(breach);
    const std::size_t cost = dump_json(item).size() + 1;  // and its comma
    if (used + cost > budget) break;
    used += cost;
    entries.push_back(std::move(item));
  }
  json payload = build(entries, total - entries.size());
  // The estimate is exact up to separators; this only guards against a mistake in it.
  while (!entries.empty() && dump_json(payload).size() >= budget) {
    entries.pop_back();
    payload = build(entries, total - entries.size());
  }
  return payload;
}

json adaptive_text(std::string text, bool subtle = false) {
  json block = {{"type", "TextBlock"}, {"text", std::move(text)}, {"wrap", true}};
  if (subtle) block["isSubtle"] = true;
  return block;
}

json adaptive_actions(const Message& message) {
  json actions = json::array();
  for (const Link& link : message.links()) {
    actions.push_back({{"type", "Action.OpenUrl"}, {"title", link.label}, {"url", link.url}});
  }
  return actions;
}

}  // namespace

json teams_adaptive_card_payload(const Message& message) {
  json facts = json::array();
  for (const Fact& fact : message.facts()) {
    facts.push_back({{"title", fact.label}, {"value", fact.value}});
  }
  const auto build = [&](const std::vector<json>& entries, std::size_t more) {
    json header = {{"type", "Container"},
                   {"style", adaptive_container_style(message.tone)},
                   {"bleed", true},
                   {"items", json::array({{{"type", "TextBlock"},
                                           {"text", message.title},
                                           {"wrap", true},
                                           {"weight", "Bolder"},
                                           {"size", "Medium"},
                                           {"color", adaptive_colour(message.tone)}}})}};
    json body = json::array({std::move(header), {{"type", "FactSet"}, {"facts", facts}}});
    if (message.is_incident()) {
      json list = {{"type", "Container"}, {"items", json::array()}};
      list["items"].push_back(
          {{"type", "TextBlock"}, {"text", "Breaches"}, {"weight", "Bolder"}, {"wrap", true}});
      for (const json& entry : entries) list["items"].push_back(entry);
      if (more > 0) list["items"].push_back(adaptive_text(more_text(more), true));
      body.push_back(std::move(list));
    }
    json card = {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                 {"type", "AdaptiveCard"},
                 {"version", "1.4"},
                 {"msteams", {{"width", "Full"}}},
                 {"body", std::move(body)}};
    if (json actions = adaptive_actions(message); !actions.empty()) {
      card["actions"] = std::move(actions);
    }
    return json{
        {"type", "message"},
        {"attachments", json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                      {"contentUrl", nullptr},
                                      {"content", std::move(card)}}})}};
  };
  return fit_breaches(message, build, [](const BreachView& breach) {
    return adaptive_text("\xE2\x80\xA2 " + breach.summary());  // •
  });
}

json teams_message_card_payload(const Message& message) {
  json facts = json::array();
  for (const Fact& fact : message.facts()) {
    facts.push_back({{"name", fact.label}, {"value", fact.value}});
  }
  std::string colour(colour_hex(message.tone));
  colour.erase(0, 1);  // MessageCard wants the hex digits without '#'
  json actions = json::array();
  for (const Link& link : message.links()) {
    actions.push_back({{"@type", "OpenUri"},
                       {"name", link.label},
                       {"targets", json::array({{{"os", "default"}, {"uri", link.url}}})}});
  }
  const auto build = [&](const std::vector<json>& entries, std::size_t more) {
    json sections = json::array({{{"facts", facts}, {"markdown", false}}});
    if (message.is_incident()) {
      json lines = json::array();
      for (const json& entry : entries) lines.push_back(entry);
      if (more > 0) lines.push_back({{"name", "\xE2\x80\xA6"}, {"value", more_text(more)}});
      sections.push_back({{"title", "Breaches"}, {"facts", std::move(lines)}, {"markdown", false}});
    }
    json card = {{"@type", "MessageCard"}, {"@context", "https://schema.org/extensions"},
                 {"themeColor", colour},   {"summary", message.title},
                 {"title", message.title}, {"sections", std::move(sections)}};
    if (!actions.empty()) card["potentialAction"] = actions;
    return card;
  };
  return fit_breaches(message, build, [](const BreachView& breach) {
    std::string value = breach.metric + ' ' + breach.actual + " vs " + breach.threshold;
    if (!breach.deviation.empty()) value += " (deviation " + breach.deviation + ')';
    value += ", " + breach.severity + ", " + breach.scope_text;
    return json{{"name", breach.policy_name}, {"value", std::move(value)}};
  });
}

DeliveryResult TeamsNotifier::deliver(Message message, const Notification& /*notification*/,
                                      WallTime now) const {
  const json payload = config().teams_format == TeamsFormat::message_card
                           ? teams_message_card_payload(message)
                           : teams_adaptive_card_payload(message);
  const HttpRequest request = notifier_post(config(), config().url, dump_json(payload));
  return classify_http(http_send(request), request, now, notifier_secrets(config()));
}

}  // namespace slamon::notify
