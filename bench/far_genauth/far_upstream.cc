// genauth-far-upstream: a benchmark stand-in for a GenAuth that is far away (scripts/bench-far.sh).
// It is NOT an emulator: no credentials are checked, nothing is stored, no faults are scripted
// (the GenAuth emulator in src/emulator does that). It only answers every /api/v3 call after a
// fixed --delay-ms, as cheaply as possible, so that thousands of slow calls can be in flight on a
// 2-core machine without the upstream being the bottleneck.
//
// One thread, one epoll loop, non-blocking sockets, OpenSSL for TLS, HTTP/1.1 keep-alive (no
// request limit per connection; one request at a time per connection, pipelined ones wait) and,
// when the client offers it by ALPN and --h2 is on, HTTP/2 through nghttp2's server session. The
// delay is a FIFO of timers on the loop (every delayed reply waits the same time, so the queue is
// ordered by construction) driven by one timerfd, rounded up to whole milliseconds so that one
// wake-up answers every reply due in that millisecond. Counters are printed as one JSON line on
// stdout at exit (SIGTERM or SIGINT).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/ascii_case.h"
#include "common/atomic_file.h"
#include "common/decimal.h"
#include "common/flag_reader.h"
#include "common/http_reason.h"
#include "replies.h"
#include "sidecar_version.h"

namespace {

namespace far = genauth::bench::far;

constexpr char kUsage[] = R"(Usage: genauth-far-upstream --cert FILE --key FILE [flags]
A benchmark stand-in for a far-away GenAuth (not an emulator): HTTPS on 127.0.0.1, every
/api/v3 call answered after --delay-ms (get-management-token at once). One thread, epoll.
  --port N              TCP port, 0 = any free one (0)
  --port-file FILE      write the bound port here once listening
  --cert FILE, --key FILE   PEM certificate and private key
  --delay-ms N          delay of every reply but the token's, milliseconds (100)
  --h2 on|off           offer HTTP/2 by ALPN (on); HTTP/1.1 is always offered
  --h2-max-streams N    SETTINGS_MAX_CONCURRENT_STREAMS per HTTP/2 connection (128, as nginx
                        and most load balancers)
  --max-connections N   open connections at most; more are closed at accept (20000, and below
                        the open-file limit)
  --help, --version     print this text, or the version, and exit
Counters (JSON, one line) go to stdout on SIGTERM/SIGINT.
)";

constexpr size_t kMaxRequestBytes = 8 * 1024 * 1024;  // larger bodies get 413
constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr uint64_t kListenerId = 1, kTimerId = 2, kSignalId = 3, kFirstConnId = 16;

struct Options {
  int port = 0;
  std::string port_file, cert, key;
  int64_t delay_ms = 100;
  bool h2 = true;
  uint32_t h2_max_streams = 128;
  size_t max_connections = 20000;
};

struct Counters {
  uint64_t connections = 0, refused_connections = 0, tls_failures = 0, max_open_connections = 0;
  uint64_t h1_requests = 0, h2_connections = 0, h2_streams = 0, too_large = 0;
  uint64_t replies_to_closed = 0;  // a delayed reply whose connection or stream had gone
};

int64_t NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// One HTTP/2 request and, once known, its reply (the data provider reads `reply` from `sent`).
struct Stream {
  std::string method, path;
  size_t body_bytes = 0;
  bool answered = false;  // a reply was submitted (413 while the body was still arriving)
  int status = 200;
  std::string reply;
  size_t sent = 0;
};

class Server;

struct Conn {
  uint64_t id = 0;
  int fd = -1;
  SSL* ssl = nullptr;
  Server* server = nullptr;
  bool handshaken = false;
  bool closing = false;     // close once `out` is written
  uint32_t watched = 0;     // the epoll events currently registered
  std::string in, out;      // plaintext received but not yet parsed / to be encrypted and sent
  bool h1_waiting = false;  // HTTP/1.1: a delayed reply is pending; reading is paused
  std::string h1_reply;     // that reply, serialised
  bool h1_close_after = false;
  nghttp2_session* session = nullptr;  // HTTP/2 only
  std::map<int32_t, Stream> streams;
};

struct Timer {
  int64_t due_ns;
  uint64_t conn_id;
  int32_t stream_id;  // 0 for an HTTP/1.1 reply
};

