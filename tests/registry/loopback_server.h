// LoopbackServer: a raw TCP server on 127.0.0.1, port 0, for the transport tests that need a
// real socket (a body that drips, is cut short or is reset). Each connection runs |handler| on
// its own thread with the request head (up to and including the blank line); the handler
// writes whatever bytes it likes and returns, and the connection is then closed. A connection
// that opens with a TLS ClientHello (Transport::ProbeTls) is answered with plain text, as a
// plain-HTTP server does.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vouch::registry::testing {

class LoopbackServer {
 public:
  using Handler = std::function<void(int fd, const std::string& head)>;

  explicit LoopbackServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
        ::listen(listen_fd_, 16) != 0) {
      return;  // port() stays 0; the test fails on it
    }
    socklen_t len = sizeof(a);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    if (accept_thread_.joinable()) {
      accept_thread_.join();
    }
    std::vector<std::thread> conns;
    {
      std::lock_guard<std::mutex> lock(mu_);
      conns.swap(conns_);
    }
    for (auto& t : conns) {
      t.join();
    }
    if (listen_fd_ >= 0) {
      ::close(listen_fd_);
    }
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  uint16_t port() const { return port_; }
  std::string host_port() const { return "127.0.0.1:" + std::to_string(port_); }
  // stopping tells long-running handlers (a drip) to finish.
  bool stopping() const { return stop_; }
  // accepted counts the connections accepted so far (whatever was sent on them).
  size_t accepted() const { return accepted_.load(); }
  // requests returns the request heads received so far.
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return heads_;
  }

  // Drip answers 200 with a long announced body and then sends one byte every 50 ms (20
  // bytes/s, well above curl's low-speed limit of 1 byte/s) until the client goes away: only an
  // overall deadline ends the exchange.
  void Drip(int fd) const {
    if (!Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")) {
      return;
    }
    while (!stopping() && Send(fd, "x")) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // Send writes |data| without SIGPIPE; false when the peer has gone.
  static bool Send(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      off += static_cast<size_t>(n);
    }
    return true;
  }

 private:
  void AcceptLoop() {
    while (!stop_) {
      pollfd p{};
      p.fd = listen_fd_;
      p.events = POLLIN;
      if (::poll(&p, 1, 50) <= 0) {
        continue;
      }
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        continue;
      }
      ++accepted_;
      std::lock_guard<std::mutex> lock(mu_);
      conns_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos && !stop_) {
      pollfd p{};
      p.fd = fd;
      p.events = POLLIN;
      if (::poll(&p, 1, 50) <= 0) {
        continue;
      }
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) {
        break;
      }
      head.append(buf, static_cast<size_t>(n));
      if (!head.empty() && head[0] == '\x16') {  // a TLS ClientHello: answer as plain HTTP does
        Send(fd, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
        ::close(fd);
        return;
      }
    }
    if (head.find("\r\n\r\n") != std::string::npos) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        heads_.push_back(head);
      }
      handler_(fd, head);
    }
    ::close(fd);
  }

  Handler handler_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> accepted_{0};
  std::thread accept_thread_;
  std::mutex mu_;
  std::vector<std::thread> conns_;
  std::vector<std::string> heads_;
};

}  // namespace vouch::registry::testing
