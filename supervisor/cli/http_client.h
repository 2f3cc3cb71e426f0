// HttpClient: a small synchronous HTTP/1.1 client for the daemon's API.
//
// It is what `stockade exec`, the HTTP benchmark and the integration tests
// use to talk to `stockade serve`, over TCP ("http://127.0.0.1:8080") or a
// Unix socket ("unix:/run/stockade.sock"). One client is one keep-alive
// connection, used by one thread at a time; a connection the server closed
// while idle is reopened transparently before the next request.
//
// The calls block, but every wait is bounded: each blocking call runs Beast's
// asynchronous operations on a private io_context with a deadline, because
// Asio's synchronous socket calls ignore SO_RCVTIMEO and would wait forever
// on a stalled server. Failures (refused, timed out, malformed reply) come
// back as a Status with the URL in the message, never as exceptions.
//
// Stream() reads a Server-Sent Events reply (GET .../events) incrementally:
// the callback sees each event as soon as its chunk arrives, which is what
// lets the CLI print console lines while the script is still running.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/status.h"

namespace stockade::supervisor {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpClientResponse {
  unsigned status = 0;  // 200, 202, 404 ...
  HttpHeaders headers;  // as received, names in the server's spelling
  std::string body;

  // First header with this name (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

struct HttpClientTimeouts {
  std::chrono::milliseconds connect{5000};
  // From sending a request to the whole response (Request), or to the
  // response header (Stream).
  std::chrono::milliseconds read{30000};
};

// One Server-Sent Event: "event: console\ndata: {...}\n\n".
struct SseEvent {
  std::string event;  // "message" when the server names none
  std::string data;   // data lines joined with '\n'
};

class HttpClient {
 public:
  // `url`: "http://HOST:PORT" (a path after it is ignored) or "unix:/PATH".
  // Connects now, so an unreachable daemon is reported here.
  static StatusOr<HttpClient> Connect(const std::string& url, HttpClientTimeouts timeouts = {});

  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  ~HttpClient();

  // One request/response on the keep-alive connection. A non-2xx answer is
  // a response, not an error; errors are for the transport.
  StatusOr<HttpClientResponse> Request(std::string_view method, std::string_view target,
                                       std::string_view body = {}, const HttpHeaders& headers = {});

  // GET `target` and read its event stream until the server ends it or
  // `on_event` returns false. `idle` bounds the wait for each next piece of
  // the stream (zero: no bound; a silent script may run for a long time).
  // Returns the response with an empty body for a 200 stream, or the whole
  // answer (e.g. a 404 ErrorResponse) when the server did not stream.
  StatusOr<HttpClientResponse> Stream(std::string_view target, const HttpHeaders& headers,
                                      const std::function<bool(const SseEvent&)>& on_event,
                                      std::chrono::milliseconds idle = std::chrono::milliseconds(0));

  const std::string& url() const;

 private:
  class Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Feeds Stream() bytes in and yields complete events; exposed for tests.
class SseParser {
 public:
  // Appends `bytes`; calls `on_event` for every event completed by them.
  // Returns false as soon as `on_event` does.
  bool Feed(std::string_view bytes, const std::function<bool(const SseEvent&)>& on_event);

 private:
  std::string pending_;
};

}  // namespace stockade::supervisor
