#include "supervisor/cli/http_client.h"

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <limits>
#include <optional>
#include <strings.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace stockade::supervisor {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using unix_socket = asio::local::stream_protocol;

namespace {

// Bounds what one reply may make us allocate: a result is capped by the
// daemon's policy well below this, so a bigger body means a broken peer.
constexpr std::uint64_t kMaxResponseBody = 256ull << 20;

struct Endpoint {
  bool unix_socket = false;
  std::string path;  // unix
  std::string host;  // tcp
  std::string port;  // tcp
};

StatusOr<Endpoint> ParseUrl(const std::string& url) {
  Endpoint e;
  if (url.rfind("unix:", 0) == 0) {
    e.unix_socket = true;
    e.path = url.substr(5);
    if (e.path.empty() || e.path[0] != '/') {
      return Status::Error("bad URL \"" + url + "\": a Unix socket URL is unix:/absolute/path");
    }
    return e;
  }
  if (url.rfind("http://", 0) != 0) {
    return Status::Error("bad URL \"" + url + "\": expected http://HOST:PORT or unix:/PATH");
  }
  std::string authority = url.substr(7);
  authority = authority.substr(0, authority.find('/'));
  std::string host = authority, port = "80";
  if (!authority.empty() && authority[0] == '[') {  // [::1]:8080
    const std::size_t close = authority.find(']');
    if (close == std::string::npos) return Status::Error("bad URL \"" + url + "\": unclosed [");
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || port.empty()) return Status::Error("bad URL \"" + url + "\": no host or port");
  e.host = host;
  e.port = port;
  return e;
}

// A keep-alive connection the server closed while we were not looking
// (its idle timeout): the request never reached a handler, so sending it
// again on a fresh connection is safe.
bool IsStaleConnection(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::eof;
}

template <typename Message>
HttpClientResponse ToResponse(const Message& m) {
  HttpClientResponse out;
  out.status = m.result_int();
  for (const auto& field : m) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return out;
}

}  // namespace

std::string HttpClientResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return "";
}

bool SseParser::Feed(std::string_view bytes, const std::function<bool(const SseEvent&)>& on_event) {
  pending_.append(bytes.data(), bytes.size());
  for (;;) {
    // Events end with a blank line; accept "\r\n" line ends as the spec does.
    std::size_t end = pending_.find("\n\n");
    std::size_t skip = 2;
    if (const std::size_t crlf = pending_.find("\r\n\r\n"); crlf < end) {
      end = crlf;
      skip = 4;
    }
    if (end == std::string::npos) return true;
    std::string_view block(pending_.data(), end);
    SseEvent event;
    bool has_data = false;
    while (!block.empty()) {
      const std::size_t nl = block.find('\n');
      std::string_view line = block.substr(0, nl);
      block.remove_prefix(nl == std::string_view::npos ? block.size() : nl + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty() || line[0] == ':') continue;  // ':' starts a comment (keep-alive)
      const std::size_t colon = line.find(':');
      std::string_view field = line.substr(0, colon);
      std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
      if (field == "event") {
        event.event = std::string(value);
      } else if (field == "data") {
        if (has_data) event.data += '\n';
        event.data.append(value.data(), value.size());
        has_data = true;
      }
    }
    pending_.erase(0, end + skip);
    if (event.event.empty()) event.event = "message";
    if (has_data && !on_event(event)) return false;
  }
}

class HttpClient::Impl {
 public:
  Impl(std::string url, Endpoint endpoint, HttpClientTimeouts timeouts)
      : url_(std::move(url)), endpoint_(std::move(endpoint)), timeouts_(timeouts) {}

  const std::string& url() const { return url_; }

