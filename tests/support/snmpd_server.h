// SnmpdServer: a real net-snmp agent (/usr/sbin/snmpd) on 127.0.0.1 for tests and benchmarks,
// listening on one or many free UDP ports (one process serves them all, e.g. 1,000 simulated
// devices). It reads only its own snmpd.conf (given lines: rocommunity, createUser + rouser,
// override, ...), keeps its persistent files in a private temporary directory, and can serve
// "pass" tables from files the caller rewrites between polls (so values change without a
// restart). start() returns once the agent answers; the process is stopped (SIGTERM, then
// SIGKILL) and reaped when the object goes away. No GoogleTest dependency.
//
// Not thread-safe (one owner). Create it on the thread that destroys it: the child gets
// PR_SET_PDEATHSIG, so it also dies if that thread ends early (a crashed test leaves no agent).
// snmpd is single-threaded: a slow pass table delays every port of the same server.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

namespace slamon::testing {

// One object of a pass table. `type` is a pass type: integer, gauge, counter, timeticks,
// ipaddress, objectid, octet (space-separated hex) or string.
struct SnmpdPassValue {
  std::string oid;  // numeric, with or without a leading dot
  std::string type;
  std::string value;
};

// A subtree answered by a script that reads `values` from a file on every request.
struct SnmpdPassTable {
  std::string name;     // letters, digits, '_' and '-': names the script and its value file
  std::string subtree;  // e.g. "1.3.6.1.4.1.99999"
  std::vector<SnmpdPassValue> values;
  // Each request sleeps this long first (an agent slower than the poller's timeout).
  std::chrono::milliseconds delay{0};
  // `pass_persist` (one long-running awk program) rather than `pass` (a shell and awk forked
  // per object, ~5 ms each: a 25-repetition GETBULK running past the table forks 25 times).
  bool persistent = true;
};

struct SnmpdOptions {
  std::string snmpd_binary = "/usr/sbin/snmpd";
  std::string snmpget_binary = "/usr/bin/snmpget";  // readiness probe
  std::size_t port_count = 1;
  // Appended to snmpd.conf, e.g. "rocommunity public 127.0.0.1",
  // "createUser alice SHA-256 authpass123 AES-256 privpass123", "rouser alice authpriv",
  // "override 1.3.6.1.2.1.1.5.0 octet_str \"name\"".
  std::vector<std::string> config_lines;
  std::vector<SnmpdPassTable> pass_tables;
  std::vector<std::string> extra_args;  // e.g. {"-I", "-smux"} to skip MIB modules
  std::chrono::milliseconds ready_deadline{std::chrono::seconds(30)};
  std::chrono::milliseconds stop_deadline{std::chrono::seconds(5)};  // SIGTERM → SIGKILL
};

class SnmpdServer {
 public:
  // Starts snmpd on `port_count` free ports and waits until the first and the last answer.
  // The error carries snmpd's output.
  static Result<std::unique_ptr<SnmpdServer>> start(SnmpdOptions options = {});
  ~SnmpdServer();
  SnmpdServer(const SnmpdServer&) = delete;
  SnmpdServer& operator=(const SnmpdServer&) = delete;

  const std::vector<int>& ports() const { return ports_; }
  int port() const { return ports_.front(); }
  // "127.0.0.1:PORT" of port `index`.
  std::string address(std::size_t index = 0) const;
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::string log() const;

  // Replaces what pass table `name` serves; the file is swapped atomically, so a request sees
  // the old or the new values, never a mix.
  Status set_pass_values(const std::string& name, const std::vector<SnmpdPassValue>& values);

  // Stops the agent now (the destructor does it otherwise).
  void stop();

 private:
  SnmpdServer() = default;
  Status launch(const SnmpdOptions& options);
  Status wait_ready(const SnmpdOptions& options);

  TempDir dir_;
  std::filesystem::path config_file_;
  std::filesystem::path log_file_;
  std::string ready_community_;
  std::chrono::milliseconds stop_deadline_{0};
  std::vector<std::string> environment_;
  std::unique_ptr<ChildProcess> process_;  // after dir_: stopped before its files go
  std::vector<int> ports_;
};

}  // namespace slamon::testing
