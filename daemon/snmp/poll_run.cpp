// How a poll runs: every target gets its own net-snmp single session (one UDP socket, opened
// when the target enters the window, closed when it is done), watched with epoll, so socket
// numbers above FD_SETSIZE are fine. Each target walks through steps — v3 engine-id discovery
// when its engine id is not known yet, the GET PDUs, then the walk requests — with one request
// in flight at a time; net-snmp's own retries and probe are off, and our deadlines (a heap)
// decide re-sends. Answers are matched by net-snmp (request-id / msgID) and handed to on_pdu,
// which accepts an answer to any attempt of the current request. The whole loop runs under
// the process-wide net-snmp lock except while waiting in epoll_wait.
#include "snmp/poll_run.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <deque>
#include <functional>
#include <queue>
#include <unordered_map>

#include "snmp/poller_net_snmp.h"

namespace slamon::snmp {
namespace {

using detail::PollerState;
using SteadyClock = std::chrono::steady_clock;
using detail::net_snmp_mutex;
using detail::OidBuffer;

enum class Step { probe, get, walk, done };
enum class Action { none, send, finish };

struct Attempt {
  long id = 0;  // request-id (v1/v2c) or msgID (v3): what net-snmp matches answers on
  SteadyClock::time_point sent_at;
};

struct Column {
  std::string prefix_text;
  std::vector<oid> prefix;
  std::vector<oid> last;  // the last row received (the prefix before the first)
  std::vector<Varbind> rows;
  bool done = false;
};

class PollRun;

struct TargetState {
  // net-snmp 5.9 writes an int through a request's callback pointer in one Report path (it
  // assumes its own synch_state there); this first member takes that write harmlessly.
  int net_snmp_scratch = 0;
  PollRun* run = nullptr;
  std::size_t index = 0;
  const Target* target = nullptr;
  int version = SNMP_VERSION_2c;
  int max_attempts = 1;
  std::chrono::milliseconds timeout{0};
  std::string peer;                            // transport spec, the engine-id cache key
  const detail::UsmParameters* usm = nullptr;  // v3
  detail::Session session;
  int fd = -1;

  Step step = Step::get;
  Action action = Action::none;

  // The request in flight: GET positions in target->get, or walked column positions.
  std::vector<std::size_t> items;
  std::vector<Attempt> attempts;
  std::uint64_t generation = 0;  // bumped per send and per answer; stale deadlines differ

  std::vector<Varbind> get_values;
  std::vector<char> get_filled;
  std::deque<std::size_t> get_pending;
  std::size_t get_chunk = 1;

  std::vector<Column> columns;
  std::string walk_key;  // PollerState::walk_rows
  long repetitions = 1;
  std::size_t columns_per_request = 1;

  bool discovered = false;  // the agent answered engine-id discovery in this poll
  int time_window_resends = 0;
  int engine_changes = 0;
  int receive_error = 0;  // net-snmp's error for the last answer that failed to parse
  bool round_trip_measured = false;

  Failure failure = Failure::none;
  std::string detail;
  PollResult result;
};

struct Deadline {
  SteadyClock::time_point at;
  std::size_t index;
  std::uint64_t generation;
  bool operator>(const Deadline& other) const { return at > other.at; }
};

std::string_view strip_dot(std::string_view oid_text) {
  if (oid_text.starts_with('.')) oid_text.remove_prefix(1);
  return oid_text;
}

int on_pdu(int operation, netsnmp_session* session, int reqid, netsnmp_pdu* pdu, void* magic);

class PollRun {
 public:
  PollRun(PollerState& impl, std::span<const Target> targets)
      : impl_(impl), states_(targets.size()) {
    for (std::size_t i = 0; i < targets.size(); ++i) {
      states_[i].run = this;
      states_[i].index = i;
      states_[i].target = &targets[i];
    }
    netsnmp_large_fd_set_init(&fd_set_, FD_SETSIZE);
  }
  ~PollRun() {
    for (auto& state : states_) state.session.close();
    netsnmp_large_fd_set_cleanup(&fd_set_);
  }
  PollRun(const PollRun&) = delete;
  PollRun& operator=(const PollRun&) = delete;

