// The SPEC §10 report schedule endpoints through ApiWorld's HTTP server: the provisioned
// schedule with its next run (across a DST change) and last run, create → list → replace →
// delete, every validation refusal naming its field, 404 for policies the caller may not read,
// 409 for provisioned schedules and taken names, 403 for a viewer's writes, cross-tenant and
// site-grant 404s, hostile ids, and the scheduler told of every write and of nothing else.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_client.h"
#include "api_fixture.h"
#include "common/time_format.h"

namespace slamon::api::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kSchedules = "/api/v1/sla/report-schedules";
const std::string kAdmin = ApiWorld::token("a-org-admin");
const std::string kAdminA1 = ApiWorld::token("a-org-admin-a1");
const std::string kViewer = ApiWorld::token("a-viewer");
const std::string kAdminB = ApiWorld::token("b-org-admin");

json schedule_body(const std::string& name = "Weekly ops") {
  return json{{"name", name},
              {"cron", "0 7 * * mon"},
              {"timezone", "Europe/Berlin"},
              {"period", "previous_week"},
              {"policy_ids", {kProvA1, kProvOrgA}},
              {"format", "csv"},
              {"title", "Weekly ops report"},
              {"notifiers", {kReportHook}}};
}

WallTime at(const std::string& rfc3339) {
  return parse_rfc3339(rfc3339).value();
}

// Does the 422 `reply` name `field` (or an item of it) in its details?
bool names_field(const Reply& reply, const std::string& field) {
  const json answer = reply.json();
  for (const json& detail : answer["error"]["details"]) {
    const std::string named = detail.value("field", "");
    if (named == field || named.starts_with(field + "[") || named.starts_with(field + ".")) {
      return true;
    }
  }
  return false;
}

class ScheduleApiTest : public ::testing::Test {
 protected:
  ScheduleApiTest() : client_(world_.port()) {}

  Reply put(const std::string& id, const json& body, const std::string& token = kAdmin) {
    return client_.send({"PUT", kSchedules + "/" + id, bearer(token), body.dump()});
  }
  // Creates a schedule; returns its id.
  std::string create(const json& body = schedule_body(), const std::string& token = kAdmin) {
    const Reply reply = client_.post(kSchedules, token, body.dump());
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.json().value("id", "");
  }
  json list(const std::string& token = kAdmin, const std::string& query = "") {
    const Reply reply = client_.get(kSchedules + query, token);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.json();
  }

  ApiWorld world_;
  ApiClient client_;
};

TEST_F(ScheduleApiTest, ListsTheProvisionedScheduleWithItsNextRunAcrossDst) {
  // 2027-01-15 08:00 UTC: the next first of a month at 06:00 Berlin time is in winter time.
  json listed = list(kViewer);
  ASSERT_EQ(listed["total"], 1) << listed.dump();
  EXPECT_EQ(listed["limit"], 50);
  EXPECT_EQ(listed["offset"], 0);
  const json& item = listed["items"][0];
  EXPECT_EQ(item["id"], kProvisionedSchedule);
  EXPECT_EQ(item["org"], kOrgA);
  EXPECT_EQ(item["name"], "Provisioned monthly");
  EXPECT_EQ(item["cron"], "0 6 1 * *");
  EXPECT_EQ(item["timezone"], "Europe/Berlin");
  EXPECT_EQ(item["period"], "previous_month");
  EXPECT_EQ(item["policy_ids"], json({kProvA1}));
  EXPECT_EQ(item["format"], "pdf");
  EXPECT_EQ(item["title"], "Provisioned monthly");
  EXPECT_EQ(item["notifiers"], json({kReportHook}));
  EXPECT_EQ(item["provisioned"], true);
  EXPECT_TRUE(item["created_at"].is_null());
  EXPECT_TRUE(item["created_by"].is_null());
  EXPECT_TRUE(item["last_run_at"].is_null());
  EXPECT_EQ(item["next_run_at"], format_rfc3339(at("2027-02-01T05:00:00Z")));

  // In March the next one falls after the change to summer time (UTC+2).
  world_.clock().set(at("2027-03-15T12:00:00Z"));
  EXPECT_EQ(list(kViewer)["items"][0]["next_run_at"], format_rfc3339(at("2027-04-01T04:00:00Z")));
}

