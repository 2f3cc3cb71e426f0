// The session store on real SQLite files in a temporary directory: sessions
// made, read, listed per owner, deleted; a run's commit as one transaction
// (state only on success, history numbered and trimmed); expiry; the store
// reopened (what a restart sees); and files it must refuse: not a database,
// truncated, from a newer schema — with the file named, and moved aside
// only when asked.
#include "supervisor/sessions/session_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace stockade::supervisor {
namespace {

namespace fs = std::filesystem;

class SessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("stockade-sessions-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "sessions.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<SessionStore> OpenStore(bool reset = false) {
    auto store = SessionStore::Open(path_, reset);
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  static SessionRecord Session(const std::string& id, const std::string& owner, std::int64_t expires = 1000) {
    SessionRecord s;
    s.id = id;
    s.owner = owner;
    s.created_ms = 10;
    s.last_active_ms = 10;
    s.expires_ms = expires;
    return s;
  }
  static HistoryRecord Run(std::int64_t at, const std::string& code) {
    HistoryRecord r;
    r.at_ms = at;
    r.code = code;
    r.result = std::string("\x08\x01\x00result-of-", 12) + code;  // bytes, NUL included
    return r;
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(SessionStoreTest, SessionsAreMadeReadListedAndDeleted) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Create(Session("se_b", "alice")).ok());
  ASSERT_TRUE(store->Create(Session("se_a", "alice")).ok());
  ASSERT_TRUE(store->Create(Session("se_c", "bob")).ok());
  EXPECT_FALSE(store->Create(Session("se_a", "bob")).ok());  // ids are unique

  auto got = store->Get("se_a");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->owner, "alice");
  EXPECT_EQ((*got)->variables_json, "[]");
  EXPECT_FALSE(store->Get("se_zz")->has_value());

  auto alice = store->List("alice", "", 10);
  ASSERT_TRUE(alice.ok());
  ASSERT_EQ(alice->size(), 2u);
  EXPECT_EQ((*alice)[0].id, "se_a");  // in id order, the other owner's left out
  auto page = store->List("alice", "se_a", 10);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].id, "se_b");
  EXPECT_EQ(store->Count().value(), 3u);
  EXPECT_EQ(store->Count(std::string("bob")).value(), 1u);

  EXPECT_TRUE(store->Delete("se_a").value());
  EXPECT_FALSE(store->Delete("se_a").value());
  EXPECT_EQ(store->Count(std::string("alice")).value(), 1u);
}

TEST_F(SessionStoreTest, ARunCommitsStateHistoryAndMetadataTogether) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Create(Session("se_1", "alice")).ok());
  auto seq = store->CommitRun("se_1", std::string("state-1"), "[{\"name\":\"x\",\"bytes\":8}]", Run(20, "x = 1"),
                              2000, 100);
  ASSERT_TRUE(seq.ok()) << seq.status().message();
  EXPECT_EQ(*seq, 1u);
  // A failed run: history and activity, the state as it was.
  ASSERT_TRUE(store->CommitRun("se_1", std::nullopt, "", Run(30, "throw 1"), 3000, 100).ok());
  auto s = store->Get("se_1");
  ASSERT_TRUE(s.ok() && s->has_value());
  EXPECT_EQ((*s)->state, "state-1");
  EXPECT_EQ((*s)->variables_json, "[{\"name\":\"x\",\"bytes\":8}]");
  EXPECT_EQ((*s)->executions, 2u);
  EXPECT_EQ((*s)->last_active_ms, 30);
  EXPECT_EQ((*s)->expires_ms, 3000);
  auto history = store->History("se_1", 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].seq, 1u);
  EXPECT_EQ((*history)[1].code, "throw 1");
  EXPECT_EQ((*history)[1].result, Run(30, "throw 1").result);
  // A deleted session takes no more runs, and its history goes with it.
  ASSERT_TRUE(store->Delete("se_1").value());
  EXPECT_FALSE(store->CommitRun("se_1", std::string("s"), "", Run(40, "y"), 4000, 100).ok());
  EXPECT_TRUE(store->History("se_1", 10)->empty());
}

TEST_F(SessionStoreTest, HistoryKeepsTheLastRecordsInOrder) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Create(Session("se_h", "a")).ok());
  for (int i = 1; i <= 12; ++i) {
    ASSERT_TRUE(store->CommitRun("se_h", std::to_string(i), "", Run(i, "run " + std::to_string(i)), 9999, 5).ok());
  }
  // The newest 5 (what SessionManager asks for: at most keep_history).
  auto all = store->History("se_h", 5);
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ(all->front().seq, 8u);
  EXPECT_EQ(all->back().seq, 12u);
  // Older records go every 16th run, not at each.
  for (int i = 13; i <= 16; ++i) {
    ASSERT_TRUE(store->CommitRun("se_h", std::to_string(i), "", Run(i, "run " + std::to_string(i)), 9999, 5).ok());
  }
  auto kept = store->History("se_h", 100);
  ASSERT_EQ(kept->size(), 5u);
  EXPECT_EQ(kept->front().seq, 12u);
  auto last2 = store->History("se_h", 2);
  ASSERT_EQ(last2->size(), 2u);
  EXPECT_EQ((*last2)[0].code, "run 15");
  EXPECT_EQ((*last2)[1].code, "run 16");
  EXPECT_EQ(store->Get("se_h").value()->state, "16");
}