  std::vector<PollResult> run();
  // From on_pdu (inside snmp_sess_read2): an answer to one of the attempts in flight.
  void on_answer(TargetState& t, const netsnmp_pdu& pdu, const Attempt& attempt);

 private:
  void resolve_names();
  void start(TargetState& t);
  bool open(TargetState& t);
  void next_step(TargetState& t);
  void new_request(TargetState& t);
  void send_attempt(TargetState& t);
  netsnmp_pdu* build_pdu(TargetState& t);
  void settle(TargetState& t);
  void complete(TargetState& t);
  void read(TargetState& t);
  void expire(SteadyClock::time_point now);
  int wait_milliseconds(SteadyClock::time_point now);

  void finish(TargetState& t, Failure failure, std::string detail) {
    t.failure = failure;
    t.detail = std::move(detail);
    t.step = Step::done;
    t.action = Action::finish;
  }
  void on_report(TargetState& t, const netsnmp_pdu& pdu);
  void on_get_answer(TargetState& t, const netsnmp_pdu& pdu);
  void on_walk_answer(TargetState& t, const netsnmp_pdu& pdu);
  std::string timeout_detail(const TargetState& t) const;
  // The item of the request in flight that an answer's error-index names; nullopt, with the
  // target finished, when the index is out of range.
  std::optional<std::size_t> named_item(TargetState& t, const netsnmp_pdu& pdu);
  void finish_agent_error(TargetState& t, const netsnmp_pdu& pdu);

