// SmtpStub: a scripted SMTP server on 127.0.0.1 (a free port) for testing how the SMTP
// notifier classifies replies without a real mail server. It speaks just enough ESMTP for
// libcurl (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no STARTTLS, no AUTH), answers each
// command with the scripted reply, and records the envelope and the message. One connection
// at a time. Thread-safe: script and inspect it from the test thread while its thread serves.
#pragma once

#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace slamon::notify::testing {

struct SmtpScript {
  std::string mail_reply = "250 OK";
  std::string rcpt_reply = "250 OK";
  std::string data_reply = "354 go ahead";
  std::string end_of_data_reply = "250 queued";
  bool silent = false;  // accept the connection and never greet (a hang)
};

struct SmtpSession {
  std::string mail_from;             // the MAIL FROM argument, e.g. "<a@b>"
  std::vector<std::string> rcpt_to;  // RCPT TO arguments
  std::string data;                  // the message as received, dot-stuffing undone
};

class SmtpStub {
 public:
  explicit SmtpStub(SmtpScript script = {});  // listens at once; throws when it cannot
  ~SmtpStub();
  SmtpStub(const SmtpStub&) = delete;
  SmtpStub& operator=(const SmtpStub&) = delete;

  int port() const { return port_; }
  std::string smarthost() const;  // 127.0.0.1:PORT
  std::vector<SmtpSession> sessions() const;

 private:
  void serve();
  void handle(int client);

  SmtpScript script_;
  int listener_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  mutable std::mutex mutex_;
  std::vector<SmtpSession> sessions_;
  std::thread thread_;
};

}  // namespace slamon::notify::testing
