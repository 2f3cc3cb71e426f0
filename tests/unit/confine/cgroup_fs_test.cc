// The cgroup file-system parsers against the layouts found in the wild.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "supervisor/confine/cgroup_fs.h"

namespace stockade::supervisor {
namespace {

constexpr const char* kHybridMountinfo =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "50 23 0:40 / /mnt/with\\040space rw - ext4 /dev/sda1 rw\n";

TEST(cgroup_fs, parses_mountinfo) {
  std::vector<MountEntry> m = ParseMountinfo(kHybridMountinfo);
  ASSERT_EQ(m.size(), 6u);
  EXPECT_EQ(m[1].mount_point, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(m[1].fs_type, "cgroup");
  EXPECT_EQ(m[1].super_options, (std::vector<std::string>{"rw", "cpu", "cpuacct"}));
  EXPECT_EQ(m[4].fs_type, "cgroup2");
  EXPECT_EQ(m[4].root, "/");
  EXPECT_EQ(m[5].mount_point, "/mnt/with space");
}

TEST(cgroup_fs, parses_proc_cgroup) {
  std::vector<ProcCgroupEntry> g =
      ParseProcCgroup("4:memory:/process_api/abc\n2:cpu,cpuacct:/\n1:name=systemd:/x:y\n0::/user.slice\n");
  ASSERT_EQ(g.size(), 4u);
  EXPECT_EQ(g[0].hierarchy, 4);
  EXPECT_EQ(g[0].controllers, std::vector<std::string>{"memory"});
  EXPECT_EQ(g[0].path, "/process_api/abc");
  EXPECT_EQ(g[1].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  EXPECT_EQ(g[2].path, "/x:y");
  EXPECT_EQ(g[3].hierarchy, 0);
  EXPECT_TRUE(g[3].controllers.empty());
  EXPECT_EQ(g[3].path, "/user.slice");
}

TEST(cgroup_fs, maps_cgroup_path_under_mount) {
  MountEntry root_mount{"/", "/sys/fs/cgroup", "cgroup2", {}};
  EXPECT_EQ(CgroupDirUnder(root_mount, "/system.slice/x.service").value(), "/sys/fs/cgroup/system.slice/x.service");
  EXPECT_EQ(CgroupDirUnder(root_mount, "/").value(), "/sys/fs/cgroup");

  // A container that bind-mounts its own branch: the mount's root is that branch.
  MountEntry branch{"/kubepods/pod1", "/sys/fs/cgroup", "cgroup2", {}};
  EXPECT_EQ(CgroupDirUnder(branch, "/kubepods/pod1").value(), "/sys/fs/cgroup");
  EXPECT_EQ(CgroupDirUnder(branch, "/kubepods/pod1/c").value(), "/sys/fs/cgroup/c");
  StatusOr<std::string> outside = CgroupDirUnder(branch, "/kubepods/pod10");
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.status().message().find("outside"), std::string::npos);
}

TEST(cgroup_fs, checks_names) {
  EXPECT_TRUE(CheckCgroupName("worker-1").ok());
  EXPECT_FALSE(CheckCgroupName("").ok());
  EXPECT_FALSE(CheckCgroupName("..").ok());
  EXPECT_FALSE(CheckCgroupName("a/b").ok());
}

TEST(cgroup_fs, cpu_quota) {
  EXPECT_EQ(CpuQuotaMicros(50), 50'000u);
  EXPECT_EQ(CpuQuotaMicros(250), 250'000u);
}

TEST(cgroup_fs, reads_numbers_and_keyed_files) {
  char dir_template[] = "/tmp/cgroup_fs_test.XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  std::ofstream(dir + "/n") << "12345\n";
  std::ofstream(dir + "/max") << "max\n";
  std::ofstream(dir + "/events") << "low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\n";
  EXPECT_EQ(ReadNumberFile(dir + "/n").value(), 12345u);
  EXPECT_EQ(ReadNumberFile(dir + "/max").value(), UINT64_MAX);
  EXPECT_EQ(ReadKeyedNumber(dir + "/events", "oom_kill").value(), 1u);
  EXPECT_EQ(ReadKeyedNumber(dir + "/events", "oom").value(), 2u);
  EXPECT_EQ(ReadKeyedNumber(dir + "/events", "absent").value(), 0u);
  StatusOr<uint64_t> missing = ReadNumberFile(dir + "/nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(dir + "/nope"), std::string::npos);
  Status bad = WriteSmallFile(dir + "/no/such/file", "1");
  EXPECT_NE(bad.message().find("cannot write \"1\" to " + dir + "/no/such/file"), std::string::npos);
  for (const char* f : {"/n", "/max", "/events"}) std::remove((dir + f).c_str());
  ::rmdir(dir.c_str());
}

TEST(cgroup_fs, cgroup_dir_removes_itself) {
  char dir_template[] = "/tmp/cgroup_fs_test.XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string path = std::string(dir_template) + "/child";
  {
    StatusOr<CgroupDir> dir = CgroupDir::Create(path, false);
    ASSERT_TRUE(dir.ok()) << dir.status().message();
    EXPECT_TRUE(PathExists(path));
    CgroupDir moved = std::move(dir).value();
    EXPECT_EQ(moved.path(), path);
  }
  EXPECT_FALSE(PathExists(path));
  ::rmdir(dir_template);
}

}  // namespace
}  // namespace stockade::supervisor