TEST_F(SessionStoreTest, ExpiredSessionsGo) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Create(Session("se_old", "a", 100)).ok());
  ASSERT_TRUE(store->Create(Session("se_new", "a", 500)).ok());
  ASSERT_TRUE(store->CommitRun("se_old", std::string("s"), "", Run(50, "x"), 100, 10).ok());
  auto gone = store->Expire(200);
  ASSERT_TRUE(gone.ok());
  ASSERT_EQ(gone->size(), 1u);
  EXPECT_EQ((*gone)[0], "se_old");
  EXPECT_FALSE(store->Get("se_old")->has_value());
  EXPECT_TRUE(store->History("se_old", 10)->empty());
  EXPECT_TRUE(store->Get("se_new")->has_value());
  // In batches, the longest expired first.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->Create(Session("se_b" + std::to_string(i), "a", 300 + i)).ok());
  gone = store->Expire(400, 2);
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(*gone, (std::vector<std::string>{"se_b0", "se_b1"}));
  EXPECT_EQ(store->Expire(400, 100)->size(), 3u);
}

TEST_F(SessionStoreTest, ItsFilesAreNeverReachedThroughSymlinks) {
  const std::string elsewhere = (dir_ / "elsewhere").string();
  std::ofstream(elsewhere) << "not ours";
  fs::permissions(elsewhere, fs::perms(0644));
  fs::create_symlink(elsewhere, path_ + "-wal");
  EXPECT_FALSE(SessionStore::Open(path_).ok());
  EXPECT_EQ(fs::status(elsewhere).permissions(), fs::perms(0644));
  fs::remove(path_ + "-wal");
  fs::remove(path_);
  fs::create_symlink(elsewhere, path_);
  auto store = SessionStore::Open(path_);
  EXPECT_FALSE(store.ok());
  EXPECT_EQ(fs::status(elsewhere).permissions(), fs::perms(0644));
}