std::string SerializeH1(const far::Reply& reply, bool close) {
  return "HTTP/1.1 " + std::to_string(reply.http_status) + " " +
         std::string(genauth::common::HttpReasonPhrase(reply.http_status)) +
         "\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(reply.body.size()) + "\r\n" + (close ? "Connection: close\r\n" : "") +
         "\r\n" + reply.body;
}

int SelectAlpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* outlen,
               const unsigned char* in, unsigned int inlen, void* arg) {
  static const unsigned char kBoth[] = "\x02h2\x08http/1.1";
  static const unsigned char kH1[] = "\x08http/1.1";
  const bool h2 = *static_cast<const bool*>(arg);
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, h2 ? kBoth : kH1,
                            h2 ? sizeof(kBoth) - 1 : sizeof(kH1) - 1, in,
                            inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

class Server {
 public:
  explicit Server(const Options& options) : options_(options) {}

  int Run();

  // nghttp2 callbacks (user_data is the Conn).
  static ssize_t OnSend(nghttp2_session*, const uint8_t* data, size_t length, int, void* user);
  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user);
  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* user);
  static int OnDataChunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t*, size_t len,
                         void* user);
  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user);
  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t, void* user);
  static ssize_t ReadReply(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                           nghttp2_data_source* source, void*);

 private:
  bool Setup();
  void Accept();
  void OnConnEvent(Conn* c, uint32_t events);
  bool ReadTls(Conn* c);
  void ProcessH1(Conn* c);
  void StartH2(Conn* c);
  void H2RequestDone(Conn* c, int32_t stream_id);
  void SubmitH2Reply(Conn* c, int32_t stream_id, Stream* stream);
  bool Flush(Conn* c);  // false: the connection is finished and must be closed
  void Watch(Conn* c, bool want_write);
  void Close(Conn* c);
  void Schedule(uint64_t conn_id, int32_t stream_id);
  void ArmTimer();
  void OnTimer();
  void PrintCounters() const;

  const Options options_;
  Counters counters_;
  uint64_t sequence_ = 0;
  uint64_t next_id_ = kFirstConnId;
  int epoll_ = -1, listener_ = -1, timer_fd_ = -1, signal_fd_ = -1;
  SSL_CTX* tls_ = nullptr;
  nghttp2_session_callbacks* h2_callbacks_ = nullptr;
  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns_;
  std::deque<Timer> timers_;
};

