// A small synchronous HTTP/1.1 client for the daemon's tests: one
// connection over TCP or a Unix socket (Beast), with a deadline on every
// operation, so a broken daemon fails a test instead of hanging it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>  // before the Boost headers: Boost 1.74's awaitable.hpp misses it
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace stockade::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---- HTTP client ----

struct Reply {
  int status = 0;           // 0: no HTTP answer (see error)
  std::string body;
  std::string error;        // transport error, when status == 0
  std::string retry_after;  // the Retry-After header
  std::string content_type;
  bool keep_alive = false;
};

// One connection, TCP or Unix; every operation has a deadline (the stream
// closes the socket when it passes).
class Connection {
 public:
  using Protocol = asio::generic::stream_protocol;

  static Connection Tcp(std::uint16_t port) {
    return Connection(Protocol::endpoint(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)));
  }
  static Connection Unix(const std::string& path) {
    return Connection(Protocol::endpoint(asio::local::stream_protocol::endpoint(path)));
  }

  Connection(Connection&&) = default;

  bool connected() const { return connected_; }
  const std::string& connect_error() const { return connect_error_; }

  // Sends a request and reads the whole answer (an SSE stream is read to
  // its end, its chunks concatenated in the body).
  Reply Request(http::verb method, const std::string& target, const std::string& body = "",
                const std::string& key = "", std::chrono::milliseconds timeout = 30s,
                bool keep_alive = true) {
    Reply reply;
    if (!connected_) {
      reply.error = "not connected: " + connect_error_;
      return reply;
    }
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "localhost");
    if (!key.empty()) req.set(http::field::authorization, "Bearer " + key);
    if (!body.empty() || method == http::verb::post) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.keep_alive(keep_alive);
    req.prepare_payload();
    beast::error_code ec;
    stream_->expires_after(timeout);
    http::async_write(*stream_, req, [&](beast::error_code e, std::size_t) { ec = e; });
    Run();
    if (ec) {
      reply.error = "write: " + ec.message();
      return reply;
    }
    return ReadReply(timeout);
  }

  Reply ReadReply(std::chrono::milliseconds timeout = 30s) {
    Reply reply;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    beast::error_code ec;
    stream_->expires_after(timeout);
    http::async_read(*stream_, buffer_, parser, [&](beast::error_code e, std::size_t) { ec = e; });
    Run();
    if (ec) {
      reply.error = "read: " + ec.message();
      return reply;
    }
    const auto& res = parser.get();
    reply.status = res.result_int();
    reply.body = res.body();
    reply.retry_after = std::string(res[http::field::retry_after]);
    reply.content_type = std::string(res[http::field::content_type]);
    reply.keep_alive = res.keep_alive();
    return reply;
  }

  // Raw bytes, for malformed and slow requests.
  bool WriteRaw(const std::string& bytes, std::chrono::milliseconds timeout = 10s) {
    if (!connected_) return false;
    beast::error_code ec;
    stream_->expires_after(timeout);
    asio::async_write(*stream_, asio::buffer(bytes), [&](beast::error_code e, std::size_t) { ec = e; });
    Run();
    return !ec;
  }

  // Reads until the peer closes or `timeout` passes; `closed` tells which.
  // Polls the socket directly: a Beast stream timeout would close it.
  std::string ReadUntilClosed(std::chrono::milliseconds timeout, bool* closed) {
    std::string out(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.consume(buffer_.size());
    *closed = false;
    if (!connected_) {
      *closed = true;
      return out;
    }
    const int fd = stream_->socket().native_handle();
    const auto deadline = Clock::now() + timeout;
    char buf[4096];
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd, POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) break;
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        out.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      *closed = true;  // EOF or reset: the server closed the connection
      break;
    }
    return out;
  }

  void Close() {
    beast::error_code ec;
    if (stream_) stream_->socket().close(ec);
  }

 private:
  explicit Connection(const Protocol::endpoint& endpoint)
      : io_(std::make_unique<asio::io_context>()),
        stream_(std::make_unique<beast::basic_stream<Protocol>>(*io_)) {
    beast::error_code ec;
    stream_->expires_after(10s);
    stream_->async_connect(endpoint, [&](beast::error_code e) { ec = e; });
    Run();
    connected_ = !ec;
    if (ec) connect_error_ = ec.message();
  }

  void Run() {
    io_->restart();
    io_->run();
  }

  std::unique_ptr<asio::io_context> io_;
  std::unique_ptr<beast::basic_stream<Protocol>> stream_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
  std::string connect_error_;
};

}  // namespace stockade::testing