// What a restart sees: everything committed, the schema as it was.
TEST_F(SessionStoreTest, AReopenedStoreHasEverythingCommitted) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->Create(Session("se_p", "alice")).ok());
    ASSERT_TRUE(store->CommitRun("se_p", std::string("kept"), "[]", Run(5, "let a = 1"), 9000, 100).ok());
  }
  auto again = OpenStore();
  ASSERT_TRUE(again);
  auto s = again->Get("se_p");
  ASSERT_TRUE(s.ok() && s->has_value());
  EXPECT_EQ((*s)->state, "kept");
  EXPECT_EQ(again->History("se_p", 10)->size(), 1u);
  EXPECT_EQ(fs::status(path_).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(SessionStoreTest, UnusableFilesAreRefusedByNameAndMovedAsideOnlyWhenAsked) {
  {
    std::ofstream junk(path_);
    junk << std::string(8192, 'x');
  }
  auto refused = SessionStore::Open(path_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find(path_), std::string::npos) << refused.status().message();
  EXPECT_NE(refused.status().message().find("--reset-state"), std::string::npos);
  EXPECT_EQ(fs::file_size(path_), 8192u);  // untouched

  auto reset = SessionStore::Open(path_, /*reset=*/true);
  ASSERT_TRUE(reset.ok()) << reset.status().message();
  EXPECT_EQ((*reset)->Count().value(), 0u);
  bool aside = false;
  for (const auto& e : fs::directory_iterator(dir_)) {
    aside |= e.path().filename().string().rfind("sessions.db.unusable-", 0) == 0;
  }
  EXPECT_TRUE(aside);
}

TEST_F(SessionStoreTest, ATruncatedDatabaseIsRefused) {
  {
    auto store = OpenStore();
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(store->Create(Session("se_" + std::to_string(1000 + i), "a")).ok());
      ASSERT_TRUE(store->CommitRun("se_" + std::to_string(1000 + i), std::string(2000, 's'), "[]",
                                   Run(i, std::string(500, 'c')), 9000, 100)
                      .ok());
    }
    // Everything into the main file, so cutting it loses pages.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  fs::resize_file(path_, fs::file_size(path_) / 2);
  auto refused = SessionStore::Open(path_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find(path_), std::string::npos) << refused.status().message();
}

TEST_F(SessionStoreTest, ANewerSchemaIsRefused) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_exec(db, "CREATE TABLE t (x); PRAGMA user_version = 99;", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  auto refused = SessionStore::Open(path_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("schema version 99"), std::string::npos) << refused.status().message();
}

// A store made by version 1 (its index on expiry included) is migrated on
// open and keeps what it held.
TEST_F(SessionStoreTest, AVersion1StoreIsMigrated) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    const char* v1 =
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, owner TEXT NOT NULL, created_ms INTEGER NOT NULL, "
        "last_active_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, executions INTEGER NOT NULL DEFAULT 0, "
        "next_seq INTEGER NOT NULL DEFAULT 1, state BLOB NOT NULL DEFAULT x'', variables TEXT NOT NULL DEFAULT '[]');"
        "CREATE INDEX sessions_by_owner ON sessions(owner, id);"
        "CREATE INDEX sessions_by_expiry ON sessions(expires_ms);"
        "CREATE TABLE history (session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, seq INTEGER NOT "
        "NULL, at_ms INTEGER NOT NULL, code TEXT NOT NULL, result BLOB NOT NULL, PRIMARY KEY (session_id, seq)) "
        "WITHOUT ROWID;"
        "INSERT INTO sessions (id, owner, created_ms, last_active_ms, expires_ms) VALUES ('se_v1', 'a', 1, 1, 900);"
        "PRAGMA user_version = 1;";
    ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = OpenStore();
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->Get("se_v1")->has_value());
  ASSERT_TRUE(store->CommitRun("se_v1", std::string("s"), "[]", Run(5, "x"), 950, 10).ok());
  EXPECT_EQ(store->Expire(1000)->size(), 1u);
  store.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT (SELECT COUNT(*) FROM sqlite_master WHERE name = 'sessions_by_expiry'), "
                                   "(SELECT user_version FROM pragma_user_version)",
                               -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 0);
  EXPECT_EQ(sqlite3_column_int(st, 1), SessionStore::kSchemaVersion);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(SessionStoreTest, TheStoreStopsAtItsCapAndReusesWhatDeletionsFree) {
  auto store = OpenStore();
  ASSERT_TRUE(store->SetMaxBytes(512 << 10).ok());
  EXPECT_LE(store->max_bytes(), 512u << 10);
  EXPECT_GT(store->max_bytes(), 500u << 10);
  ASSERT_TRUE(store->Create(Session("se_1", "alice")).ok());
  ASSERT_TRUE(store->Create(Session("se_2", "bob")).ok());
  const std::string half(300 << 10, 'a');
  ASSERT_TRUE(store->CommitRun("se_1", half, "", Run(20, "a"), 2000, 100).ok());
  EXPECT_FALSE(store->full());
  // A second 300 KiB does not fit in 512 KiB: refused as full, nothing of
  // the run kept, the other session intact.
  auto refused = store->CommitRun("se_2", std::string(300 << 10, 'b'), "", Run(30, "b"), 3000, 100);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(store->full());
  EXPECT_NE(refused.status().message().find("is full (sessions.max_store_bytes"), std::string::npos)
      << refused.status().message();
  auto two = store->Get("se_2");
  ASSERT_TRUE(two.ok() && two->has_value());
  EXPECT_EQ((*two)->state, "");
  EXPECT_EQ((*two)->executions, 0u);
  EXPECT_TRUE(store->History("se_2", 10)->empty());
  auto one = store->Get("se_1");
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->state, half);
  // Small writes that fit still go in; deleting frees pages that are used
  // again, without the file growing past the cap.
  EXPECT_TRUE(store->CommitRun("se_2", std::string("small"), "", Run(40, "c"), 4000, 100).ok());
  EXPECT_FALSE(store->full());
  ASSERT_TRUE(store->Delete("se_1").value());
  EXPECT_TRUE(store->CommitRun("se_2", std::string(300 << 10, 'b'), "", Run(50, "d"), 5000, 100).ok());
  two = store->Get("se_2");
  ASSERT_TRUE(two.ok() && two->has_value());
  EXPECT_EQ((*two)->state_bytes, 300u << 10);
  // A cap below what the store holds cannot shrink it: the cap is its size.
  ASSERT_TRUE(store->SetMaxBytes(1 << 20).ok());
  ASSERT_TRUE(store->SetMaxBytes(64 << 10).ok());
  EXPECT_GT(store->max_bytes(), 300u << 10);
  // 0 lifts the bound (SQLite's own ceiling).
  ASSERT_TRUE(store->SetMaxBytes(0).ok());
  EXPECT_GT(store->max_bytes(), std::uint64_t{1} << 40);
}

TEST_F(SessionStoreTest, InMemoryForOneShotRuns) {
  auto store = SessionStore::Open(":memory:");
  ASSERT_TRUE(store.ok()) << store.status().message();
  ASSERT_TRUE((*store)->Create(Session("se_m", "")).ok());
  EXPECT_TRUE((*store)->Get("se_m")->has_value());
  EXPECT_FALSE(fs::exists(dir_ / ":memory:"));
}

}  // namespace
}  // namespace stockade::supervisor
