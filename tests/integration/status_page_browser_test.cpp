// Status pages (SPEC §14) end to end: the real slamon daemon on the integration fleet (a real
// Prometheus) plus a second organization, a few fast cycles of history, and the page loaded
// in headless Chromium (Debian's `chromium`). The screenshot is kept under the build tree for
// people to look at; the dumped DOM must show the fleet's policies and badges, never the other
// organization's policy, and Chromium must report no Content-Security-Policy violation.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "integration/fleet.h"
#include "integration/slamon_daemon.h"
#include "support/child_process.h"

namespace slamon::integration {

using testing::run_to_completion;
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kOtherOrg = "0be70000-0000-4000-8000-000000000002";
constexpr const char* kOtherSite = "0be70000-0000-4000-8000-0000000000f1";
constexpr const char* kOtherPolicyId = "zulu-secret-uptime";
constexpr const char* kOtherPolicyName = "Zulu secret uptime";

std::filesystem::path output_dir() {
  return std::filesystem::path(STATUS_PAGE_OUTPUT_DIR);
}

class StatusPageBrowser : public FleetTest {
 protected:
  // The fleet, a second organization with a policy of its own, a public page for the fleet's
  // organization and a private one for the other.
  FleetFiles write_files() {
    FleetFiles files = write_fleet();
    FleetOptions options;
    options.prometheus_url = prometheus_url();
    std::string config = fleet_main_config(options);
    config += std::string(R"(auth:
  tokens:
    - {name: other-viewer, token_file: other.token, org: )") +
              kOtherOrg + R"(, role: viewer}
status_pages:
  - slug: integration
    org: )" + kOrg +
              R"(
    title: "Integration <fleet> status"
    public: true
  - slug: other-private
    org: )" + kOtherOrg +
              R"(
    title: Other private
)";
    dir_.write("slamon.yml", config);
    dir_.write("other.token", "other-token-7d1c\n");
    dir_.write("inventory/other.yml", std::string(R"(organizations:
  - id: )") + kOtherOrg + R"(
    name: Other Org
    sites:
      - {id: )" + kOtherSite + R"(, name: Zulu}
)");
    dir_.write("rules/other.yml", std::string(R"(policies:
  - id: )") + kOtherPolicyId + R"(
    org: )" + kOtherOrg + R"(
    name: )" + kOtherPolicyName + R"(
    scope: site
    scope_id: )" + kOtherSite + R"(
    thresholds: {uptime_percent_min: 99}
)");
    return files;
  }
};

TEST_F(StatusPageBrowser, ChromiumRendersThePublicPageWithoutCspViolations) {
  ASSERT_TRUE(std::filesystem::exists(kChromium))
      << kChromium << " is missing: install Debian's chromium (scripts/install-deps.sh)";
  const FleetFiles files = write_files();
  auto started = SlamonDaemon::start(files.config, dir_.path(), "slamon");
  ASSERT_TRUE(started) << started.error().message;
  SlamonDaemon& daemon = **started;
  // A few 1-second cycles: a timeline, measured values and the fleet's two breaches.
  ASSERT_TRUE(daemon.wait_for_evaluations(4));

  const auto answer = daemon.get("/status/integration");
  ASSERT_TRUE(answer) << answer.error().message;
  ASSERT_EQ(answer->status, 200) << answer->body;
  EXPECT_EQ(answer->header("content-type"), "text/html; charset=utf-8");
  const std::string csp = answer->header("content-security-policy");
  EXPECT_NE(csp.find("style-src 'sha256-"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
  EXPECT_EQ(answer->header("x-content-type-options"), "nosniff");

  // A private page, a missing one: the same 404 without a token.
  const auto hidden = daemon.get("/status/other-private");
  ASSERT_TRUE(hidden);
  EXPECT_EQ(hidden->status, 404);
  const auto missing = daemon.get("/status/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(hidden->body, missing->body);

  std::filesystem::create_directories(output_dir());
  const std::filesystem::path screenshot = output_dir() / "status_page.png";
  std::filesystem::remove(screenshot);
  const std::string url =
      "http://127.0.0.1:" + std::to_string(daemon.port()) + "/status/integration";
  const std::vector<std::string> common{kChromium,
                                        "--headless",
                                        "--no-sandbox",
                                        "--disable-gpu",
                                        "--no-first-run",
                                        "--disable-extensions",
                                        "--disable-dev-shm-usage",
                                        "--hide-scrollbars",
                                        "--user-data-dir=" + (dir_.path() / "chromium").string(),
                                        "--enable-logging=stderr",
                                        "--v=0"};

  std::vector<std::string> shoot = common;
  shoot.push_back("--screenshot=" + screenshot.string());
  shoot.push_back("--window-size=1200,2600");
  shoot.push_back(url);
  const auto shot =
      run_to_completion(shoot, dir_.path(), "chromium-screenshot", std::chrono::seconds(90));
  ASSERT_TRUE(shot) << shot.error().message;
  EXPECT_EQ(shot->status.code(), 0) << shot->err;
  ASSERT_TRUE(std::filesystem::exists(screenshot)) << shot->err;
  EXPECT_GT(std::filesystem::file_size(screenshot), 10'000u);
  std::cout << "status page screenshot: " << screenshot.string() << std::endl;

  std::vector<std::string> dump = common;
  dump.push_back("--dump-dom");
  dump.push_back(url);
  const auto dom = run_to_completion(dump, dir_.path(), "chromium-dom", std::chrono::seconds(90));
  ASSERT_TRUE(dom) << dom.error().message;
  EXPECT_EQ(dom->status.code(), 0) << dom->err;
  std::ofstream(output_dir() / "status_page.html") << dom->out;

  const std::string& text = dom->out;
  EXPECT_NE(text.find("<h1>Integration &lt;fleet&gt; status</h1>"), std::string::npos) << text;
  EXPECT_NE(text.find(kAlphaPolicyName), std::string::npos);
  EXPECT_NE(text.find("Bravo site uptime"), std::string::npos);
  EXPECT_NE(text.find("Charlie site latency"), std::string::npos);
  // Badges: Alpha measures 100 % against 99.5 %, Bravo 90 %.
  EXPECT_NE(text.find("100 % (target 99.5 %)</span><span class=\"b-state\">Met"), std::string::npos)
      << text;
  EXPECT_NE(text.find("90 % (target 99.5 %)</span><span class=\"b-state\">Not met"),
            std::string::npos);
  EXPECT_NE(text.find("Major outage"), std::string::npos);  // Charlie's critical breach
  EXPECT_NE(text.find("<td>latency_ms</td><td class=\"sev-critical\">critical</td>"),
            std::string::npos);
  EXPECT_NE(text.find("Latency (latency_ms), daily percentiles"), std::string::npos);
  for (const char* foreign : {kOtherPolicyId, kOtherPolicyName, "Other Org", "Zulu"}) {
    EXPECT_EQ(text.find(foreign), std::string::npos) << foreign;
  }

  // Chromium logs a refused stylesheet, script or fetch as a CSP console message.
  for (const std::string* log : {&shot->err, &dom->err}) {
    EXPECT_EQ(log->find("Content Security Policy"), std::string::npos) << *log;
    EXPECT_EQ(log->find("Content-Security-Policy"), std::string::npos) << *log;
  }
  ASSERT_TRUE(daemon.stop());
}

}  // namespace
}  // namespace slamon::integration