bool Server::Setup() {
  tls_ = SSL_CTX_new(TLS_server_method());
  if (tls_ == nullptr || SSL_CTX_use_certificate_chain_file(tls_, options_.cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(tls_, options_.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    std::fprintf(stderr, "genauth-far-upstream: cannot load --cert/--key\n");
    return false;
  }
  SSL_CTX_set_min_proto_version(tls_, TLS1_2_VERSION);
  // Partial writes: `out` only grows at its end, so a retried SSL_write may pass a longer buffer.
  SSL_CTX_set_mode(tls_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                             SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_alpn_select_cb(tls_, SelectAlpn, const_cast<bool*>(&options_.h2));

  nghttp2_session_callbacks_new(&h2_callbacks_);
  nghttp2_session_callbacks_set_send_callback(h2_callbacks_, OnSend);
  nghttp2_session_callbacks_set_on_begin_headers_callback(h2_callbacks_, OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(h2_callbacks_, OnHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(h2_callbacks_, OnDataChunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(h2_callbacks_, OnFrameRecv);
  nghttp2_session_callbacks_set_on_stream_close_callback(h2_callbacks_, OnStreamClose);

  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(options_.port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      listen(listener_, SOMAXCONN) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::fprintf(stderr, "genauth-far-upstream: cannot listen: %s\n", std::strerror(errno));
    return false;
  }
  if (!options_.port_file.empty()) {
    genauth::common::WriteFileAtomically(
        options_.port_file, std::to_string(ntohs(addr.sin_port)) + "\n", "the port file");
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signal_fd_ = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
  timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  for (auto [fd, id] : {std::pair{listener_, kListenerId}, std::pair{timer_fd_, kTimerId},
                        std::pair{signal_fd_, kSignalId}}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = id;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  }
  return true;
}

int Server::Run() {
  if (!Setup()) return 1;
  std::vector<epoll_event> events(1024);
  bool running = true;
  while (running) {
    const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      const uint64_t id = events[static_cast<size_t>(i)].data.u64;
      if (id == kListenerId) {
        Accept();
      } else if (id == kTimerId) {
        OnTimer();
      } else if (id == kSignalId) {
        running = false;
      } else if (auto it = conns_.find(id); it != conns_.end()) {
        OnConnEvent(it->second.get(), events[static_cast<size_t>(i)].events);
      }
    }
  }
  while (!conns_.empty()) Close(conns_.begin()->second.get());
  PrintCounters();
  nghttp2_session_callbacks_del(h2_callbacks_);
  SSL_CTX_free(tls_);
  return 0;
}

void Server::Accept() {
  for (;;) {
    const int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or out of descriptors (bounded below the limit by main)
    if (conns_.size() >= options_.max_connections) {
      ++counters_.refused_connections;
      close(fd);
      continue;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto conn = std::make_unique<Conn>();
    conn->id = next_id_++;
    conn->fd = fd;
    conn->server = this;
    conn->ssl = SSL_new(tls_);
    SSL_set_fd(conn->ssl, fd);
    SSL_set_accept_state(conn->ssl);
    epoll_event ev{};
    ev.events = conn->watched = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = conn->id;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
    ++counters_.connections;
    conns_[conn->id] = std::move(conn);
    counters_.max_open_connections =
        std::max<uint64_t>(counters_.max_open_connections, conns_.size());
  }
}

void Server::OnConnEvent(Conn* c, uint32_t events) {
  if ((events & (EPOLLHUP | EPOLLERR)) != 0 && (events & EPOLLIN) == 0) return Close(c);
  // A client that gave up on a pending HTTP/1.1 reply: its timer will find the connection gone.
  if ((events & EPOLLRDHUP) != 0 && c->h1_waiting) return Close(c);
  if (!c->handshaken) {
    const int r = SSL_do_handshake(c->ssl);
    if (r != 1) {
      const int err = SSL_get_error(c->ssl, r);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        return Watch(c, err == SSL_ERROR_WANT_WRITE);
      }
      ++counters_.tls_failures;
      return Close(c);
    }
    c->handshaken = true;
    const unsigned char* alpn = nullptr;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(c->ssl, &alpn, &alpn_len);
    if (alpn_len == 2 && std::memcmp(alpn, "h2", 2) == 0) StartH2(c);
  }
  if (!c->h1_waiting) {
    if (!ReadTls(c)) return Close(c);
    if (c->session != nullptr) {
      const ssize_t used = nghttp2_session_mem_recv(
          c->session, reinterpret_cast<const uint8_t*>(c->in.data()), c->in.size());
      if (used < 0) return Close(c);
      c->in.clear();
    } else {
      ProcessH1(c);
    }
  }
  if (!Flush(c)) Close(c);
}

// Moves decrypted bytes into c->in until the socket has no more (or the buffer bound is reached;
// then the rest waits in the kernel). False when the peer closed or TLS failed.
bool Server::ReadTls(Conn* c) {
  char buf[16384];
  while (c->in.size() < kMaxRequestBytes + kMaxHeaderBytes) {
    const int n = SSL_read(c->ssl, buf, sizeof(buf));
    if (n > 0) {
      c->in.append(buf, static_cast<size_t>(n));
      continue;
    }
    const int err = SSL_get_error(c->ssl, n);
    return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE;
  }
  return true;
}

// HTTP/1.1, one request at a time: parses c->in, answers at once or schedules the delayed reply
// (then reading pauses until it is sent). Bodies are not chunked here (Content-Length only).
void Server::ProcessH1(Conn* c) {
  while (!c->h1_waiting && !c->closing) {
    const size_t end = c->in.find("\r\n\r\n");
    auto refuse = [&](int status, const char* message) {
      c->out += SerializeH1(far::ErrorReply(status, message), true);
      c->closing = true;
    };
    if (end == std::string::npos) {
      if (c->in.size() > kMaxHeaderBytes) refuse(431, "request headers too large");
      return;
    }
    const std::string head = c->in.substr(0, end);
    const size_t line_end = head.find("\r\n");
    const std::string line = head.substr(0, line_end);
    const size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
    if (sp1 == std::string::npos || sp2 <= sp1) return refuse(400, "bad request line");
    const std::string method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const bool http10 = line.substr(sp2 + 1) == "HTTP/1.0";
    size_t content_length = 0;
    std::string connection;
    for (size_t pos = line_end; pos != std::string::npos && pos < head.size();) {
      const size_t next = head.find("\r\n", pos + 2);
      const std::string header =
          head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      pos = next;
      const size_t colon = header.find(':');
      if (colon == std::string::npos) continue;
      const std::string name = genauth::common::AsciiLower(header.substr(0, colon));
      const std::string value = header.substr(header.find_first_not_of(' ', colon + 1));
      if (name == "content-length") {
        char* stop = nullptr;
        const unsigned long long parsed = std::strtoull(value.c_str(), &stop, 10);
        if (stop == value.c_str()) return refuse(400, "bad content-length");
        if (parsed > kMaxRequestBytes) {
          ++counters_.too_large;
          return refuse(413, "payload too large");
        }
        content_length = static_cast<size_t>(parsed);
      } else if (name == "transfer-encoding") {
        return refuse(501, "chunked request bodies are not supported");
      } else if (name == "connection") {
        connection = genauth::common::AsciiLower(value);
      }
    }
    if (c->in.size() < end + 4 + content_length) return;  // the body is still arriving
    c->in.erase(0, end + 4 + content_length);
    ++counters_.h1_requests;
    const far::Reply reply = far::ReplyFor(method, target, ++sequence_);
    const bool close = http10 ? connection != "keep-alive" : connection == "close";
    if (reply.delayed && options_.delay_ms > 0) {
      c->h1_waiting = true;
      c->h1_reply = SerializeH1(reply, close);
      c->h1_close_after = close;
      Schedule(c->id, 0);
    } else {
      c->out += SerializeH1(reply, close);
      c->closing = close;
    }
  }
}

void Server::StartH2(Conn* c) {
  nghttp2_session_server_new(&c->session, h2_callbacks_, c);
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, options_.h2_max_streams}};
  nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, settings, 1);
  ++counters_.h2_connections;
}

void Server::H2RequestDone(Conn* c, int32_t stream_id) {
  Stream& s = c->streams[stream_id];
  ++counters_.h2_streams;
  far::Reply reply = far::ReplyFor(s.method, s.path, ++sequence_);
  s.status = reply.http_status;
  s.reply = std::move(reply.body);
  if (reply.delayed && options_.delay_ms > 0) {
    Schedule(c->id, stream_id);
  } else {
    SubmitH2Reply(c, stream_id, &s);
  }
}

void Server::SubmitH2Reply(Conn* c, int32_t stream_id, Stream* s) {
  const std::string status = std::to_string(s->status), length = std::to_string(s->reply.size());
  auto nv = [](const char* name, const std::string& value) {
    return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name)),
                      reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())),
                      std::strlen(name), value.size(), NGHTTP2_NV_FLAG_NONE};
  };
  const std::string type = "application/json";
  const nghttp2_nv headers[] = {nv(":status", status), nv("content-type", type),
                                nv("content-length", length)};
  nghttp2_data_provider provider{};
  provider.source.ptr = s;
  provider.read_callback = ReadReply;
  s->answered = true;
  nghttp2_submit_response(c->session, stream_id, headers, 3, &provider);  // copies the headers
}

