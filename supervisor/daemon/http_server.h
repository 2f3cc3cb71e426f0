// HttpServer: HTTP/1.1 on TCP and Unix sockets for the daemon's API.
//
// One coroutine per connection on the supervisor's io_context (the Asio 1.18
// chat-server shape): read a request, hand it to ApiService, write the
// reply, repeat while keep-alive. The server is the one place that deals
// with hostile clients at the byte level: a body over the cap is refused
// (413) before it is read whole, a request must arrive whole within the read
// timeout (slow or stalled clients are disconnected), idle keep-alive
// connections close, and a client that goes away just ends its coroutine. Exceptions
// never leave a connection's coroutine. What connections hold is bounded in
// all, not only each: their number (ConnectionTable sheds the quietest at
// the cap) and the bytes of bodies and replies they hold (ByteBudget).
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "proto/policy.pb.h"
#include "proto/status.h"
#include "supervisor/daemon/api_service.h"
#include "supervisor/daemon/connection_table.h"

namespace stockade::supervisor {

// "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:8080" or "unix:/run/stockade.sock".
struct ListenAddress {
  bool unix_socket = false;
  std::string path;            // unix
  std::string host;            // tcp
  std::uint16_t port = 0;      // tcp (0 = any free port)
  std::string text() const;
};
StatusOr<ListenAddress> ParseListenAddress(const std::string& text);

class HttpServer {
 public:
  // `max_connections`: open client connections at most (ConnectionTable).
  HttpServer(boost::asio::io_context& io, ApiService& api, const policy::DaemonPolicy& limits,
             std::size_t max_connections);
  ~HttpServer();

  // Binds now (errors are reported before the daemon says it is up).
  // `allow_remote`: false refuses a TCP address that is not loopback.
  Status Listen(const ListenAddress& address, bool allow_remote);
  void Start();
  // Closes the listening sockets; connections in progress continue.
  void StopAccepting();

  // The bound addresses, with the real port for ":0" ("127.0.0.1:43211").
  std::vector<std::string> bound() const;
  std::size_t open_connections() const { return connections_.open(); }

 private:
  boost::asio::io_context& io_;
  ApiService& api_;
  policy::DaemonPolicy limits_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> tcp_;
  std::vector<std::unique_ptr<boost::asio::local::stream_protocol::acceptor>> unix_;
  std::vector<std::string> unix_paths_;
  ConnectionTable connections_;
};

}  // namespace stockade::supervisor
