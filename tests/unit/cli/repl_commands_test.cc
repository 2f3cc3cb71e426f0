// ParseDotCommand: the REPL's own commands and their mistakes.
#include "supervisor/cli/repl_commands.h"

#include <gtest/gtest.h>

namespace stockade::supervisor {
namespace {

using Kind = DotCommand::Kind;

TEST(ReplCommands, CodeIsNotACommand) {
  for (const char* code : {"1 + 2", ".5 + 1", "", " ", "x.help", "..", ".", ". help", "[].map"}) {
    EXPECT_FALSE(ParseDotCommand(code).has_value()) << code;
  }
}

TEST(ReplCommands, EachName) {
  const std::pair<const char*, Kind> cases[] = {
      {".help", Kind::kHelp},       {".session", Kind::kSession}, {".history", Kind::kHistory},
      {".new", Kind::kNew},         {".delete", Kind::kDelete},   {".break", Kind::kBreak},
      {".exit", Kind::kExit},       {"  .exit  ", Kind::kExit},   {"\t.help\r", Kind::kHelp},
  };
  for (const auto& [line, kind] : cases) {
    auto c = ParseDotCommand(line);
    ASSERT_TRUE(c.has_value()) << line;
    EXPECT_EQ(c->kind, kind) << line;
    EXPECT_TRUE(c->error.empty()) << line << ": " << c->error;
  }
}

TEST(ReplCommands, HistoryCount) {
  auto plain = ParseDotCommand(".history");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->count, DotCommand::kDefaultHistory);
  auto five = ParseDotCommand(".history 5");
  ASSERT_TRUE(five);
  EXPECT_EQ(five->kind, Kind::kHistory);
  EXPECT_EQ(five->count, 5u);
  auto spaced = ParseDotCommand(".history   12  ");
  ASSERT_TRUE(spaced);
  EXPECT_EQ(spaced->count, 12u);
  for (const char* bad : {".history 0", ".history -1", ".history x", ".history 5x", ".history 99999999999",
                          ".history 1 2"}) {
    auto c = ParseDotCommand(bad);
    ASSERT_TRUE(c) << bad;
    EXPECT_EQ(c->kind, Kind::kInvalid) << bad;
    EXPECT_NE(c->error.find(".history takes a count"), std::string::npos) << c->error;
  }
}

TEST(ReplCommands, MistakesSayWhat) {
  auto unknown = ParseDotCommand(".clear");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->kind, Kind::kInvalid);
  EXPECT_EQ(unknown->error, "unknown command .clear (.help lists them)");
  auto extra = ParseDotCommand(".exit now");
  ASSERT_TRUE(extra);
  EXPECT_EQ(extra->kind, Kind::kInvalid);
  EXPECT_EQ(extra->error, ".exit takes no argument");
}

TEST(ReplCommands, HelpNamesEveryCommand) {
  const std::string help = DotCommandHelp();
  for (const char* name : {".help", ".session", ".history", ".new", ".delete", ".break", ".exit"}) {
    EXPECT_NE(help.find(name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace stockade::supervisor