bool Server::Flush(Conn* c) {
  if (c->session != nullptr && nghttp2_session_send(c->session) != 0) return false;
  size_t sent = 0;
  while (sent < c->out.size()) {
    const int n = SSL_write(c->ssl, c->out.data() + sent,
                            static_cast<int>(std::min<size_t>(c->out.size() - sent, 1 << 30)));
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    const int err = SSL_get_error(c->ssl, n);
    if (err != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ) return false;
    break;
  }
  c->out.erase(0, sent);
  if (c->out.empty()) {
    if (c->closing) return false;
    if (c->session != nullptr && !nghttp2_session_want_read(c->session) &&
        !nghttp2_session_want_write(c->session)) {
      return false;
    }
  }
  Watch(c, !c->out.empty());
  return true;
}

// Registers the epoll events the connection needs now: reading unless an HTTP/1.1 reply is
// pending (so a pipelining client cannot grow c->in), writing while bytes wait, and always the
// peer's close (EPOLLRDHUP), so that a connection given up on does not stay open until its reply.
void Server::Watch(Conn* c, bool want_write) {
  const uint32_t events = static_cast<uint32_t>(EPOLLRDHUP) |
                          (c->h1_waiting ? 0u : static_cast<uint32_t>(EPOLLIN)) |
                          (want_write ? static_cast<uint32_t>(EPOLLOUT) : 0u);
  if (events == c->watched) return;
  epoll_event ev{};
  ev.events = c->watched = events;
  ev.data.u64 = c->id;
  epoll_ctl(epoll_, EPOLL_CTL_MOD, c->fd, &ev);
}

