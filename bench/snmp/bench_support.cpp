#include "bench_support.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace slamon::bench::snmp {

OidSet oid_set(bool walk, int interfaces) {
  OidSet set;
  set.get.emplace_back(kSysUpTime);
  for (auto column : kColumns) {
    if (walk) {
      set.walk.emplace_back(column);
      continue;
    }
    for (int ifindex = 1; ifindex <= interfaces; ++ifindex) {
      set.get.push_back(std::string(column) + "." + std::to_string(ifindex));
    }
  }
  set.expected_varbinds = 1 + std::size(kColumns) * static_cast<std::size_t>(interfaces);
  return set;
}

namespace {

std::optional<int> parse_port(std::string_view text) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < 1 || value > 65535) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

Result<std::vector<int>> parse_ports(std::string_view list, bool interleave) {
  std::vector<std::vector<int>> parts;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto part = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    const auto dash = part.find('-');
    const auto first = parse_port(part.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : parse_port(part.substr(dash + 1));
    if (!first || !last || *last < *first) {
      return fail("bad port range '" + std::string(part) + "' (expected PORT or FIRST-LAST)");
    }
    auto& part_ports = parts.emplace_back();
    for (int port = *first; port <= *last; ++port) part_ports.push_back(port);
  }
  std::vector<int> ports;
  if (interleave) {
    for (std::size_t index = 0;; ++index) {
      bool any = false;
      for (const auto& part : parts) {
        if (index < part.size()) {
          ports.push_back(part[index]);
          any = true;
        }
      }
      if (!any) break;
    }
  } else {
    for (const auto& part : parts) ports.insert(ports.end(), part.begin(), part.end());
  }
  if (ports.empty()) return fail("no ports given");
  return ports;
}

double self_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::optional<double> process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  // The command name (field 2) may hold spaces; the fields after its closing ')' are fixed.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // After ')': state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  // utime(14) stime(15).
  for (int index = 3; index <= 13 && fields >> field; ++index) {
  }
  if (!(fields >> utime >> stime)) return std::nullopt;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::optional<long> proc_status_kib(pid_t pid, std::string_view field) {
  std::ifstream in(pid == 0 ? std::string("/proc/self/status")
                            : "/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > field.size() && line.starts_with(field) && line[field.size()] == ':') {
      return std::stol(line.substr(field.size() + 1));
    }
  }
  return std::nullopt;
}

std::size_t run_paced_rounds(int rounds, double interval_seconds,
                             const std::function<void(int round)>& round) {
  using SteadyClock = std::chrono::steady_clock;
  const auto interval = std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double>(interval_seconds));
  std::size_t late_rounds = 0;
  auto next_start = SteadyClock::now();
  for (int r = 1; r <= rounds; ++r) {
    if (interval.count() > 0) {
      if (SteadyClock::now() > next_start + std::chrono::milliseconds(100) && r > 1) {
        ++late_rounds;
      }
      std::this_thread::sleep_until(next_start);
      next_start += interval;
    }
    round(r);
  }
  return late_rounds;
}

void print_wall_figures(const std::vector<double>& walls) {
  std::printf("wall_round_median_s=%.4f\n", median(walls));
  std::printf("wall_round_max_s=%.4f\n", max_of(walls));
}

void print_memory_figures(std::string_view prefix, pid_t pid) {
  const std::string name(prefix);
  std::printf("%svmhwm_kib=%ld\n", name.c_str(), proc_status_kib(pid, "VmHWM").value_or(0));
  std::printf("%svmrss_kib=%ld\n", name.c_str(), proc_status_kib(pid, "VmRSS").value_or(0));
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto middle = values.size() / 2;
  return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

double max_of(const std::vector<double>& values) {
  return values.empty() ? 0 : *std::max_element(values.begin(), values.end());
}

}  // namespace slamon::bench::snmp
