#include "supervisor/sessions/session_store.h"

#include <sqlite3.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <ctime>
#include <utility>

namespace stockade::supervisor {
namespace {

// Version 1: sessions and their history.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE sessions (
  id             TEXT PRIMARY KEY,
  owner          TEXT NOT NULL,
  created_ms     INTEGER NOT NULL,
  last_active_ms INTEGER NOT NULL,
  expires_ms     INTEGER NOT NULL,
  executions     INTEGER NOT NULL DEFAULT 0,
  next_seq       INTEGER NOT NULL DEFAULT 1,
  state          BLOB NOT NULL DEFAULT x'',
  variables      TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX sessions_by_owner ON sessions(owner, id);
CREATE INDEX sessions_by_expiry ON sessions(expires_ms);
CREATE TABLE history (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,
  at_ms      INTEGER NOT NULL,
  code       TEXT NOT NULL,
  result     BLOB NOT NULL,
  PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
)sql";

// One use of a prepared statement: bound, stepped, then reset (a statement
// from the store's cache) or finalized (one prepared for this use) on every
// path.
class Statement {
 public:
  // Prepared now, finalized after this use (for Open's checks).
  Statement(sqlite3* db, const char* sql) : db_(db), owned_(true) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  // The store's cached statement (nullptr: preparing it failed).
  Statement(sqlite3* db, sqlite3_stmt* cached) : db_(db), stmt_(cached), owned_(false) {
    rc_ = cached ? SQLITE_OK : sqlite3_errcode(db);
  }
  ~Statement() {
    if (owned_) {
      sqlite3_finalize(stmt_);
    } else if (stmt_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return rc_ == SQLITE_OK || rc_ == SQLITE_ROW || rc_ == SQLITE_DONE; }
  Statement& Text(int i, const std::string& v) {
    if (ok()) rc_ = sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Blob(int i, const std::string& v) {
    if (ok()) rc_ = sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Int(int i, std::int64_t v) {
    if (ok()) rc_ = sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  // True while there is a row; check ok() after the last.
  bool Step() {
    if (!ok()) return false;
    rc_ = sqlite3_step(stmt_);
    return rc_ == SQLITE_ROW;
  }
  std::int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Bytes(int col) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    const int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
  }
  // SQLITE_FULL: the database is at its max_page_count (or the disk is).
  bool full() const { return rc_ == SQLITE_FULL; }
  Status status(const std::string& path, const char* what) const {
    if (ok()) return Status::Ok();
    if (full()) {
      return Status::Error("session store " + path + " is full (sessions.max_store_bytes, or the disk): " + what);
    }
    return Status::Error("session store " + path + ": " + what + ": " + sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool owned_;
  int rc_;
};

SessionRecord RowToSession(const Statement& s, bool with_state) {
  SessionRecord r;
  r.id = s.Bytes(0);
  r.owner = s.Bytes(1);
  r.created_ms = s.Int(2);
  r.last_active_ms = s.Int(3);
  r.expires_ms = s.Int(4);
  r.executions = static_cast<std::uint64_t>(s.Int(5));
  r.variables_json = s.Bytes(6);
  r.state_bytes = static_cast<std::uint64_t>(s.Int(7));
  if (with_state) r.state = s.Bytes(8);
  return r;
}

std::string Unusable(const std::string& path, const std::string& why) {
  return "session store " + path + ": " + why +
         " (start with --reset-state to move it aside and begin with no sessions)";
}

constexpr std::int64_t kFullCheckBytes = std::int64_t{256} << 20;

// Opens and checks the database, migrating it forward. "" or why not.
std::string OpenChecked(const std::string& path, sqlite3** out) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return why;
  }
  auto fail = [&](std::string why) {
    sqlite3_close(db);
    return why;
  };
  // The state directory is locked by this daemon: nobody else should hold
  // the database, and the io thread must not wait seconds if someone does.
  sqlite3_busy_timeout(db, 200);
  char* err = nullptr;
  // WAL: a writer does not block readers; NORMAL: a commit survives the
  // process dying (only a power loss may lose the last ones).
  // secure_delete off: Debian builds SQLite with it on, which zeroes every
  // freed page (a trimmed history record, an expired session) and doubles
  // the writes; the file is 0600 in a 0700 directory. The WAL is cut back
  // to 4 MiB after a checkpoint instead of keeping its largest size.
  // Exclusive locking: the daemon holds the state directory anyway, and a
  // connection that keeps its lock needs no shared-memory index and no
  // file-lock calls per transaction (a run's commit cost half as much).
  const char* pragmas =
      "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
      "PRAGMA secure_delete=OFF; PRAGMA journal_size_limit=4194304;";
  if (path == ":memory:") pragmas = "PRAGMA foreign_keys=ON;";
  if (sqlite3_exec(db, pragmas, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err ? err : "cannot set it up";
    sqlite3_free(err);
    return fail(why);
  }
  // SQLite's check reads every page: on a store of up to 256 MiB (tens of
  // thousands of sessions' history) it costs well under a second of the
  // start. A larger one is checked for truncation only (its pages against
  // the file's length); damage elsewhere in it is found when it is read,
  // and answered as a store error.
  std::int64_t pages = 0, page_size = 0;
  {
    Statement count(db, "PRAGMA page_count");
    if (count.Step()) pages = count.Int(0);
    Statement size(db, "PRAGMA page_size");
    if (size.Step()) page_size = size.Int(0);
    if (!count.ok() || !size.ok()) return fail(sqlite3_errmsg(db));
  }
  struct stat file{};
  if (path != ":memory:" && ::stat(path.c_str(), &file) == 0 && pages * page_size > file.st_size) {
    // Pages the WAL holds may lie past the file's end until a checkpoint.
    struct stat wal{};
    if (::stat((path + "-wal").c_str(), &wal) != 0 || wal.st_size == 0) {
      return fail("truncated: " + std::to_string(file.st_size) + " bytes, but its pages need " +
                  std::to_string(pages * page_size));
    }
  }
  if (pages * page_size <= kFullCheckBytes) {
    Statement check(db, "PRAGMA quick_check");
    std::string verdict;
    while (check.Step()) {
      if (!verdict.empty()) verdict += "; ";
      verdict += check.Bytes(0);
    }
    if (!check.ok()) return fail(sqlite3_errmsg(db));
    if (verdict != "ok") return fail("integrity check failed: " + verdict.substr(0, 200));
  }
  int version = 0;
  {
    Statement v(db, "PRAGMA user_version");
    if (v.Step()) version = static_cast<int>(v.Int(0));
    if (!v.ok()) return fail(sqlite3_errmsg(db));
  }
  if (version > SessionStore::kSchemaVersion) {
    return fail("schema version " + std::to_string(version) + " is newer than this Stockade's (" +
                std::to_string(SessionStore::kSchemaVersion) + ")");
  }
  // Each step moves the schema one version forward, in its own
  // transaction, so a store is always at a version this code knows.
  static constexpr const char* kMigrations[] = {
      kSchemaV1,
      // Version 2: no index on expiry. Every run moves its session's expiry,
      // so the index cost a page write per commit; the sweep reads a table
      // of at most sessions.max_sessions rows once a second at most.
      "DROP INDEX IF EXISTS sessions_by_expiry;",
  };
  static_assert(std::size(kMigrations) == SessionStore::kSchemaVersion);
  for (int v = version; v < SessionStore::kSchemaVersion; ++v) {
    const std::string script = std::string("BEGIN IMMEDIATE;") + kMigrations[v] +
                               "PRAGMA user_version=" + std::to_string(v + 1) + "; COMMIT;";
    if (sqlite3_exec(db, script.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string why = "cannot migrate the schema to version " + std::to_string(v + 1) + ": " + (err ? err : "?");
      sqlite3_free(err);
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return fail(why);
    }
  }
  *out = db;
  return "";
}

// States and history are the tenants' data: the file is made 0600 before
// SQLite opens it, since SQLite gives its -wal and -shm files the main
// file's mode.
Status MakePrivate(const std::string& path) {
  if (path == ":memory:") return Status::Ok();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return ErrnoError("session store " + path);
  const int rc = ::fchmod(fd, 0600);
  ::close(fd);
  if (rc != 0) return ErrnoError("session store " + path);
  // The -wal and -shm files, if there: never through a symlink.
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string companion = path + suffix;
    const int c = ::open(companion.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (c < 0) {
      if (errno == ENOENT) continue;
      return ErrnoError("session store " + companion);
    }
    const int crc = ::fchmod(c, 0600);
    ::close(c);
    if (crc != 0) return ErrnoError("session store " + companion);
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<SessionStore>> SessionStore::Open(const std::string& path, bool reset) {
  STOCKADE_RETURN_IF_ERROR(MakePrivate(path));
  sqlite3* db = nullptr;
  std::string why = OpenChecked(path, &db);
  if (!why.empty() && reset && path != ":memory:") {
    const std::string aside = path + ".unusable-" + std::to_string(std::time(nullptr));
    if (std::rename(path.c_str(), aside.c_str()) != 0) return ErrnoError("session store: moving " + path + " aside");
    for (const char* suffix : {"-wal", "-shm"}) std::rename((path + suffix).c_str(), (aside + suffix).c_str());
    STOCKADE_RETURN_IF_ERROR(MakePrivate(path));
    why = OpenChecked(path, &db);
  }
  if (!why.empty()) return Status::Error(Unusable(path, why));
  return std::unique_ptr<SessionStore>(new SessionStore(db, path));
}

Status SessionStore::SetMaxBytes(std::uint64_t max_bytes) {
  std::int64_t page_size = 0;
  {
    Statement size(db_, "PRAGMA page_size");
    if (size.Step()) page_size = size.Int(0);
    STOCKADE_RETURN_IF_ERROR(size.status(path_, "reading its page size"));
  }
  if (page_size <= 0) return Status::Error("session store " + path_ + ": no page size");
  // SQLite's own ceiling, SQLITE_MAX_PAGE_COUNT (0x3fffffff in 3.40).
  constexpr std::uint64_t kSqliteMaxPages = 0x3fffffff;
  const std::uint64_t pages =
      max_bytes == 0 ? kSqliteMaxPages
                     : std::clamp<std::uint64_t>(max_bytes / static_cast<std::uint64_t>(page_size), 1, kSqliteMaxPages);
  // The pragma answers with the cap it set: never below the pages in use.
  const std::string sql = "PRAGMA max_page_count=" + std::to_string(pages);
  Statement cap(db_, sql.c_str());
  std::int64_t set = 0;
  if (cap.Step()) set = cap.Int(0);
  STOCKADE_RETURN_IF_ERROR(cap.status(path_, "capping its size"));
  max_bytes_ = static_cast<std::uint64_t>(set) * static_cast<std::uint64_t>(page_size);
  return Status::Ok();
}

SessionStore::~SessionStore() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

sqlite3_stmt* SessionStore::Prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) return nullptr;
  statements_.emplace(sql, stmt);
  return stmt;
}

Status SessionStore::Exec(const char* sql) {
  Statement st(db_, Prepare(sql));
  st.Step();
  full_ = full_ || st.full();
  return st.status(path_, sql);
}

Status SessionStore::Error(const char* what) const {
  return Status::Error("session store " + path_ + ": " + what + ": " + sqlite3_errmsg(db_));
}

Status SessionStore::Create(const SessionRecord& s) {
  Statement st(db_, Prepare(
               "INSERT INTO sessions (id, owner, created_ms, last_active_ms, expires_ms, state, variables) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  st.Text(1, s.id).Text(2, s.owner).Int(3, s.created_ms).Int(4, s.last_active_ms).Int(5, s.expires_ms);
  st.Blob(6, s.state).Text(7, s.variables_json.empty() ? "[]" : s.variables_json);
  st.Step();
  full_ = st.full();
  return st.status(path_, "creating a session");
}

StatusOr<std::optional<SessionRecord>> SessionStore::Get(const std::string& id, bool with_state) {
  // length() of a blob reads its size from the row header, not the blob.
  Statement st(db_, Prepare(with_state ? "SELECT id, owner, created_ms, last_active_ms, expires_ms, executions, "
                                         "variables, length(state), state FROM sessions WHERE id = ?"
                                       : "SELECT id, owner, created_ms, last_active_ms, expires_ms, executions, "
                                         "variables, length(state) FROM sessions WHERE id = ?"));
  st.Text(1, id);
  std::optional<SessionRecord> found;
  if (st.Step()) found = RowToSession(st, with_state);
  STOCKADE_RETURN_IF_ERROR(st.status(path_, "reading a session"));
  return found;
}

StatusOr<std::vector<SessionRecord>> SessionStore::List(const std::string& owner, const std::string& after_id,
                                                       std::uint32_t limit) {
  Statement st(db_, Prepare(
               "SELECT id, owner, created_ms, last_active_ms, expires_ms, executions, variables, length(state) "
               "FROM sessions WHERE owner = ? AND id > ? ORDER BY id LIMIT ?"));
  st.Text(1, owner).Text(2, after_id).Int(3, limit);
  std::vector<SessionRecord> out;
  while (st.Step()) out.push_back(RowToSession(st, false));
  STOCKADE_RETURN_IF_ERROR(st.status(path_, "listing sessions"));
  return out;
}

StatusOr<bool> SessionStore::Delete(const std::string& id) {
  Statement st(db_, Prepare("DELETE FROM sessions WHERE id = ?"));
  st.Text(1, id);
  st.Step();
  STOCKADE_RETURN_IF_ERROR(st.status(path_, "deleting a session"));
  return sqlite3_changes(db_) > 0;
}

StatusOr<std::uint64_t> SessionStore::CommitRun(const std::string& id, const std::optional<std::string>& new_state,
                                               const std::string& variables_json, HistoryRecord record,
                                               std::int64_t expires_ms, std::uint32_t keep_history) {
  full_ = false;
  STOCKADE_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto rollback = [&](Status st) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return st;
  };
  auto failed = [&](const Statement& st, const char* what) {
    full_ = st.full();
    return rollback(st.status(path_, what));
  };
  // The session's row first: it numbers the record (RETURNING saves a
  // separate read), and a session deleted meanwhile has none.
  std::int64_t seq = 0;
  {
    Statement st(db_, Prepare(new_state
                                  ? "UPDATE sessions SET next_seq = next_seq + 1, executions = executions + 1, "
                                    "last_active_ms = ?, expires_ms = ?, state = ?, variables = ? WHERE id = ? "
                                    "RETURNING next_seq - 1"
                                  : "UPDATE sessions SET next_seq = next_seq + 1, executions = executions + 1, "
                                    "last_active_ms = ?, expires_ms = ? WHERE id = ? RETURNING next_seq - 1"));
    st.Int(1, record.at_ms).Int(2, expires_ms);
    if (new_state) {
      st.Blob(3, *new_state).Text(4, variables_json.empty() ? "[]" : variables_json).Text(5, id);
    } else {
      st.Text(3, id);
    }
    if (st.Step()) seq = st.Int(0);
    while (st.Step()) {
    }
    if (!st.ok()) return failed(st, "updating a session");
    if (seq == 0) return rollback(Status::Error("session store " + path_ + ": no session " + id));
  }
  {
    Statement st(db_, Prepare("INSERT INTO history (session_id, seq, at_ms, code, result) VALUES (?, ?, ?, ?, ?)"));
    st.Text(1, id).Int(2, seq).Int(3, record.at_ms).Text(4, record.code).Blob(5, record.result);
    st.Step();
    if (!st.ok()) return failed(st, "recording a run");
  }
  // Trimmed every 16 runs, not each: the trim rewrites the page of the
  // oldest records, a second page for most commits. Until then up to 15
  // more records wait to go, which History never returns.
  if (seq > static_cast<std::int64_t>(keep_history) && seq % 16 == 0) {
    Statement st(db_, Prepare("DELETE FROM history WHERE session_id = ? AND seq <= ?"));
    st.Text(1, id).Int(2, seq - static_cast<std::int64_t>(keep_history));
    st.Step();
    if (!st.ok()) return failed(st, "trimming the history");
  }
  if (Status st = Exec("COMMIT"); !st.ok()) return rollback(st);
  return static_cast<std::uint64_t>(seq);
}

StatusOr<std::vector<HistoryRecord>> SessionStore::History(const std::string& id, std::uint32_t limit) {
  Statement st(db_, Prepare(
               "SELECT seq, at_ms, code, result FROM (SELECT seq, at_ms, code, result FROM history "
               "WHERE session_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq"));
  st.Text(1, id).Int(2, limit);
  std::vector<HistoryRecord> out;
  while (st.Step()) {
    HistoryRecord r;
    r.seq = static_cast<std::uint64_t>(st.Int(0));
    r.at_ms = st.Int(1);
    r.code = st.Bytes(2);
    r.result = st.Bytes(3);
    out.push_back(std::move(r));
  }
  STOCKADE_RETURN_IF_ERROR(st.status(path_, "reading the history"));
  return out;
}

StatusOr<std::vector<std::string>> SessionStore::Expire(std::int64_t now_ms, std::uint32_t most,
                                                       const std::unordered_set<std::string>& keep) {
  STOCKADE_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  std::vector<std::string> ids;
  Status st_all = Status::Ok();
  {
    Statement st(db_, Prepare("SELECT id FROM sessions WHERE expires_ms <= ? ORDER BY expires_ms LIMIT ?"));
    st.Int(1, now_ms).Int(2, static_cast<std::int64_t>(most) + static_cast<std::int64_t>(keep.size()));
    while (st.Step() && ids.size() < most) {
      std::string id = st.Bytes(0);
      if (!keep.count(id)) ids.push_back(std::move(id));
    }
    st_all = st.status(path_, "finding expired sessions");
  }
  for (const std::string& id : ids) {
    if (!st_all.ok()) break;
    Statement st(db_, Prepare("DELETE FROM sessions WHERE id = ?"));
    st.Text(1, id);
    st.Step();
    st_all = st.status(path_, "deleting expired sessions");
  }
  if (st_all.ok()) st_all = Exec("COMMIT");
  if (!st_all.ok()) {
    // A failed COMMIT may leave the transaction open: every later one
    // would fail to begin.
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return st_all;
  }
  return ids;
}

StatusOr<std::uint64_t> SessionStore::Count(const std::optional<std::string>& owner) {
  Statement st(db_, Prepare(owner ? "SELECT COUNT(*) FROM sessions WHERE owner = ?" : "SELECT COUNT(*) FROM sessions"));
  if (owner) st.Text(1, *owner);
  std::uint64_t n = 0;
  if (st.Step()) n = static_cast<std::uint64_t>(st.Int(0));
  STOCKADE_RETURN_IF_ERROR(st.status(path_, "counting sessions"));
  return n;
}

}  // namespace stockade::supervisor