void Server::Close(Conn* c) {
  epoll_ctl(epoll_, EPOLL_CTL_DEL, c->fd, nullptr);
  if (c->session != nullptr) nghttp2_session_del(c->session);
  SSL_free(c->ssl);
  close(c->fd);
  conns_.erase(c->id);
}

void Server::Schedule(uint64_t conn_id, int32_t stream_id) {
  timers_.push_back({NowNs() + options_.delay_ms * 1'000'000, conn_id, stream_id});
  if (timers_.size() == 1) ArmTimer();
}

void Server::ArmTimer() {
  itimerspec spec{};
  if (!timers_.empty()) {
    const int64_t due = (timers_.front().due_ns + 999'999) / 1'000'000 * 1'000'000;
    spec.it_value.tv_sec = due / 1'000'000'000;
    spec.it_value.tv_nsec = due % 1'000'000'000;
  }
  timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void Server::OnTimer() {
  uint64_t expirations = 0;
  if (read(timer_fd_, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN) return;
  const int64_t now = NowNs();
  std::vector<uint64_t> touched;
  while (!timers_.empty() && timers_.front().due_ns <= now) {
    const Timer t = timers_.front();
    timers_.pop_front();
    auto it = conns_.find(t.conn_id);
    Conn* c = it == conns_.end() ? nullptr : it->second.get();
    auto stream = c == nullptr ? decltype(c->streams)::iterator{} : c->streams.find(t.stream_id);
    if (c == nullptr || (t.stream_id != 0 && stream == c->streams.end())) {
      ++counters_.replies_to_closed;
      continue;
    }
    if (t.stream_id == 0) {
      c->out += c->h1_reply;
      c->h1_reply.clear();
      c->h1_waiting = false;
      c->closing = c->h1_close_after;
    } else {
      SubmitH2Reply(c, t.stream_id, &stream->second);
    }
    if (touched.empty() || touched.back() != c->id) touched.push_back(c->id);
  }
  ArmTimer();
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (uint64_t id : touched) {
    Conn* c = conns_[id].get();
    if (c->session == nullptr) ProcessH1(c);  // a pipelined request may be waiting
    if (!Flush(c)) Close(c);
  }
}

void Server::PrintCounters() const {
  const Counters& k = counters_;
  std::printf(
      "{\"requests\": %llu, \"h1_requests\": %llu, \"h2_streams\": %llu, \"connections\": %llu, "
      "\"h2_connections\": %llu, \"max_open_connections\": %llu, \"refused_connections\": %llu, "
      "\"tls_failures\": %llu, \"too_large\": %llu, \"replies_to_closed\": %llu}\n",
      static_cast<unsigned long long>(k.h1_requests + k.h2_streams),
      static_cast<unsigned long long>(k.h1_requests), static_cast<unsigned long long>(k.h2_streams),
      static_cast<unsigned long long>(k.connections),
      static_cast<unsigned long long>(k.h2_connections),
      static_cast<unsigned long long>(k.max_open_connections),
      static_cast<unsigned long long>(k.refused_connections),
      static_cast<unsigned long long>(k.tls_failures), static_cast<unsigned long long>(k.too_large),
      static_cast<unsigned long long>(k.replies_to_closed));
  std::fflush(stdout);
}

ssize_t Server::OnSend(nghttp2_session*, const uint8_t* data, size_t length, int, void* user) {
  static_cast<Conn*>(user)->out.append(reinterpret_cast<const char*>(data), length);
  return static_cast<ssize_t>(length);
}

int Server::OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    static_cast<Conn*>(user)->streams[frame->hd.stream_id] = Stream{};
  }
  return 0;
}

int Server::OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                     size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* user) {
  auto* c = static_cast<Conn*>(user);
  auto it = c->streams.find(frame->hd.stream_id);
  if (it == c->streams.end()) return 0;
  const std::string key(reinterpret_cast<const char*>(name), namelen);
  if (key == ":method") it->second.method.assign(reinterpret_cast<const char*>(value), valuelen);
  if (key == ":path") it->second.path.assign(reinterpret_cast<const char*>(value), valuelen);
  return 0;
}

