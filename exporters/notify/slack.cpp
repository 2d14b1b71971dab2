#include "notify/slack.h"

#include <algorithm>
#include <utility>

#include "notify/classify.h"
#include "notify/http_post.h"
#include "notify/text.h"

namespace slamon::notify {
namespace {

using nlohmann::json;

// Slack's limits: a header's text 150 characters, a section's text 3000, 10 fields of 2000
// each per section, 50 blocks per message. Ours stay below them with room to spare.
constexpr std::size_t kMaxHeaderBytes = 150;
constexpr std::size_t kMaxSectionBytes = 2900;
constexpr std::size_t kMaxFieldBytes = 1900;
constexpr std::size_t kMaxFieldsPerSection = 10;
constexpr std::size_t kMaxBreachSections = 10;
constexpr std::size_t kMaxFallbackBytes = 2900;

json mrkdwn(std::string text) {
  return json{{"type", "mrkdwn"}, {"text", std::move(text)}};
}

json section(std::string text) {
  return json{{"type", "section"}, {"text", mrkdwn(std::move(text))}};
}

json fact_sections(const std::vector<Fact>& facts) {
  json blocks = json::array();
  for (std::size_t start = 0; start < facts.size(); start += kMaxFieldsPerSection) {
    json fields = json::array();
    const std::size_t end = std::min(facts.size(), start + kMaxFieldsPerSection);
    for (std::size_t i = start; i < end; ++i) {
      fields.push_back(mrkdwn(
          truncate_utf8("*" + slack_escape(facts[i].label) + "*\n" + slack_escape(facts[i].value),
                        kMaxFieldBytes)));
    }
    blocks.push_back(json{{"type", "section"}, {"fields", std::move(fields)}});
  }
  return blocks;
}

// An incident's breaches, one line each, packed into a few sections; the rest counted.
void add_breach_lines(const Message& message, json& blocks) {
  std::string current;
  std::size_t sections = 0;
  std::size_t listed = 0;
  for (const BreachView& breach : message.breaches) {
    const std::string line = "\xE2\x80\xA2 " + slack_escape(breach.summary()) + '\n';  // •
    if (current.size() + line.size() > kMaxSectionBytes) {
      if (sections + 1 == kMaxBreachSections) break;
      blocks.push_back(section(std::move(current)));
      current.clear();
      ++sections;
    }
    current += line;
    ++listed;
  }
  if (!current.empty()) blocks.push_back(section(std::move(current)));
  const std::size_t more = message.breaches.size() - listed + message.unreadable_breaches;
  if (more > 0) {
    blocks.push_back(
        json{{"type", "context"},
             {"elements", json::array({mrkdwn("and " + std::to_string(more) + " more")})}});
  }
}

json links_block(const std::vector<Link>& links) {
  std::string text;
  for (const Link& link : links) {
    if (!text.empty()) text += "  \xE2\x80\xA2  ";  // •
    text += "<" + link.url + "|" + slack_escape(link.label) + ">";
  }
  return json{{"type", "context"}, {"elements", json::array({mrkdwn(std::move(text))})}};
}

}  // namespace

json slack_payload(const Message& message) {
  std::string fallback = message.title;
  if (message.is_breach()) fallback += " \xE2\x80\x94 " + message.breaches.front().summary();
  fallback = truncate_utf8(fallback, kMaxFallbackBytes);

  json attachment_blocks = fact_sections(message.facts());
  if (message.is_incident()) add_breach_lines(message, attachment_blocks);
  if (const std::vector<Link> links = message.links(); !links.empty()) {
    attachment_blocks.push_back(links_block(links));
  }

  json header = {{"type", "header"},
                 {"text",
                  {{"type", "plain_text"},
                   {"text", truncate_utf8(message.title, kMaxHeaderBytes)},
                   {"emoji", false}}}};
  return json{{"text", slack_escape(fallback)},
              {"blocks", json::array({std::move(header)})},
              {"attachments", json::array({json{{"color", colour_hex(message.tone)},
                                                {"fallback", fallback},
                                                {"blocks", std::move(attachment_blocks)}}})}};
}

DeliveryResult SlackNotifier::deliver(Message message, const Notification& /*notification*/,
                                      WallTime now) const {
  const HttpRequest request =
      notifier_post(config(), config().url, dump_json(slack_payload(message)));
  const auto response = http_send(request);
  if (response && response->status == 200) {
    if (response->body == "ok") return delivered();
    // Slack reports a refused payload (invalid_blocks, no_text, ...) in a 200's body.
    return dead("HTTP 200 without \"ok\": " +
                body_excerpt(response->body, detail_secrets(request, notifier_secrets(config()))));
  }
  return classify_http(response, request, now, notifier_secrets(config()));
}

}  // namespace slamon::notify
