#include "backtest/command.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "backtest/database.h"
#include "backtest/output.h"
#include "backtest/replay.h"
#include "backtest/sources.h"
#include "common/duration.h"
#include "common/time_format.h"

#ifdef SLAMON_BACKTEST_HAVE_HISTORY
#include "history/history.h"
#endif

namespace slamon::backtest {
namespace {

// The history, read from a private snapshot of the database so the live file is never written.
Result<ReplayReport> replay_history(const Config& config, const std::vector<Policy>& policies,
                                    const StepGrid& grid, const std::string& db_path) {
#ifdef SLAMON_BACKTEST_HAVE_HISTORY
  auto snapshot = DatabaseSnapshot::take(db_path);
  if (!snapshot) return std::unexpected(snapshot.error());
  RealClock clock;
  auto history = history::History::open((*snapshot)->path(), clock);
  if (!history) return fail("cannot open the history: " + history.error().message);
  HistoryReplaySource source(
      [&](const std::string& policy_id, Metric metric, WallTime from, WallTime to) {
        return (*history)->points(policy_id, metric, from, to);
      });
  return replay(config, policies, grid, source);
#else
  (void)config, (void)policies, (void)grid, (void)db_path;
  return fail("this build of slamon has no history: use --source=prometheus");
#endif
}

}  // namespace

Result<WallTime> parse_time(std::string_view text) {
  if (auto rfc3339 = parse_rfc3339(text, Rfc3339Syntax{.space_separator = true})) return *rfc3339;
  double seconds = 0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), seconds, std::chars_format::fixed);
  if (!text.empty() && ec == std::errc() && end == text.data() + text.size() &&
      std::isfinite(seconds) && seconds >= 0 && seconds < 1e11) {
    return WallTime(std::chrono::milliseconds(std::llround(seconds * 1000.0)));
  }
  return fail("\"" + std::string(text) +
              "\" is not a time: use RFC 3339 (2026-01-01T00:00:00Z) or Unix seconds");
}

int run_command(const CommandOptions& options, std::ostream& out, std::ostream& err) {
  auto usage_error = [&](const std::string& message) {
    err << "slamon backtest: " << message << '\n';
    return 1;
  };
  auto from = parse_time(options.from);
  if (!from) return usage_error("--from: " + from.error().message);
  auto to = parse_time(options.to);
  if (!to) return usage_error("--to: " + to.error().message);
  const auto step = parse_duration(options.step);
  if (!step) {
    return usage_error("--step: \"" + options.step +
                       "\" is not a duration (use Prometheus syntax: 30s, 5m, 1h)");
  }
  auto grid = make_grid(*from, *to, *step);
  if (!grid) return usage_error(grid.error().message);
  if (options.output != "table" && options.output != "json") {
    return usage_error("--output must be table or json");
  }
  if (options.source != "prometheus" && options.source != "history") {
    return usage_error("--source must be prometheus or history");
  }

  const LoadResult loaded = load_config(options.config_file, options.flags);
  if (!loaded.ok()) {
    for (const auto& d : loaded.diagnostics) err << d.to_string() << '\n';
    return 1;
  }
  const Config& config = *loaded.config;

  std::vector<std::string> notes;
  const std::string& db_path = config.global.storage_path;
  const bool have_db = !db_path.empty() && std::filesystem::is_regular_file(db_path);
  std::vector<Policy> api_policies;
  if (have_db) {
    auto read = read_api_policies(db_path);
    if (!read) return usage_error("cannot read the API policies: " + read.error().message);
    api_policies = std::move(*read);
  } else {
    notes.push_back("no database at " + db_path + ": only the policies of the rule files");
  }
  const std::vector<Policy> policies = merge_policies(config.policies, std::move(api_policies));

  Result<ReplayReport> report = fail("not run");
  if (options.source == "history") {
    if (!have_db) {
      return usage_error("--source=history reads slamon's database, and there is none at " +
                         db_path + " (set --storage.path)");
    }
    report = replay_history(config, policies, *grid, db_path);
  } else {
    auto source = PrometheusReplaySource::for_config(config);
    report = replay(config, policies, *grid, *source);
  }
  if (!report) return usage_error(report.error().message);
  out << (options.output == "json" ? render_json(*report, options.source, notes)
                                   : render_table(*report, options.source, notes));
  return 0;
}

}  // namespace slamon::backtest