int Server::OnDataChunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t*, size_t len,
                        void* user) {
  auto* c = static_cast<Conn*>(user);
  auto it = c->streams.find(stream_id);
  if (it == c->streams.end()) return 0;
  Stream& s = it->second;
  s.body_bytes += len;
  if (s.body_bytes > kMaxRequestBytes && !s.answered) {
    ++c->server->counters_.too_large;
    far::Reply reply = far::ErrorReply(413, "payload too large");
    s.status = reply.http_status;
    s.reply = std::move(reply.body);
    c->server->SubmitH2Reply(c, stream_id, &s);
  }
  return 0;
}

int Server::OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  auto* c = static_cast<Conn*>(user);
  if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
    auto it = c->streams.find(frame->hd.stream_id);
    if (it != c->streams.end() && !it->second.answered) {
      c->server->H2RequestDone(c, frame->hd.stream_id);
    }
  }
  return 0;
}

int Server::OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t, void* user) {
  static_cast<Conn*>(user)->streams.erase(stream_id);
  return 0;
}

ssize_t Server::ReadReply(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                          nghttp2_data_source* source, void*) {
  auto* s = static_cast<Stream*>(source->ptr);
  const size_t n = std::min(length, s->reply.size() - s->sent);
  std::memcpy(buf, s->reply.data() + s->sent, n);
  s->sent += n;
  if (s->sent == s->reply.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

// Flags: "--name value" or "--name=value"; returns "" or the first problem.
std::string ParseOptions(int argc, char** argv, Options* o, bool* help, bool* version) {
  genauth::common::FlagReader flags(std::vector<std::string>(argv + 1, argv + argc));
  while (flags.Next()) {
    const std::string& name = flags.name();
    if (flags.HelpOrVersion(help, version)) return "";
    const std::optional<std::string>& value = flags.Value();
    if (!value) break;
    auto number = [&](long long min, long long max, long long* out) {
      const auto parsed = genauth::common::ParseDecimalInteger(*value, min, max);
      if (parsed) *out = *parsed;
      return parsed.has_value();
    };
    long long n = 0;
    if (name == "--port" && number(0, 65535, &n)) {
      o->port = static_cast<int>(n);
    } else if (name == "--port-file") {
      o->port_file = *value;
    } else if (name == "--cert") {
      o->cert = *value;
    } else if (name == "--key") {
      o->key = *value;
    } else if (name == "--delay-ms" && number(0, 600000, &n)) {
      o->delay_ms = n;
    } else if (name == "--h2" && (*value == "on" || *value == "off")) {
      o->h2 = *value == "on";
    } else if (name == "--h2-max-streams" && number(1, 1 << 20, &n)) {
      o->h2_max_streams = static_cast<uint32_t>(n);
    } else if (name == "--max-connections" && number(1, 1000000, &n)) {
      o->max_connections = static_cast<size_t>(n);
    } else {
      flags.Fail("bad flag or value: " + name + " " + *value);
    }
  }
  if (!flags.error().empty()) return flags.error();
  if (o->cert.empty() || o->key.empty()) return "--cert and --key are required";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  bool help = false;
  bool version = false;
  const std::string error = ParseOptions(argc, argv, &options, &help, &version);
  if (genauth::common::PrintVersionOrUsage(version, help,
                                           genauth::VersionLine("genauth-far-upstream"), kUsage)) {
    return 0;
  }
  if (!error.empty()) {
    std::fprintf(stderr, "genauth-far-upstream: %s (see --help)\n", error.c_str());
    return 2;
  }
  // Every connection holds a descriptor: raise the soft limit to the hard one and stay below it.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur > 64) {
      options.max_connections =
          std::min<size_t>(options.max_connections, static_cast<size_t>(files.rlim_cur) - 64);
    }
  }
  Server server(options);
  return server.Run();
}