  PollerState& impl_;
  std::vector<TargetState> states_;
  std::unordered_map<std::string, Result<std::string>> resolved_;
  std::unordered_map<const SnmpSourceConfig*, Result<detail::UsmParameters>> usm_;
  netsnmp_large_fd_set fd_set_{};
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  std::size_t next_ = 0, active_ = 0, done_ = 0;
  std::size_t window_ = 0;
};

int on_pdu(int operation, netsnmp_session*, int, netsnmp_pdu* pdu, void* magic) {
  auto* t = static_cast<TargetState*>(magic);
  // Returning 0 for a Report leaves net-snmp's request entry alone (freed with the session):
  // returning 1 would make it re-send on notInTimeWindow by itself, behind our back.
  const int keep = (pdu != nullptr && pdu->command == SNMP_MSG_REPORT) ? 0 : 1;
  if (t == nullptr || pdu == nullptr || operation != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE) {
    if (t != nullptr && operation == NETSNMP_CALLBACK_OP_SEC_ERROR && t->step != Step::done) {
      t->receive_error = SNMPERR_USM_AUTHENTICATIONFAILURE;
    }
    return 1;
  }
  if (t->step == Step::done || t->action != Action::none) return keep;
  const long id = t->version == SNMP_VERSION_3 ? pdu->msgid : pdu->reqid;
  for (const auto& attempt : t->attempts) {
    if (attempt.id == id) {
      const Attempt answered = attempt;
      t->run->on_answer(*t, *pdu, answered);
      break;
    }
  }
  return keep;
}

std::vector<PollResult> PollRun::run() {
  resolve_names();
  window_ = std::max<std::size_t>(1, impl_.options.max_in_flight);
  std::array<epoll_event, 256> events{};
  while (done_ < states_.size()) {
    {
      std::lock_guard lock(net_snmp_mutex());
      while (active_ < window_ && next_ < states_.size()) {
        auto& t = states_[next_];
        if (!open(t)) break;  // out of descriptors: wait for a running target to end
        ++next_;
        start(t);
      }
    }
    if (done_ == states_.size()) break;
    const int ready = epoll_wait(impl_.epoll_fd, events.data(), static_cast<int>(events.size()),
                                 wait_milliseconds(SteadyClock::now()));
    std::lock_guard lock(net_snmp_mutex());
    for (int i = 0; i < ready; ++i) {
      auto& t = states_[events[static_cast<std::size_t>(i)].data.u64];
      if (t.step != Step::done && t.fd >= 0) read(t);
    }
    expire(SteadyClock::now());
  }
  std::vector<PollResult> results;
  results.reserve(states_.size());
  for (auto& state : states_) results.push_back(std::move(state.result));
  return results;
}

void PollRun::resolve_names() {
  std::vector<std::string> names;
  for (const auto& state : states_) {
    auto peer = detail::split_address(state.target->address);
    if (peer && !detail::is_ip_literal(peer->host) && !resolved_.contains(peer->host)) {
      resolved_.emplace(peer->host, fail("not resolved"));
      names.push_back(peer->host);
    }
  }
  if (names.empty()) return;
  auto addresses = detail::resolve_hosts(names);
  for (std::size_t i = 0; i < names.size(); ++i) {
    resolved_.insert_or_assign(names[i], std::move(addresses[i]));
  }
}

// Opens the target's session; false only when the process is out of descriptors and other
// targets are running (the target then waits for one of them to end).
bool PollRun::open(TargetState& t) {
  const Target& target = *t.target;
  if (target.credentials == nullptr) {
    finish(t, Failure::other, "no SNMP credentials");
    return true;
  }
  t.version = detail::snmp_version(*target.credentials);
  t.max_attempts = std::max(1, target.credentials->retries + 1);
  t.timeout = std::clamp<std::chrono::milliseconds>(target.timeout, std::chrono::milliseconds(1),
                                                    std::chrono::hours(1));
  if (target.get.empty() && target.walk.empty()) {
    finish(t, Failure::other, "nothing to poll");
    return true;
  }
  auto peer = detail::split_address(target.address);
  if (!peer) {
    finish(t, Failure::address, peer.error().message);
    return true;
  }
  std::string host = peer->host;
  if (!detail::is_ip_literal(host)) {
    const auto& resolved = resolved_.at(host);
    if (!resolved) {
      finish(t, Failure::address, resolved.error().message);
      return true;
    }
    host = *resolved;
  }
  t.peer = detail::transport_spec(host, peer->port);

  std::string_view engine;
  if (t.version == SNMP_VERSION_3) {
    auto found = usm_.find(target.credentials);
    if (found == usm_.end()) {
      found = usm_.emplace(target.credentials, detail::usm_parameters(*target.credentials)).first;
    }
    if (!found->second) {
      finish(t, Failure::authentication, found->second.error().message);
      return true;
    }
    t.usm = &*found->second;
    if (auto known = impl_.engine_ids.find(t.peer); known != impl_.engine_ids.end()) {
      engine = known->second;
    }
  }
  errno = 0;
  auto session = detail::open_session({.peer = t.peer,
                                       .credentials = target.credentials,
                                       .usm = t.usm,
                                       .engine_id = engine,
                                       .timeout = t.timeout});
  if (!session) {
    if ((errno == EMFILE || errno == ENFILE) && active_ > 0) {
      window_ = active_;
      return false;
    }
    finish(t, Failure::address, session.error().message);
    return true;
  }
  t.session = std::move(*session);
  t.fd = t.session.socket();
  if (t.fd >= 0) fcntl(t.fd, F_SETFD, FD_CLOEXEC);  // net-snmp opens it without
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = t.index;
  if (t.fd < 0 || epoll_ctl(impl_.epoll_fd, EPOLL_CTL_ADD, t.fd, &event) != 0) {
    t.fd = -1;
    finish(t, Failure::other, "cannot watch the session socket");
    return true;
  }
  if (t.fd >= static_cast<int>(fd_set_.lfs_setsize)) {
    netsnmp_large_fd_set_resize(&fd_set_, t.fd + 1024);
  }
  t.step = t.version == SNMP_VERSION_3 && engine.empty() ? Step::probe : Step::get;
  return true;
}

void PollRun::start(TargetState& t) {
  ++active_;
  if (t.step == Step::done) {
    settle(t);
    return;
  }
  const Target& target = *t.target;
  OidBuffer parsed;
  t.get_values.resize(target.get.size());
  t.get_filled.assign(target.get.size(), 0);
  for (std::size_t i = 0; i < target.get.size(); ++i) {
    if (!detail::parse_oid(target.get[i], parsed)) {
      finish(t, Failure::other, "invalid OID to get: " + target.get[i]);
      settle(t);
      return;
    }
    t.get_pending.push_back(i);
  }
  t.columns.reserve(target.walk.size());
  for (const auto& column : target.walk) {
    if (!detail::parse_oid(column, parsed)) {
      finish(t, Failure::other, "invalid OID to walk: " + column);
      settle(t);
      return;
    }
    Column state;
    state.prefix_text = std::string(strip_dot(column));
    state.prefix.assign(parsed.ids, parsed.ids + parsed.length);
    state.last = state.prefix;
    t.columns.push_back(std::move(state));
  }
  t.get_chunk = std::max<std::size_t>(1, impl_.options.max_varbinds_per_get);
  t.repetitions = std::max(1, target.credentials->max_repetitions);
  if (!t.columns.empty() && t.version != SNMP_VERSION_1) {
    t.walk_key = t.peer;
    for (const auto& column : t.columns) t.walk_key.append(1, ' ').append(column.prefix_text);
    if (auto known = impl_.walk_rows.find(t.walk_key); known != impl_.walk_rows.end()) {
      t.repetitions = std::min<long>(t.repetitions, static_cast<long>(known->second) + 1);
    }
  }
  t.columns_per_request = std::max<std::size_t>(1, t.columns.size());
  if (t.step != Step::probe) {
    t.step = Step::get;
    next_step(t);
  } else {
    new_request(t);
  }
  settle(t);
}

// Moves on from a finished part (probe, GETs, a walk request) to the next request, or ends.
void PollRun::next_step(TargetState& t) {
  if (t.step == Step::probe) t.step = Step::get;
  if (t.step == Step::get && t.get_pending.empty()) t.step = Step::walk;
  if (t.step == Step::walk &&
      std::all_of(t.columns.begin(), t.columns.end(), [](const Column& c) { return c.done; })) {
    finish(t, Failure::none, {});
    return;
  }
  new_request(t);
}

void PollRun::new_request(TargetState& t) {
  t.items.clear();
  t.attempts.clear();
  if (t.step == Step::get) {
    const std::size_t count = std::min(t.get_chunk, t.get_pending.size());
    t.items.assign(t.get_pending.begin(), t.get_pending.begin() + static_cast<long>(count));
  } else if (t.step == Step::walk) {
    for (std::size_t c = 0; c < t.columns.size() && t.items.size() < t.columns_per_request; ++c) {
      if (!t.columns[c].done) t.items.push_back(c);
    }
  }
  t.action = Action::send;
}

netsnmp_pdu* PollRun::build_pdu(TargetState& t) {
  if (t.step == Step::probe) return detail::make_probe_pdu();
  const bool walk = t.step == Step::walk;
  const int command =
      !walk ? SNMP_MSG_GET : (t.version == SNMP_VERSION_1 ? SNMP_MSG_GETNEXT : SNMP_MSG_GETBULK);
  netsnmp_pdu* pdu = snmp_pdu_create(command);
  if (pdu == nullptr) return nullptr;
  if (command == SNMP_MSG_GETBULK) {
    pdu->errstat = 0;               // non-repeaters
    pdu->errindex = t.repetitions;  // max-repetitions
  }
  OidBuffer parsed;
  for (const std::size_t item : t.items) {
    if (walk) {
      const auto& last = t.columns[item].last;
      snmp_add_null_var(pdu, last.data(), last.size());
    } else {
      detail::parse_oid(t.target->get[item], parsed);  // validated in start()
      snmp_add_null_var(pdu, parsed.ids, parsed.length);
    }
  }
  return pdu;
}

void PollRun::send_attempt(TargetState& t) {
  if (t.version == SNMP_VERSION_3 && t.step != Step::probe) {
    if (auto ready = detail::ensure_usm_user(t.session, *t.usm); !ready) {
      finish(t, Failure::authentication, ready.error().message);
      return;
    }
  }
  netsnmp_pdu* pdu = build_pdu(t);
  if (pdu == nullptr) {
    finish(t, Failure::other, "out of memory");
    return;
  }
  if (snmp_sess_async_send(t.session.handle(), pdu, on_pdu, &t) == 0) {
    const int error = t.session.session()->s_snmp_errno;
    snmp_free_pdu(pdu);
    const Failure failure = detail::is_usm_error(error)   ? Failure::authentication
                            : error == SNMPERR_BAD_SENDTO ? Failure::address
                                                          : Failure::other;
    finish(t, failure, "cannot send the request: " + detail::describe_net_snmp_error(error));
    return;
  }
  // The PDU now belongs to net-snmp's pending request, which keeps it until answered or closed.
  const auto now = SteadyClock::now();
  t.attempts.push_back({t.version == SNMP_VERSION_3 ? pdu->msgid : pdu->reqid, now});
  ++t.result.requests;
  ++t.generation;
  deadlines_.push({now + t.timeout, t.index, t.generation});
}

void PollRun::settle(TargetState& t) {
  while (t.action != Action::none) {
    const Action action = std::exchange(t.action, Action::none);
    if (action == Action::send) {
      send_attempt(t);
    } else {
      complete(t);
    }
  }
}

void PollRun::complete(TargetState& t) {
  if (t.failure == Failure::none && !t.walk_key.empty()) {
    std::size_t rows = 0;
    for (const auto& column : t.columns) rows = std::max(rows, column.rows.size());
    constexpr std::size_t kMaxRemembered = 1 << 20;
    if (impl_.walk_rows.size() >= kMaxRemembered) impl_.walk_rows.clear();
    impl_.walk_rows.insert_or_assign(std::move(t.walk_key), rows);
  }
  auto& result = t.result;
  result.failure = t.failure;
  result.detail = std::move(t.detail);
  std::size_t total = 0;
  for (const char filled : t.get_filled) total += filled ? 1 : 0;
  for (const auto& column : t.columns) total += column.rows.size();
  result.varbinds.reserve(total);
  for (std::size_t i = 0; i < t.get_values.size(); ++i) {
    if (t.get_filled[i]) result.varbinds.push_back(std::move(t.get_values[i]));
  }
  for (auto& column : t.columns) {
    std::move(column.rows.begin(), column.rows.end(), std::back_inserter(result.varbinds));
  }
  t.get_values = {};
  t.columns = {};
  t.attempts = {};
  ++t.generation;
  if (t.fd >= 0) {
    epoll_ctl(impl_.epoll_fd, EPOLL_CTL_DEL, t.fd, nullptr);
    t.fd = -1;
  }
  t.session.close();
  --active_;
  ++done_;
  impl_.requests += static_cast<std::uint64_t>(result.requests);
  impl_.retries += static_cast<std::uint64_t>(result.retries);
  impl_.varbinds += result.varbinds.size();
  if (result.failure != Failure::none) ++impl_.failures;
  if (result.failure == Failure::timeout) ++impl_.timeouts;
}

void PollRun::read(TargetState& t) {
  if (t.version == SNMP_VERSION_3 && t.step != Step::probe) {
    // The answer is checked against the engine's USM entry: make it this session's keys.
    if (auto ready = detail::ensure_usm_user(t.session, *t.usm); !ready) {
      finish(t, Failure::authentication, ready.error().message);
      settle(t);
      return;
    }
  }
  NETSNMP_LARGE_FD_SET(t.fd, &fd_set_);
  const int fd = t.fd;
  if (snmp_sess_read2(t.session.handle(), &fd_set_) != 0 && t.step != Step::done) {
    const int error = t.session.session()->s_snmp_errno;
    if (error != 0) t.receive_error = error;
  }
  NETSNMP_LARGE_FD_CLR(fd, &fd_set_);
  settle(t);
}

void PollRun::expire(SteadyClock::time_point now) {
  while (!deadlines_.empty() && deadlines_.top().at <= now) {
    const Deadline due = deadlines_.top();
    deadlines_.pop();
    auto& t = states_[due.index];
    if (t.step == Step::done || due.generation != t.generation) continue;
    if (static_cast<int>(t.attempts.size()) < t.max_attempts) {
      ++t.result.retries;
      t.action = Action::send;
    } else if (t.receive_error != 0) {
      const int error = t.receive_error;
      finish(t, detail::is_usm_error(error) ? Failure::authentication : Failure::malformed,
             (detail::is_usm_error(error) ? "answers failed authentication: "
                                          : "answers could not be parsed: ") +
                 detail::describe_net_snmp_error(error));
    } else {
      finish(t, Failure::timeout, timeout_detail(t));
    }
    settle(t);
  }
}

int PollRun::wait_milliseconds(SteadyClock::time_point now) {
  while (!deadlines_.empty()) {
    const auto& top = deadlines_.top();
    const auto& t = states_[top.index];
    if (t.step != Step::done && top.generation == t.generation) break;
    deadlines_.pop();
  }
  if (deadlines_.empty()) return active_ > 0 ? 1000 : 0;
  const auto wait = deadlines_.top().at - now;
  if (wait <= SteadyClock::duration::zero()) return 0;
  return static_cast<int>(
      std::min<std::int64_t>(std::chrono::ceil<std::chrono::milliseconds>(wait).count(), 60'000));
}

std::string PollRun::timeout_detail(const TargetState& t) const {
  std::string detail = "timeout after " + std::to_string(t.attempts.size()) +
                       (t.attempts.size() == 1 ? " attempt" : " attempts") + " of " +
                       std::to_string(t.timeout.count()) + " ms";
  if (t.step == Step::probe) {
    detail += " (no answer to SNMPv3 engine-id discovery)";
  } else if (t.round_trip_measured) {
    detail += " (the agent had answered earlier requests)";
  } else if (t.version != SNMP_VERSION_3) {
    detail += " (no answer: agent down or unreachable, or a wrong community)";
  } else if (t.discovered) {
    // Agents drop what they cannot decrypt, without a Report.
    detail += " (the agent answered engine-id discovery: a wrong privacy password or protocol?)";
  } else {
    detail += " (no answer: agent down or unreachable, or a wrong privacy password)";
  }
  return detail;
}

void PollRun::on_answer(TargetState& t, const netsnmp_pdu& pdu, const Attempt& attempt) {
  ++t.generation;  // the attempt's deadline no longer applies
  t.receive_error = 0;
  if (pdu.command == SNMP_MSG_REPORT || t.step == Step::probe) {
    on_report(t, pdu);
    return;
  }
  if (!t.round_trip_measured) {
    t.round_trip_measured = true;
    t.result.round_trip =
        std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - attempt.sent_at);
  }
  if (t.step == Step::get) {
    on_get_answer(t, pdu);
  } else if (t.step == Step::walk) {
    on_walk_answer(t, pdu);
  }
}

void PollRun::on_report(TargetState& t, const netsnmp_pdu& pdu) {
  const std::string_view engine(reinterpret_cast<const char*>(pdu.securityEngineID),
                                pdu.securityEngineID ? pdu.securityEngineIDLen : 0);
  if (t.version != SNMP_VERSION_3) {
    finish(t, Failure::malformed, "unexpected Report to an SNMPv1/v2c request");
    return;
  }
  const int type = snmpv3_get_report_type(const_cast<netsnmp_pdu*>(&pdu));
  if (t.step == Step::probe) {
    // Any answer carrying the agent's engine id completes discovery.
    if (engine.empty()) {
      finish(t, Failure::malformed, "engine-id discovery answered without an engine id");
      return;
    }
    if (auto set = detail::set_engine_id(t.session, engine, *t.usm); !set) {
      finish(t, Failure::authentication, set.error().message);
      return;
    }
    impl_.engine_ids.insert_or_assign(t.peer, std::string(engine));
    t.discovered = true;
    next_step(t);
    return;
  }
  switch (type) {
    case SNMPERR_UNKNOWN_ENG_ID:
      // The agent's engine id changed (a replaced device): learn the new one and re-send.
      if (!engine.empty() && t.engine_changes < 2) {
        ++t.engine_changes;
        if (auto set = detail::set_engine_id(t.session, engine, *t.usm); !set) {
          finish(t, Failure::authentication, set.error().message);
          return;
        }
        impl_.engine_ids.insert_or_assign(t.peer, std::string(engine));
        new_request(t);
        return;
      }
      finish(t, Failure::authentication, "authentication failure (unknown engine id)");
      return;
    case SNMPERR_NOT_IN_TIME_WINDOW:
      // The Report carried the agent's boots/time (net-snmp noted them): re-send once synced.
      if (t.time_window_resends < 2) {
        ++t.time_window_resends;
        new_request(t);
        return;
      }
      finish(t, Failure::authentication, "authentication failure (not in time window)");
      return;
    case SNMPERR_UNKNOWN_USER_NAME:
    case SNMPERR_AUTHENTICATION_FAILURE:
    case SNMPERR_DECRYPTION_ERR:
    case SNMPERR_UNSUPPORTED_SEC_LEVEL:
      finish(t, Failure::authentication,
             "authentication failure (" + detail::describe_net_snmp_error(type) + ")");
      return;
    default:
      finish(t, Failure::authentication, "authentication failure (unexpected Report)");
      return;
  }
}

std::optional<std::size_t> PollRun::named_item(TargetState& t, const netsnmp_pdu& pdu) {
  const long position = pdu.errindex;
  if (position < 1 || static_cast<std::size_t>(position) > t.items.size()) {
    finish(
        t, Failure::agent_error,
        "agent error " + detail::error_status_name(pdu.errstat) + " with an invalid error-index");
    return std::nullopt;
  }
  return t.items[static_cast<std::size_t>(position - 1)];
}

void PollRun::finish_agent_error(TargetState& t, const netsnmp_pdu& pdu) {
  finish(t, Failure::agent_error,
         "agent error " + detail::error_status_name(pdu.errstat) + " at varbind " +
             std::to_string(pdu.errindex));
}

void PollRun::on_get_answer(TargetState& t, const netsnmp_pdu& pdu) {
  const Target& target = *t.target;
  if (pdu.errstat == SNMP_ERR_TOOBIG) {
    if (t.items.size() <= 1) {
      finish(t, Failure::too_big, "the agent answers tooBig even to a single-varbind GET");
      return;
    }
    t.get_chunk = (t.items.size() + 1) / 2;
    new_request(t);
    return;
  }
  if (pdu.errstat == SNMP_ERR_NOSUCHNAME && t.version == SNMP_VERSION_1) {
    // SNMPv1 fails the whole GET for one missing object: note it as missing, ask the rest.
    const auto named = named_item(t, pdu);
    if (!named) return;
    const std::size_t item = *named;
    Varbind missing;
    missing.oid = std::string(strip_dot(target.get[item]));
    missing.type = ValueType::no_such_object;
    t.get_values[item] = std::move(missing);
    t.get_filled[item] = 1;
    t.get_pending.erase(std::find(t.get_pending.begin(), t.get_pending.end(), item));
    next_step(t);
    return;
  }
  if (pdu.errstat != SNMP_ERR_NOERROR) {
    finish_agent_error(t, pdu);
    return;
  }
  std::size_t received = 0;
  for (const netsnmp_variable_list* variable = pdu.variables; variable != nullptr;
       variable = variable->next_variable) {
    ++received;
  }
  if (received != t.items.size()) {
    finish(t, Failure::malformed,
           "the answer has " + std::to_string(received) + " varbinds for " +
               std::to_string(t.items.size()) + " asked");
    return;
  }
  std::size_t position = 0;
  OidBuffer asked;
  for (const netsnmp_variable_list* variable = pdu.variables; variable != nullptr;
       variable = variable->next_variable, ++position) {
    const std::size_t item = t.items[position];
    detail::parse_oid(target.get[item], asked);
    if (snmp_oid_compare(asked.ids, asked.length, variable->name, variable->name_length) != 0) {
      finish(t, Failure::malformed, "the answer names other OIDs than the GET asked for");
      return;
    }
    t.get_values[item] = detail::to_varbind(*variable);
    t.get_filled[item] = 1;
  }
  t.get_pending.erase(t.get_pending.begin(),
                      t.get_pending.begin() + static_cast<long>(t.items.size()));
  next_step(t);
}

void PollRun::on_walk_answer(TargetState& t, const netsnmp_pdu& pdu) {
  if (pdu.errstat == SNMP_ERR_TOOBIG) {
    if (t.version != SNMP_VERSION_1 && t.repetitions > 1) {
      t.repetitions = std::max(1L, t.repetitions / 2);
    } else if (t.items.size() > 1) {
      t.columns_per_request = (t.items.size() + 1) / 2;
    } else {
      finish(t, Failure::too_big, "the agent answers tooBig even to a one-row walk request");
      return;
    }
    new_request(t);
    return;
  }
  if (pdu.errstat == SNMP_ERR_NOSUCHNAME && t.version == SNMP_VERSION_1) {
    // SNMPv1 ends a GETNEXT past the last object with noSuchName: that column is complete.
    const auto named = named_item(t, pdu);
    if (!named) return;
    t.columns[*named].done = true;
    next_step(t);
    return;
  }
  if (pdu.errstat != SNMP_ERR_NOERROR) {
    finish_agent_error(t, pdu);
    return;
  }
  const std::size_t width = t.items.size();
  const std::size_t max_rows = impl_.options.max_walk_rows;
  std::size_t position = 0;
  bool progressed = false;
  for (const netsnmp_variable_list* variable = pdu.variables; variable != nullptr;
       variable = variable->next_variable, ++position) {
    Column& column = t.columns[t.items[position % width]];
    if (column.done) continue;
    const bool exception = variable->type == SNMP_ENDOFMIBVIEW ||
                           variable->type == SNMP_NOSUCHOBJECT ||
                           variable->type == SNMP_NOSUCHINSTANCE;
    if (exception || variable->name_length <= column.prefix.size() ||
        netsnmp_oid_is_subtree(column.prefix.data(), column.prefix.size(), variable->name,
                               variable->name_length) != 0) {
      column.done = true;  // past the column's end
      progressed = true;
      continue;
    }
    if (snmp_oid_compare(variable->name, variable->name_length, column.last.data(),
                         column.last.size()) <= 0) {
      finish(t, Failure::malformed,
             "the walk of " + column.prefix_text + " did not advance (OIDs not increasing)");
      return;
    }
    if (column.rows.size() >= max_rows) {
      finish(
          t, Failure::oversized,
          "the walk of " + column.prefix_text + " exceeds " + std::to_string(max_rows) + " rows");
      return;
    }
    column.rows.push_back(detail::to_varbind(*variable));
    column.last.assign(variable->name, variable->name + variable->name_length);
    progressed = true;
  }
  if (!progressed) {
    finish(t, Failure::malformed, "a walk request was answered without any row");
    return;
  }
  next_step(t);
}

}  // namespace

namespace detail {

std::vector<PollResult> run_poll(PollerState& state, std::span<const Target> targets) {
  PollRun run(state, targets);
  return run.run();
}

}  // namespace detail
}  // namespace slamon::snmp