  Status Open() {
    Close();
    error_code ec = asio::error::would_block;
    if (endpoint_.unix_socket) {
      auto& s = unix_.emplace(io_);
      s.expires_after(timeouts_.connect);
      s.async_connect(unix_socket::endpoint(endpoint_.path), [&ec](error_code e) { ec = e; });
      RunIo();
    } else {
      tcp::resolver resolver(io_);
      auto results = resolver.resolve(endpoint_.host, endpoint_.port, ec);
      if (ec) return Status::Error("cannot resolve " + url_ + ": " + ec.message());
      auto& s = tcp_.emplace(io_);
      s.expires_after(timeouts_.connect);
      s.async_connect(results, [&ec](error_code e, const tcp::endpoint&) { ec = e; });
      RunIo();
      // Requests are small and latency-bound: never let Nagle hold one back.
      if (!ec) s.socket().set_option(tcp::no_delay(true), ec);
    }
    if (ec) {
      Close();
      const std::string why = ec == beast::error::timeout ? "timed out" : ec.message();
      return Status::Error("cannot connect to " + url_ + ": " + why);
    }
    reused_ = false;
    return Status::Ok();
  }

  bool is_open() const { return tcp_.has_value() || unix_.has_value(); }

  void Close() {
    tcp_.reset();
    unix_.reset();
    buffer_.clear();
  }

  StatusOr<HttpClientResponse> Request(std::string_view method, std::string_view target,
                                       std::string_view body, const HttpHeaders& headers) {
    const http::verb verb = http::string_to_verb(beast::string_view(method.data(), method.size()));
    if (verb == http::verb::unknown) return Status::Error("unknown HTTP method " + std::string(method));
    for (int attempt = 0;; ++attempt) {
      if (!is_open()) STOCKADE_RETURN_IF_ERROR(Open());
      const bool reused = reused_;
      http::request<http::string_body> req = MakeRequest(verb, target, headers);
      if (!body.empty() || verb == http::verb::post) {
        req.set(http::field::content_type, "application/json");
        req.body().assign(body.data(), body.size());
      }
      req.prepare_payload();
      http::response_parser<http::string_body> parser;
      parser.body_limit(kMaxResponseBody);
      error_code ec = asio::error::would_block;
      Visit([&](auto& s) {
        s.expires_after(timeouts_.read);
        http::async_write(s, req, [&](error_code e, std::size_t) {
          if (e) {
            ec = e;
            return;
          }
          http::async_read(s, buffer_, parser, [&ec](error_code e2, std::size_t) { ec = e2; });
        });
      });
      RunIo();
      if (ec) {
        Close();
        if (reused && attempt == 0 && IsStaleConnection(ec)) continue;
        return Failure(method, target, ec);
      }
      reused_ = true;
      auto& res = parser.get();
      HttpClientResponse out = ToResponse(res);
      out.body = std::move(res.body());
      if (!res.keep_alive()) Close();
      return out;
    }
  }

