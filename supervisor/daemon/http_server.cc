#include "supervisor/daemon/http_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <sstream>
#include <type_traits>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "supervisor/common/log.h"

namespace stockade::supervisor {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using unix_socket = asio::local::stream_protocol;

std::string ListenAddress::text() const {
  if (unix_socket) return "unix:" + path;
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

StatusOr<ListenAddress> ParseListenAddress(const std::string& text) {
  ListenAddress a;
  if (text.rfind("unix:", 0) == 0) {
    a.unix_socket = true;
    a.path = text.substr(5);
    if (a.path.empty() || a.path[0] != '/') return Status::Error("--listen " + text + ": needs an absolute path");
    return a;
  }
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) return Status::Error("--listen " + text + ": expected HOST:PORT or unix:PATH");
  a.host = text.substr(0, colon);
  if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') a.host = a.host.substr(1, a.host.size() - 2);
  const std::string port = text.substr(colon + 1);
  char* end = nullptr;
  const unsigned long p = std::strtoul(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p > 65535) return Status::Error("--listen " + text + ": bad port");
  a.port = static_cast<std::uint16_t>(p);
  return a;
}

namespace {

using std::chrono::milliseconds;

// What a connection reads ahead at most: a request's header (16 KiB),
// chunk-size lines, a trailer, and what is left of a body Beast has not
// moved into the request yet. A body itself goes into the request, within
// max_body_bytes.
constexpr std::size_t kReadBufferBytes = 64 * 1024;

// SSE batches carry at most this much console at a time, so a stream of a
// run with a large console holds one batch, not a copy of the console.
constexpr std::size_t kSseBatchBytes = 64 * 1024;

// A lease for `bytes`, waiting (briefly, polling) for room; nullopt after
// `within`. Streams wait where a request would be refused: a stream has
// already been answered 200.
awaitable<std::optional<ByteBudget::Lease>> TakeWithin(ByteBudget* budget, std::uint64_t bytes,
                                                       const std::string* owner, milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  for (;;) {
    if (auto lease = budget->TryTake(bytes, *owner)) co_return lease;
    if (std::chrono::steady_clock::now() >= deadline) co_return std::nullopt;
    asio::steady_timer pause(co_await asio::this_coro::executor, milliseconds(50));
    error_code ec;
    co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
  }
}

template <typename Protocol>
awaitable<void> WriteSse(beast::basic_stream<Protocol>& stream, unsigned version,
                         std::shared_ptr<ExecutionRecord> record, milliseconds write_timeout,
                         ByteBudget* buffers) {
  http::response<http::empty_body> res{http::status::ok, version};
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-cache");
  res.keep_alive(false);
  res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  error_code ec;
  stream.expires_after(write_timeout);
  co_await http::async_write_header(stream, sr, asio::redirect_error(use_awaitable, ec));
  if (ec) co_return;
  // The stream holds the record only while it renders from it: a finished
  // record is the store's to evict, and a slow reader must not keep it
  // alive. One evicted mid-stream ends the stream without its result (a
  // GET then answers 410 with the reason).
  std::weak_ptr<ExecutionRecord> weak = record;
  const std::string owner = record->owner;
  record.reset();
  std::size_t sent = 0;
  for (;;) {
    std::string batch;
    bool done = false;
    std::uint64_t result_bytes = 0;
    if (auto r = weak.lock()) {
      for (; sent < r->ConsoleSize() && batch.size() < kSseBatchBytes; ++sent) {
        batch += ApiService::SseEvent("console", r->ConsoleLine(sent));
      }
      done = r->state == api::DONE && sent >= r->ConsoleSize();
      if (done) result_bytes = r->result.ByteSizeLong();
    } else {
      co_return;
    }
    std::optional<ByteBudget::Lease> lease;
    if (done) {
      // The result may be large: rendered only with room in the budget. A
      // stream that cannot get it in time ends without it (the client can
      // still GET the execution).
      lease = co_await TakeWithin(buffers, result_bytes + batch.size(), &owner, write_timeout);
      auto r = weak.lock();
      if (!lease || !r) co_return;
      batch += ApiService::SseEvent("result", r->result);
      // Escapes can make it larger than estimated: held only if it fits.
      if (!lease->TryResize(batch.size())) co_return;
    }
    if (!batch.empty()) {
      stream.expires_after(write_timeout);
      co_await asio::async_write(stream, http::make_chunk(asio::buffer(batch)),
                                 asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;  // the client went away
    }
    if (done) break;
    // A change made while the batch was being written cancelled no waiter:
    // wait only if there is nothing new, or that change is lost and the
    // stream hangs (the io thread runs nothing between this check and
    // the wait being registered). An unfinished record is never evicted.
    auto r = weak.lock();
    if (!r) co_return;
    if (sent >= r->ConsoleSize() && r->state != api::DONE) co_await AwaitChange(std::move(r));
  }
  stream.expires_after(write_timeout);
  co_await asio::async_write(stream, http::make_chunk_last(), asio::redirect_error(use_awaitable, ec));
  error_code ignored;
  stream.socket().shutdown(Protocol::socket::shutdown_send, ignored);
}

// Closing while the client is still sending its (refused) body would make
// the kernel answer with a reset, and the client would lose our reply. So:
// stop sending, then read and drop what is still coming, for a bounded time
// and amount, before closing.
template <typename Protocol>
awaitable<void> LingeringClose(beast::basic_stream<Protocol>& stream, std::uint64_t max_bytes) {
  error_code ec;
  stream.socket().shutdown(Protocol::socket::shutdown_send, ec);
  std::array<char, 16384> scratch;
  std::uint64_t dropped = 0;
  stream.expires_after(milliseconds(2000));
  while (!ec && dropped < 4 * max_bytes) {
    dropped += co_await stream.async_read_some(asio::buffer(scratch), asio::redirect_error(use_awaitable, ec));
  }
}

// Refused at the cap: a best-effort answer that cannot block (the socket
// buffer of a fresh connection has room for it), then the socket closes.
template <typename Socket>
void RefuseAtCap(Socket& socket, const ApiService& api, std::size_t cap) {
  HttpResponse res = api.ErrorReply(503, api::QUEUE_FULL,
                                    "the daemon holds its cap of " + std::to_string(cap) +
                                        " connections, all busy; retry shortly",
                                    11, false);
  res.set(http::field::retry_after, "1");
  std::ostringstream text;
  text << res;
  const std::string bytes = text.str();
  (void)::send(socket.native_handle(), bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  error_code ignored;
  socket.shutdown(Socket::shutdown_send, ignored);
  socket.close(ignored);
}

struct ConnectionContext {
  ApiService* api;
  policy::DaemonPolicy limits;
  ConnectionTable* table;
};

template <typename Protocol>
awaitable<void> RunConnection(typename Protocol::socket socket, ConnectionContext ctx) {
  ApiService* api = ctx.api;
  const policy::DaemonPolicy& limits = ctx.limits;
  const std::uint64_t shed_before = ctx.table->shed();
  beast::basic_stream<Protocol> stream(std::move(socket));
  std::optional<ConnectionTable::Slot> slot = ctx.table->Admit([&stream] { stream.close(); });
  api->metrics().ConnectionsShed(ctx.table->shed() - shed_before);
  if (!slot) {
    api->metrics().ConnectionRefused("cap");
    RefuseAtCap(stream.socket(), *api, ctx.table->cap());
    co_return;
  }
  // Capped: Beast applies neither the header limit to a chunk's size line
  // and extensions or to the trailer, nor the body limit to them, so an
  // uncapped buffer grows for as long as a client sends such bytes.
  beast::flat_buffer buffer(kReadBufferBytes);
  const milliseconds read_timeout(limits.read_timeout_ms());
  const milliseconds idle_timeout(limits.idle_timeout_ms());
  bool first = true;
  for (;;) {
    error_code ec;
    // Quiet: wait for the first byte of the next request. A connection
    // that has never spoken gets only the read timeout (it is the cheapest
    // way to hold a descriptor); a kept-alive one, the idle timeout.
    if (buffer.size() == 0) {
      if (!first) slot->Idle();
      stream.expires_after(first ? read_timeout : idle_timeout);
      const std::size_t n = co_await stream.async_read_some(buffer.prepare(4096),
                                                            asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;  // closed, timed out, or shed
      buffer.commit(n);
    }
    // Shed while its first bytes were on their way in: it no longer counts
    // as open and its socket is closed, so it serves nothing.
    if (!slot->Busy()) co_return;
    first = false;
    // From the first byte, the whole request must arrive within the read
    // timeout: a slow loris gets cut off, whatever pace it keeps.
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(limits.max_body_bytes());
    stream.expires_after(read_timeout);
    co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
    // The body is read only with room for it in the daemon's buffers: each
    // connection's body is capped, and so is their sum. Small bodies are
    // bounded per connection (and hold only what has arrived); a large one
    // needs a key before it may hold the budget.
    std::optional<ByteBudget::Lease> body_lease;
    const std::uint64_t want = !ec && !parser.is_done()
                                   ? (parser.content_length() ? *parser.content_length() : limits.max_body_bytes())
                                   : 0;
    const std::optional<std::string> body_owner =
        want > ByteBudget::kSmallItemBytes ? api->BodyOwner(parser.get()) : std::optional<std::string>(std::string());
    if (!body_owner) {
      api->metrics().Rejected("unauthorized");
      HttpResponse res = api->UnauthorizedReply(parser.get().version(), false);
      stream.expires_after(read_timeout);
      co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
      co_await LingeringClose(stream, limits.max_body_bytes());
      co_return;
    }
    if (!ec && !parser.is_done()) {
      if (want > ByteBudget::kSmallItemBytes) body_lease = api->buffers().TryTake(want, *body_owner);
      if (want > ByteBudget::kSmallItemBytes && !body_lease) {
        api->metrics().Rejected("buffers_full");
        HttpResponse res = api->BusyReply(parser.get().version(), false,
                                          "a request body of " + std::to_string(want) + " bytes");
        co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
        co_await LingeringClose(stream, limits.max_body_bytes());
        co_return;
      }
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
    }
    if (ec == http::error::body_limit) {
      HttpResponse res = api->ErrorReply(413, api::INVALID_REQUEST,
                                         "request body over " + std::to_string(limits.max_body_bytes()) +
                                             " bytes",
                                         parser.get().version(), false);
      stream.expires_after(read_timeout);
      co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
      co_await LingeringClose(stream, limits.max_body_bytes());
      co_return;
    }
    // A timeout needs no reply: Beast has already closed the socket, which is
    // all a stalled or slow client gets.
    if (ec == beast::error::timeout) co_return;
    if (ec == http::error::end_of_stream) co_return;
    if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) co_return;  // shed
    if (ec) {
      HttpResponse res = api->ErrorReply(400, api::INVALID_REQUEST, "malformed HTTP request: " + ec.message(),
                                         11, false);
      stream.expires_after(milliseconds(1000));
      co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
      co_return;
    }
    HttpRequest req = parser.release();
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    // While the handler waits (a synchronous execution), no read timeout
    // runs: the wait is bounded by the execution's own limits.
    stream.expires_never();
    ApiReply reply = co_await api->Handle(std::move(req), body_lease ? &*body_lease : nullptr);
    body_lease.reset();
    if (reply.stream) {
      co_await WriteSse(stream, version, std::move(reply.stream), read_timeout, &api->buffers());
      co_return;
    }
    stream.expires_after(read_timeout);
    co_await http::async_write(stream, reply.response, asio::redirect_error(use_awaitable, ec));
    if (ec || !keep_alive || !reply.response.keep_alive()) break;
  }
  error_code ignored;
  stream.socket().shutdown(Protocol::socket::shutdown_send, ignored);
}

template <typename Acceptor, typename Protocol>
awaitable<void> AcceptLoop(Acceptor* acceptor, ConnectionContext ctx) {
  for (;;) {
    error_code ec;
    typename Protocol::socket socket = co_await acceptor->async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) {
      // Out of descriptors (the cap leaves room, but workers and the host
      // share them): close the quietest connection and retry at once;
      // with none to close, back off briefly instead of spinning.
      const bool no_fds = ec == asio::error::no_descriptors || ec.value() == ENFILE;
      if (no_fds) ctx.api->metrics().ConnectionRefused("fd_limit");
      if (no_fds && ctx.table->ShedOne()) {
        ctx.api->metrics().ConnectionsShed(1);
        continue;
      }
      Log(LogLevel::kWarn, "accept_failed", {{"error", ec.message()}});
      asio::steady_timer pause(acceptor->get_executor(), milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    if constexpr (std::is_same_v<Protocol, tcp>) {
      // Requests and replies are small and answered one at a time: Nagle's
      // delay would only add latency.
      socket.set_option(tcp::no_delay(true), ec);
    }
    asio::co_spawn(acceptor->get_executor(), RunConnection<Protocol>(std::move(socket), ctx),
                   [](std::exception_ptr e) {
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       Log(LogLevel::kError, "connection_failed", {{"error", ex.what()}});
                     }
                   });
  }
}

bool IsLoopback(const asio::ip::address& a) {
  return a.is_loopback() || (a.is_v6() && a.to_v6().is_v4_mapped() &&
                             asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback());
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, ApiService& api, const policy::DaemonPolicy& limits,
                       std::size_t max_connections)
    : io_(io), api_(api), limits_(limits), connections_(max_connections) {
  api_.metrics().WatchConnections(connections_);
}

HttpServer::~HttpServer() {
  StopAccepting();
}

Status HttpServer::Listen(const ListenAddress& address, bool allow_remote) {
  error_code ec;
  if (address.unix_socket) {
    ::unlink(address.path.c_str());  // a stale socket from a previous run
    auto acceptor = std::make_unique<unix_socket::acceptor>(io_);
    acceptor->open(unix_socket(), ec);
    if (!ec) acceptor->bind(unix_socket::endpoint(address.path), ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Status::Error("listen " + address.text() + ": " + ec.message());
    // Owner and group only: without API keys, file permissions are the
    // access control of a Unix socket.
    ::chmod(address.path.c_str(), 0660);
    unix_.push_back(std::move(acceptor));
    unix_paths_.push_back(address.path);
    return Status::Ok();
  }
  const asio::ip::address ip = asio::ip::make_address(address.host, ec);
  if (ec) return Status::Error("listen " + address.text() + ": not an IP address");
  if (!allow_remote && !IsLoopback(ip)) {
    return Status::Error("listen " + address.text() +
                         ": refusing a non-loopback address without --api-keys (anyone on the "
                         "network could run code); give --api-keys FILE or listen on 127.0.0.1");
  }
  auto acceptor = std::make_unique<tcp::acceptor>(io_);
  const tcp::endpoint endpoint(ip, address.port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Error("listen " + address.text() + ": " + ec.message());
  tcp_.push_back(std::move(acceptor));
  return Status::Ok();
}

void HttpServer::Start() {
  for (auto& a : tcp_) {
    asio::co_spawn(io_, AcceptLoop<tcp::acceptor, tcp>(a.get(), {&api_, limits_, &connections_}), asio::detached);
  }
  for (auto& a : unix_) {
    asio::co_spawn(io_, AcceptLoop<unix_socket::acceptor, unix_socket>(a.get(), {&api_, limits_, &connections_}),
                   asio::detached);
  }
}

void HttpServer::StopAccepting() {
  error_code ignored;
  for (auto& a : tcp_) a->close(ignored);
  for (auto& a : unix_) a->close(ignored);
  for (const std::string& path : unix_paths_) ::unlink(path.c_str());
  unix_paths_.clear();
}

std::vector<std::string> HttpServer::bound() const {
  std::vector<std::string> out;
  for (const auto& a : tcp_) {
    error_code ec;
    const tcp::endpoint e = a->local_endpoint(ec);
    if (ec) continue;
    ListenAddress la;
    la.host = e.address().to_string();
    la.port = e.port();
    out.push_back(la.text());
  }
  for (const auto& a : unix_) {
    error_code ec;
    const auto e = a->local_endpoint(ec);
    if (!ec) out.push_back("unix:" + e.path());
  }
  return out;
}

}  // namespace stockade::supervisor