TEST_F(ScheduleApiTest, LastRunIsTheLatestRecordedRun) {
  const WallTime due = at("2027-01-01T05:00:00Z");
  StoredReport report;
  report.id = "3b0f6a8e-1d2c-4e5f-8a9b-0c1d2e3f4a5b";
  report.org = kOrgA;
  report.title = "Provisioned monthly";
  report.period_start = at("2026-11-30T23:00:00Z");
  report.period_end = at("2026-12-31T23:00:00Z");
  report.format = "pdf";
  report.policy_ids = {kProvA1};
  report.created_at = due + 3s;
  report.created_by = "schedule:" + kProvisionedSchedule;
  const ReportScheduleRun run{kProvisionedSchedule,  due,       kOrgA,
                              "Provisioned monthly", report.id, {kReportHook},
                              "Europe/Berlin",       due + 3s};
  ASSERT_TRUE(world_.store().record_report_schedule_run(run, report));
  const json item = list()["items"][0];
  EXPECT_EQ(item["last_run_at"], format_rfc3339(due + 3s)) << item.dump();
  EXPECT_EQ(item["next_run_at"], format_rfc3339(at("2027-02-01T05:00:00Z")));
}

TEST_F(ScheduleApiTest, CreateListReplaceDeleteRoundTrip) {
  const Reply created = client_.post(kSchedules, kAdmin, schedule_body().dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const json schedule = created.json();
  const std::string id = schedule.value("id", "");
  EXPECT_EQ(id.size(), 36u) << "a UUID: " << id;
  EXPECT_EQ(created.header("location"), kSchedules + "/" + id);
  EXPECT_EQ(schedule["org"], kOrgA);
  EXPECT_EQ(schedule["name"], "Weekly ops");
  EXPECT_EQ(schedule["period"], "previous_week");
  EXPECT_EQ(schedule["policy_ids"], json({kProvA1, kProvOrgA}));
  EXPECT_EQ(schedule["format"], "csv");
  EXPECT_EQ(schedule["notifiers"], json({kReportHook}));
  EXPECT_EQ(schedule["provisioned"], false);
  EXPECT_EQ(schedule["created_at"], format_rfc3339(kStart));
  EXPECT_EQ(schedule["created_by"], "a-org-admin");
  EXPECT_TRUE(schedule["last_run_at"].is_null());
  // Friday 2027-01-15: the next Monday 07:00 Berlin time.
  EXPECT_EQ(schedule["next_run_at"], format_rfc3339(at("2027-01-18T06:00:00Z")));
  EXPECT_EQ(world_.schedule_changes(), 1);
  // Occurrences before its creation never run.
  EXPECT_EQ(world_.store().report_schedule_since(id, kStart + 1h).value_or(WallTime{}), kStart);

  json listed = list(kViewer);
  ASSERT_EQ(listed["total"], 2) << listed.dump();
  EXPECT_EQ(listed["items"][0]["id"], kProvisionedSchedule) << "the file's come first";
  EXPECT_EQ(listed["items"][1], schedule);
  EXPECT_EQ(list(kViewer, "?limit=1&offset=1")["items"], json::array({schedule}));

  // The same timing: counting goes on from the creation.
  world_.clock().advance(1h);
  json changed = schedule_body();
  changed["title"] = "Renamed title";
  Reply replaced = put(id, changed);
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(replaced.json()["title"], "Renamed title");
  EXPECT_EQ(replaced.json()["created_at"], format_rfc3339(kStart));
  EXPECT_EQ(world_.store().report_schedule_since(id, kStart + 1h).value_or(WallTime{}), kStart);

  // A new cron: counting starts again now.
  changed["cron"] = "0 6 1 * *";
  changed["period"] = "previous_month";
  changed.erase("timezone");  // the organization's zone, else UTC
  replaced = put(id, changed);
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(replaced.json()["timezone"], "UTC");
  EXPECT_EQ(replaced.json()["next_run_at"], format_rfc3339(at("2027-02-01T06:00:00Z")));
  EXPECT_EQ(world_.store().report_schedule_since(id, kStart + 2h).value_or(WallTime{}),
            kStart + 1h);
  EXPECT_EQ(list(kViewer)["items"][1], replaced.json());
  EXPECT_EQ(world_.schedule_changes(), 3);

  const Reply deleted = client_.del(kSchedules + "/" + id, kAdmin);
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_TRUE(deleted.body.empty());
  EXPECT_EQ(list(kViewer)["total"], 1);
  EXPECT_EQ(world_.schedule_changes(), 4);
  EXPECT_TRUE(is_api_error(client_.del(kSchedules + "/" + id, kAdmin), 404, "not_found"));
  EXPECT_TRUE(is_api_error(put(id, changed), 404, "not_found"));
  EXPECT_EQ(world_.schedule_changes(), 4);
}

TEST_F(ScheduleApiTest, InvalidBodiesAre422NamingTheField) {
  struct Row {
    const char* name;
    std::function<void(json&)> change;
    const char* field;
  };
  const Row rows[] = {
      {"four cron fields", [](json& b) { b["cron"] = "0 6 1 *"; }, "cron"},
      {"minute 61", [](json& b) { b["cron"] = "61 6 1 * *"; }, "cron"},
      {"RRULE", [](json& b) { b["cron"] = "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=6"; }, "cron"},
      {"no cron", [](json& b) { b.erase("cron"); }, "cron"},
      {"unknown zone", [](json& b) { b["timezone"] = "Mars/Olympus_Mons"; }, "timezone"},
      {"bad period", [](json& b) { b["period"] = "last_month"; }, "period"},
      {"no period", [](json& b) { b.erase("period"); }, "period"},
      {"format xlsx", [](json& b) { b["format"] = "xlsx"; }, "format"},
      {"unknown notifier", [](json& b) { b["notifiers"] = {"nobody"}; }, "notifiers"},
      {"alertmanager notifier", [](json& b) { b["notifiers"] = {kAlertmanager}; }, "notifiers"},
      {"empty policy_ids", [](json& b) { b["policy_ids"] = json::array(); }, "policy_ids"},
      {"policy twice",
       [](json& b) {
         b["policy_ids"] = {kProvA1, kProvA1};
       },
       "policy_ids"},
      {"no name", [](json& b) { b.erase("name"); }, "name"},
      {"name too long", [](json& b) { b["name"] = std::string(201, 'n'); }, "name"},
      {"unknown key", [](json& b) { b["path"] = "/etc/passwd"; }, "path"},
      {"id given", [](json& b) { b["id"] = "mine"; }, "id"},
      {"org given", [](json& b) { b["org"] = kOrgB; }, "org"},
      {"provisioned given", [](json& b) { b["provisioned"] = true; }, "provisioned"},
      {"next_run_at given", [](json& b) { b["next_run_at"] = "2027-02-01T05:00:00Z"; },
       "next_run_at"},
  };
  const std::string existing = create(schedule_body("Existing"));
  for (const Row& row : rows) {
    json body = schedule_body();
    row.change(body);
    for (const bool replacing : {false, true}) {
      SCOPED_TRACE(std::string(row.name) + (replacing ? " (PUT)" : " (POST)"));
      const Reply reply =
          replacing ? put(existing, body) : client_.post(kSchedules, kAdmin, body.dump());
      EXPECT_TRUE(is_api_error(reply, 422, "validation_failed")) << reply.body;
      EXPECT_TRUE(names_field(reply, row.field)) << reply.body;
    }
  }
  // Every problem at once.
  json body = schedule_body();
  body["cron"] = "RRULE:FREQ=DAILY";
  body["format"] = "xlsx";
  body["id"] = "mine";
  const Reply reply = client_.post(kSchedules, kAdmin, body.dump());
  EXPECT_TRUE(names_field(reply, "cron") && names_field(reply, "format") &&
              names_field(reply, "id"))
      << reply.body;
  EXPECT_EQ(list()["total"], 2) << "nothing stored";
  EXPECT_EQ(world_.schedule_changes(), 1);
}

TEST_F(ScheduleApiTest, PoliciesTheCallerMayNotReadAre404AlikeAsForReports) {
  json missing = schedule_body();
  missing["policy_ids"] = {"no-such-policy"};
  json foreign = schedule_body();
  foreign["policy_ids"] = {kProvB1};
  json outside = schedule_body();
  outside["policy_ids"] = {kProvA1, kProvA2};
  const Reply missing_reply = client_.post(kSchedules, kAdmin, missing.dump());
  const Reply foreign_reply = client_.post(kSchedules, kAdmin, foreign.dump());
  const Reply outside_reply = client_.post(kSchedules, kAdminA1, outside.dump());
  const Reply report_reply = client_.post("/api/v1/sla/reports/generate", kAdmin,
                                          json{{"period_start", format_rfc3339(kStart - 24h)},
                                               {"period_end", format_rfc3339(kStart)},
                                               {"policy_ids", {"no-such-policy"}},
                                               {"format", "pdf"}}
                                              .dump());
  for (const Reply* reply : {&missing_reply, &foreign_reply, &outside_reply, &report_reply}) {
    EXPECT_TRUE(is_api_error(*reply, 404, "not_found")) << reply->body;
    EXPECT_EQ(reply->body, missing_reply.body);
  }
  // Replacing alike.
  const std::string id = create();
  EXPECT_EQ(put(id, foreign).body, missing_reply.body);
  EXPECT_EQ(list()["total"], 2);
  EXPECT_EQ(world_.schedule_changes(), 1);
}

TEST_F(ScheduleApiTest, ProvisionedSchedulesAndTakenNamesAre409) {
  const Reply put_provisioned = put(kProvisionedSchedule, schedule_body());
  EXPECT_TRUE(is_api_error(put_provisioned, 409, "conflict")) << put_provisioned.body;
  EXPECT_NE(
      put_provisioned.json()["error"]["message"].get<std::string>().find("configuration file"),
      std::string::npos);
  EXPECT_TRUE(
      is_api_error(client_.del(kSchedules + "/" + kProvisionedSchedule, kAdmin), 409, "conflict"));
  // Ids are compared in lower case, as the file's are stored.
  EXPECT_TRUE(is_api_error(client_.del(kSchedules + "/MONTHLY-A", kAdmin), 409, "conflict"));

  // The file's schedule's name, and another API schedule's.
  EXPECT_TRUE(
      is_api_error(client_.post(kSchedules, kAdmin, schedule_body("Provisioned monthly").dump()),
                   409, "conflict"));
  const std::string first = create(schedule_body("First"));
  const std::string second = create(schedule_body("Second"));
  EXPECT_TRUE(is_api_error(client_.post(kSchedules, kAdmin, schedule_body("First").dump()), 409,
                           "conflict"));
  EXPECT_TRUE(is_api_error(put(second, schedule_body("First")), 409, "conflict"));
  EXPECT_TRUE(is_api_error(put(second, schedule_body("Provisioned monthly")), 409, "conflict"));
  // Keeping its own name is no conflict; another org may use any name.
  EXPECT_EQ(put(second, schedule_body("Second")).status, 200);
  json org_b = schedule_body("First");
  org_b["policy_ids"] = {kProvB1};
  org_b.erase("notifiers");
  EXPECT_EQ(client_.post(kSchedules, kAdminB, org_b.dump()).status, 201);
  EXPECT_EQ(list()["total"], 3);
  EXPECT_EQ(world_.schedule_changes(), 4);
}

TEST_F(ScheduleApiTest, ViewerMayListButNotWrite) {
  const std::string id = create();
  EXPECT_EQ(list(kViewer)["total"], 2);
  EXPECT_TRUE(is_api_error(client_.post(kSchedules, kViewer, schedule_body("Other").dump()), 403,
                           "forbidden"));
  EXPECT_TRUE(is_api_error(put(id, schedule_body(), kViewer), 403, "forbidden"));
  EXPECT_TRUE(is_api_error(client_.del(kSchedules + "/" + id, kViewer), 403, "forbidden"));
  EXPECT_EQ(list()["total"], 2);
  EXPECT_EQ(world_.schedule_changes(), 1);
}

TEST_F(ScheduleApiTest, AnotherOrgsScheduleIs404LikeAMissingOne) {
  const std::string id = create();
  const Reply missing = client_.del(kSchedules + "/5e0c5d1a-0000-4000-8000-000000000000", kAdminB);
  json org_b = schedule_body();
  org_b["policy_ids"] = {kProvB1};
  for (const Reply& reply : {client_.del(kSchedules + "/" + id, kAdminB), put(id, org_b, kAdminB),
                             put(kProvisionedSchedule, org_b, kAdminB),
                             client_.del(kSchedules + "/" + kProvisionedSchedule, kAdminB)}) {
    EXPECT_TRUE(is_api_error(reply, 404, "not_found")) << reply.body;
    EXPECT_EQ(reply.body, missing.body);
  }
  const json listed = list(kAdminB);
  EXPECT_EQ(listed["total"], 0) << listed.dump();
  EXPECT_EQ(list()["total"], 2) << "org A's schedule is untouched";
  EXPECT_EQ(world_.schedule_changes(), 1);
}

TEST_F(ScheduleApiTest, HostileIdsAre404) {
  const Reply missing = client_.del(kSchedules + "/no-such-schedule", kAdmin);
  EXPECT_TRUE(is_api_error(missing, 404, "not_found")) << missing.body;
  for (const std::string& id : std::vector<std::string>{
           "%2e%2e", "..%2f..%2fetc%2fpasswd", "x'%20OR%20'1'='1", "%00", std::string(500, 'a'),
           "%E2%9C%93", "monthly-a%2f", "monthly-a%20"}) {
    SCOPED_TRACE(id.substr(0, 40));
    const Reply deleted = client_.del(kSchedules + "/" + id, kAdmin);
    EXPECT_EQ(deleted.status, 404) << deleted.body;
    const Reply replaced = put(id, schedule_body());
    EXPECT_EQ(replaced.status, 404) << replaced.body;
  }
  EXPECT_EQ(list()["total"], 1);
}

TEST_F(ScheduleApiTest, SiteGrantSeesAndWritesOnlySchedulesWithinItsSites) {
  json a2 = schedule_body("At A2");
  a2["policy_ids"] = {kProvA2};
  const std::string outside = create(a2);
  json a1 = schedule_body("At A1");
  a1["policy_ids"] = {kProvA1};
  const std::string inside = create(a1, kAdminA1);

  const json listed = list(kAdminA1);
  ASSERT_EQ(listed["total"], 2) << listed.dump();
  EXPECT_EQ(listed["items"][0]["id"], kProvisionedSchedule);
  EXPECT_EQ(listed["items"][1]["id"], inside);
  EXPECT_EQ(list()["total"], 3);

  const Reply missing = client_.del(kSchedules + "/no-such-schedule", kAdminA1);
  for (const Reply& reply :
       {client_.del(kSchedules + "/" + outside, kAdminA1), put(outside, a1, kAdminA1)}) {
    EXPECT_TRUE(is_api_error(reply, 404, "not_found")) << reply.body;
    EXPECT_EQ(reply.body, missing.body);
  }
  // Moving a visible schedule out of the grant is refused like naming any unreadable policy.
  EXPECT_TRUE(is_api_error(put(inside, a2, kAdminA1), 404, "not_found"));
  EXPECT_EQ(put(inside, a1, kAdminA1).status, 200);
  EXPECT_EQ(client_.del(kSchedules + "/" + inside, kAdminA1).status, 204);
  EXPECT_EQ(list()["total"], 2);
}

TEST_F(ScheduleApiTest, PagingIsCheckedLikeEveryList) {
  EXPECT_TRUE(
      is_api_error(client_.get(kSchedules + "?limit=201", kViewer), 422, "validation_failed"));
  EXPECT_TRUE(
      is_api_error(client_.get(kSchedules + "?offset=-1", kViewer), 422, "validation_failed"));
  const json empty_page = list(kViewer, "?offset=5");
  EXPECT_EQ(empty_page["total"], 1);
  EXPECT_EQ(empty_page["items"], json::array());
}

}  // namespace
}  // namespace slamon::api::testing
