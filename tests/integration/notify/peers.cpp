#include "peers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "model/event_json.h"

namespace slamon::notify::testing {
namespace {

sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  return address;
}

}  // namespace

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address = loopback(0);
  socklen_t size = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  const sockaddr_in address = loopback(port);
  const bool connected =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return connected;
}

bool wait_until_ready(slamon::testing::ChildProcess& peer, const std::function<bool()>& ready,
                      std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    if (peer.poll_exit()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return ready();
}

nlohmann::json event_at(EventType type, const Breach& breach, const PolicyRef& policy,
                        WallTime at) {
  return to_json(make_event(type, breach, policy, at));
}

Notification notification_of(const nlohmann::json& event) {
  Notification notification;
  notification.event_id = event["id"].get<std::string>();
  notification.type = event["type"].get<std::string>();
  notification.payload = event.dump();
  notification.event = event;
  return notification;
}

}  // namespace slamon::notify::testing
