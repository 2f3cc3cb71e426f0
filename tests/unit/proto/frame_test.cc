// Framing: the decoder must survive anything a hostile worker writes.
#include "proto/frame.h"

#include <gtest/gtest.h>

#include <random>

#include "proto/worker.pb.h"

namespace stockade::wire {
namespace {

WorkerFrame ResultFrame(std::uint64_t id, const std::string& value) {
  WorkerFrame f;
  f.mutable_result()->set_execution_id(id);
  f.mutable_result()->set_value_json(value);
  return f;
}

TEST(Frame, RoundTripOneFrame) {
  std::string bytes;
  ASSERT_TRUE(AppendFrame(ResultFrame(7, "42"), 1024, &bytes));
  FrameDecoder d(1024);
  d.Append(bytes);
  WorkerFrame out;
  ASSERT_EQ(d.PopMessage(&out), FrameDecoder::Parsed::kFrame);
  EXPECT_EQ(out.result().execution_id(), 7u);
  EXPECT_EQ(out.result().value_json(), "42");
  EXPECT_EQ(d.PopMessage(&out), FrameDecoder::Parsed::kNeedMore);
  EXPECT_FALSE(d.HasPartialFrame());
}

TEST(Frame, SplitReadsOneByteAtATime) {
  std::string bytes;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(AppendFrame(ResultFrame(i, std::string(300, 'x')), 4096, &bytes));
  FrameDecoder d(4096);
  int frames = 0;
  for (char c : bytes) {
    d.Append(std::string_view(&c, 1));
    WorkerFrame out;
    while (d.PopMessage(&out) == FrameDecoder::Parsed::kFrame) {
      EXPECT_EQ(out.result().execution_id(), static_cast<std::uint64_t>(frames));
      ++frames;
    }
  }
  EXPECT_EQ(frames, 3);
  EXPECT_FALSE(d.HasPartialFrame());
}

TEST(Frame, ManyFramesInOneRead) {
  std::string bytes;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(AppendFrame(ResultFrame(i, "1"), 64, &bytes));
  FrameDecoder d(64);
  d.Append(bytes);
  WorkerFrame out;
  int n = 0;
  while (d.PopMessage(&out) == FrameDecoder::Parsed::kFrame) ++n;
  EXPECT_EQ(n, 100);
}

TEST(Frame, OversizedLengthIsRefusedBeforeThePayloadArrives) {
  const unsigned char header[] = {0xF0, 0xFF, 0xFF, 0xFF};
  FrameDecoder d(1 << 20);
  d.Append(std::string_view(reinterpret_cast<const char*>(header), 4));
  std::string payload;
  EXPECT_EQ(d.Pop(&payload), FrameDecoder::Next::kOversized);
  EXPECT_EQ(d.last_declared_length(), 0xFFFFFFF0u);
  EXPECT_TRUE(payload.empty());
}

TEST(Frame, LengthExactlyAtTheCapIsAccepted) {
  FrameDecoder d(8);
  const char bytes[] = {8, 0, 0, 0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'};
  d.Append(std::string_view(bytes, sizeof bytes));
  std::string payload;
  EXPECT_EQ(d.Pop(&payload), FrameDecoder::Next::kFrame);
  EXPECT_EQ(payload, "abcdefgh");
  const char over[] = {9, 0, 0, 0};
  d.Append(std::string_view(over, 4));
  EXPECT_EQ(d.Pop(&payload), FrameDecoder::Next::kOversized);
}

TEST(Frame, TruncatedFrameIsVisibleAsPartial) {
  std::string bytes;
  ASSERT_TRUE(AppendFrame(ResultFrame(1, std::string(100, 'y')), 1024, &bytes));
  FrameDecoder d(1024);
  d.Append(std::string_view(bytes).substr(0, 50));
  WorkerFrame out;
  EXPECT_EQ(d.PopMessage(&out), FrameDecoder::Parsed::kNeedMore);
  EXPECT_TRUE(d.HasPartialFrame());  // at EOF the caller reports "truncated"
}

TEST(Frame, GarbagePayloadIsUnparseable) {
  FrameDecoder d(1024);
  const char bytes[] = {6, 0, 0, 0, '\xff', '\xff', '\xff', '\xff', '\xff', '\xff'};
  d.Append(std::string_view(bytes, sizeof bytes));
  WorkerFrame out;
  EXPECT_EQ(d.PopMessage(&out), FrameDecoder::Parsed::kUnparseable);
}

TEST(Frame, EncoderRefusesMessagesOverTheCap) {
  std::string bytes;
  EXPECT_FALSE(AppendFrame(ResultFrame(1, std::string(100, 'z')), 50, &bytes));
}

TEST(Frame, RandomGarbageNeverCrashesTheDecoder) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 200; ++round) {
    FrameDecoder d(4096);
    std::string junk(rng() % 512, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    d.Append(junk);
    WorkerFrame out;
    for (int i = 0; i < 1000; ++i) {
      auto r = d.PopMessage(&out);
      if (r == FrameDecoder::Parsed::kNeedMore || r == FrameDecoder::Parsed::kOversized) break;
    }
  }
  SUCCEED();
}

}  // namespace
}  // namespace stockade::wire
