// The daemon's state directory: made private, refused when it is a symlink
// or someone else's, and locked against a second daemon.
#include "supervisor/sessions/state_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace stockade::supervisor {
namespace {

namespace fs = std::filesystem;

class StateDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("stockade-statedir-" + std::to_string(getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  static unsigned Mode(const fs::path& p) {
    struct stat st{};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0);
    return st.st_mode & 0777;
  }
  fs::path root_;
};

TEST_F(StateDirTest, MadePrivateWithItsParents) {
  const fs::path dir = root_ / "a" / "b" / "state";
  auto sd = StateDir::Open(dir.string() + "/");  // a trailing slash changes nothing
  ASSERT_TRUE(sd.ok()) << sd.status().message();
  EXPECT_EQ(Mode(dir), 0700u);
  EXPECT_EQ(Mode(root_ / "a"), 0755u);
  EXPECT_EQ(sd->SessionsDb(), dir.string() + "/sessions.db");
  EXPECT_EQ(Mode(dir / "lock"), 0600u);
}

TEST_F(StateDirTest, ALooseDirectoryIsMadePrivate) {
  const fs::path dir = root_ / "loose";
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms(0777));
  ASSERT_TRUE(StateDir::Open(dir.string()).ok());
  EXPECT_EQ(Mode(dir), 0700u);
}

TEST_F(StateDirTest, ASymlinkIsRefused) {
  fs::create_directories(root_ / "real");
  fs::create_directory_symlink(root_ / "real", root_ / "link");
  auto sd = StateDir::Open((root_ / "link").string());
  ASSERT_FALSE(sd.ok());
  EXPECT_NE(sd.status().message().find("not a symlink"), std::string::npos) << sd.status().message();
}

TEST_F(StateDirTest, SomeoneElsesDirectoryIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
  const fs::path dir = root_ / "theirs";
  fs::create_directories(dir);
  ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0);
  auto sd = StateDir::Open(dir.string());
  ASSERT_FALSE(sd.ok());
  EXPECT_NE(sd.status().message().find("belongs to uid 65534"), std::string::npos) << sd.status().message();
}

TEST_F(StateDirTest, OneDaemonAtATime) {
  auto first = StateDir::Open((root_ / "s").string());
  ASSERT_TRUE(first.ok());
  auto second = StateDir::Open((root_ / "s").string());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("in use by another stockade serve (pid " + std::to_string(getpid())),
            std::string::npos)
      << second.status().message();
  { StateDir gone = std::move(first).value(); }
  EXPECT_TRUE(StateDir::Open((root_ / "s").string()).ok());
}

}  // namespace
}  // namespace stockade::supervisor