  StatusOr<HttpClientResponse> Stream(std::string_view target, const HttpHeaders& headers,
                                      const std::function<bool(const SseEvent&)>& on_event,
                                      std::chrono::milliseconds idle) {
    for (int attempt = 0;; ++attempt) {
      if (!is_open()) STOCKADE_RETURN_IF_ERROR(Open());
      const bool reused = reused_;
      http::request<http::string_body> req = MakeRequest(http::verb::get, target, headers);
      req.set(http::field::accept, "text/event-stream");
      req.prepare_payload();
      http::response_parser<http::string_body> parser;
      parser.body_limit(kMaxResponseBody);
      SseParser sse;
      bool stopped = false;
      // Chunk data goes to the event parser as it arrives instead of into
      // the body, so memory stays flat however long the stream runs.
      auto on_chunk = [&](std::uint64_t, beast::string_view data, error_code& ec) -> std::size_t {
        if (!sse.Feed(std::string_view(data.data(), data.size()), on_event)) {
          stopped = true;
          ec = asio::error::operation_aborted;
        }
        return data.size();
      };
      parser.on_chunk_body(on_chunk);

      error_code ec = asio::error::would_block;
      Visit([&](auto& s) {
        s.expires_after(timeouts_.read);
        http::async_write(s, req, [&](error_code e, std::size_t) {
          if (e) {
            ec = e;
            return;
          }
          http::async_read_header(s, buffer_, parser, [&ec](error_code e2, std::size_t) { ec = e2; });
        });
      });
      RunIo();
      if (ec) {
        Close();
        if (reused && attempt == 0 && IsStaleConnection(ec)) continue;
        return Failure("GET", target, ec);
      }
      HttpClientResponse out = ToResponse(parser.get());
      const bool streaming = out.status == 200 && parser.chunked();
      while (!parser.is_done()) {
        ec = asio::error::would_block;
        Visit([&](auto& s) {
          if (!streaming) s.expires_after(timeouts_.read);
          else if (idle.count() > 0) s.expires_after(idle);
          else s.expires_never();
          http::async_read_some(s, buffer_, parser, [&ec](error_code e, std::size_t) { ec = e; });
        });
        RunIo();
        if (stopped) break;
        if (ec) {
          Close();
          return Failure("GET", target, ec);
        }
      }
      if (!parser.get().body().empty()) {
        if (out.status == 200) (void)sse.Feed(parser.get().body(), on_event);  // an unchunked stream
        else out.body = std::move(parser.get().body());
      }
      // An event stream owns its connection to the end (the daemon closes
      // it); start the next request on a fresh one.
      if (streaming || stopped || !parser.get().keep_alive()) Close();
      else reused_ = true;
      return out;
    }
  }

 private:
  http::request<http::string_body> MakeRequest(http::verb verb, std::string_view target,
                                               const HttpHeaders& headers) const {
    http::request<http::string_body> req{verb, beast::string_view(target.data(), target.size()), 11};
    req.set(http::field::host, endpoint_.unix_socket ? "localhost" : endpoint_.host + ":" + endpoint_.port);
    req.set(http::field::user_agent, "stockade");
    req.keep_alive(true);
    for (const auto& [k, v] : headers) req.set(k, v);
    return req;
  }

  Status Failure(std::string_view method, std::string_view target, const error_code& ec) const {
    const std::string why = ec == beast::error::timeout ? "no answer in time" : ec.message();
    return Status::Error(std::string(method) + " " + url_ + std::string(target) + ": " + why);
  }

  // Runs what was started until it completes; the stream's expiry bounds
  // every operation, so this always returns.
  void RunIo() {
    io_.restart();
    io_.run();
  }

  template <typename F>
  void Visit(F&& f) {
    if (tcp_) f(*tcp_);
    else f(*unix_);
  }

  std::string url_;
  Endpoint endpoint_;
  HttpClientTimeouts timeouts_;
  asio::io_context io_{1};
  std::optional<beast::basic_stream<tcp>> tcp_;
  std::optional<beast::basic_stream<unix_socket>> unix_;
  beast::flat_buffer buffer_;
  bool reused_ = false;  // the connection has carried a whole exchange
};

StatusOr<HttpClient> HttpClient::Connect(const std::string& url, HttpClientTimeouts timeouts) {
  STOCKADE_ASSIGN_OR_RETURN(Endpoint endpoint, ParseUrl(url));
  auto impl = std::make_unique<Impl>(url, std::move(endpoint), timeouts);
  STOCKADE_RETURN_IF_ERROR(impl->Open());
  return HttpClient(std::move(impl));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() = default;

StatusOr<HttpClientResponse> HttpClient::Request(std::string_view method, std::string_view target,
                                                 std::string_view body, const HttpHeaders& headers) {
  return impl_->Request(method, target, body, headers);
}

StatusOr<HttpClientResponse> HttpClient::Stream(std::string_view target, const HttpHeaders& headers,
                                                const std::function<bool(const SseEvent&)>& on_event,
                                                std::chrono::milliseconds idle) {
  return impl_->Stream(target, headers, on_event, idle);
}

const std::string& HttpClient::url() const { return impl_->url(); }

}  // namespace stockade::supervisor
