// In-process tests of the console binding: formatting, streams, streaming
// while the run goes on, the head/tail output cap and UTF-8 safety.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "worker/deadline.h"
#include "worker/interpreter.h"
#include "worker/output_buffer.h"
#include "worker/utf8.h"

namespace stockade::worker {
namespace {

struct SentLine {
  api::Stream stream;
  std::string text;
  bool after_truncation;
  std::int64_t sent_ns;
};

class CollectSink final : public FrameSink {
 public:
  bool Send(const wire::WorkerFrame& frame) override {
    ++frames;
    EXPECT_TRUE(frame.has_console());
    std::string bytes;
    EXPECT_TRUE(frame.SerializeToString(&bytes));
    bytes_ += bytes.size();
    if (bytes.size() > max_frame_bytes) max_frame_bytes = bytes.size();
    const std::int64_t now = MonotonicNowNs();
    for (const api::ConsoleLine& l : frame.console().lines()) {
      lines.push_back({l.stream(), l.text(), l.after_truncation(), now});
    }
    return true;
  }
  std::vector<SentLine> lines;
  int frames = 0;
  std::size_t bytes_ = 0;
  std::size_t max_frame_bytes = 0;
};

class ConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = Interpreter::Create(256u << 20, &sink_);
    ASSERT_TRUE(created.ok()) << created.status().message();
    interp_ = std::move(created).value();
  }

  wire::Result Run(const std::string& code, std::uint64_t output_bytes = 1u << 20,
                   std::uint32_t timeout_ms = 5000) {
    sink_.lines.clear();
    sink_.frames = 0;
    wire::Execute ex;
    ex.set_code(code);
    ex.mutable_limits()->set_timeout_ms(timeout_ms);
    ex.mutable_limits()->set_memory_bytes(128u << 20);
    ex.mutable_limits()->set_output_bytes(output_bytes);
    ex.mutable_limits()->set_result_bytes(1u << 20);
    wire::Result r;
    run_start_ns_ = MonotonicNowNs();
    interp_->Run(ex, &r);
    EXPECT_TRUE(interp_->PrepareNext().ok());
    return r;
  }

  std::vector<std::string> Texts() const {
    std::vector<std::string> out;
    for (const SentLine& l : sink_.lines) out.push_back(l.text);
    return out;
  }

  CollectSink sink_;
  std::unique_ptr<Interpreter> interp_;
  std::int64_t run_start_ns_ = 0;
};

TEST_F(ConsoleTest, FormatsLikeNode) {
  wire::Result r = Run(
      "console.log('a', 1, 2.5, true, null, undefined);\n"
      "console.log({x: [1, 'y']}, [1, 2]);\n"
      "console.log(function namedFn() {}, function() {});\n"
      "console.log('');\n"
      "console.log();\n"
      "var c = {}; c.c = c; console.log(c);\n"
      "console.log({toJSON: function() { throw 1 }, toString: function() { return 'custom' }});\n"
      "console.log(new Error('boom').message, -0, 1e21);\n"
      "console.log(Symbol('s'), Symbol(), Symbol.for('g'), Symbol.iterator);\n");
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  EXPECT_EQ(Texts(), (std::vector<std::string>{
                         "a 1 2.5 true null undefined",
                         "{\"x\":[1,\"y\"]} [1,2]",
                         "[Function: namedFn] [Function (anonymous)]",
                         "",
                         "",
                         "[object Object]",
                         "custom",
                         "boom 0 1e+21",
                         "Symbol(s) Symbol() Symbol(g) Symbol(Symbol.iterator)",
                     }));
  EXPECT_EQ(r.output().lines(), 9u);
  EXPECT_FALSE(r.output().truncated());
}

TEST_F(ConsoleTest, ErrorsPrintTheirStack) {
  Run("console.log(new TypeError('bad'))");
  ASSERT_EQ(sink_.lines.size(), 1u);
  EXPECT_EQ(sink_.lines[0].text.rfind("TypeError: bad", 0), 0u) << sink_.lines[0].text;
}

TEST_F(ConsoleTest, StreamsAndOrder) {
  wire::Result r = Run(
      "console.log('1'); console.info('2'); console.debug('3');"
      "console.warn('4'); console.error('5'); console.log('6'); 'done'");
  ASSERT_EQ(r.status(), api::OK);
  ASSERT_EQ(sink_.lines.size(), 6u);
  const api::Stream want[] = {api::STDOUT, api::STDOUT, api::STDOUT,
                              api::STDERR, api::STDERR, api::STDOUT};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(sink_.lines[i].text, std::to_string(i + 1));
    EXPECT_EQ(sink_.lines[i].stream, want[i]);
    EXPECT_FALSE(sink_.lines[i].after_truncation);
  }
  EXPECT_EQ(r.output().total_bytes(), 6u);
  EXPECT_EQ(r.output().kept_bytes(), 6u);
}

TEST_F(ConsoleTest, NoOtherHostGlobals) {
  wire::Result r = Run(
      "[typeof require, typeof process, typeof print, typeof alert, typeof Duktape,"
      " typeof module, typeof exports, typeof console, typeof console.log]");
  EXPECT_EQ(r.value_json(),
            "[\"undefined\",\"undefined\",\"undefined\",\"undefined\",\"undefined\","
            "\"undefined\",\"undefined\",\"object\",\"function\"]");
}

TEST_F(ConsoleTest, LineIsDeliveredWhileTheScriptSpins) {
  wire::Result r = Run("console.log('a'); while (true) {}", 1u << 20, 300);
  EXPECT_EQ(r.status(), api::TIMEOUT);
  ASSERT_EQ(sink_.lines.size(), 1u);
  EXPECT_EQ(sink_.lines[0].text, "a");
  const double after_ms = (sink_.lines[0].sent_ns - run_start_ns_) / 1e6;
  std::printf("  'a' delivered %.2f ms after the run started\n", after_ms);
  EXPECT_LT(after_ms, 100.0);  // target: a few ms (2 ms batching + one tick)
}

TEST_F(ConsoleTest, MillionLogsAreBatched) {
  const std::int64_t t0 = MonotonicNowNs();
  wire::Result r = Run("for (var i = 0; i < 1000000; i++) console.log('x');", 0, 20000);
  const double ms = (MonotonicNowNs() - t0) / 1e6;
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  EXPECT_EQ(r.output().lines(), 1000000u);
  EXPECT_EQ(sink_.lines.size(), 1000000u);
  std::printf("  1e6 console.log: %.0f ms, %d frames\n", ms, sink_.frames);
  EXPECT_LT(sink_.frames, 2000);
}

TEST_F(ConsoleTest, FloodKeepsHeadAndTail) {
  // 10000 lines of 10 bytes ("line-NNNNN") against a 10000-byte cap; each
  // line costs 10 + 8 (wire::kConsoleLineCost), so each half of the cap
  // (5000) holds 277 lines.
  wire::Result r = Run(
      "for (var i = 0; i < 10000; i++) console.log('line-' + ('0000' + i).slice(-5)); 'ok'",
      10000);
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  EXPECT_EQ(r.value_json(), "\"ok\"");
  EXPECT_TRUE(r.output().truncated());
  EXPECT_EQ(r.output().total_bytes(), 100000u);
  EXPECT_EQ(r.output().lines(), 10000u);
  EXPECT_EQ(r.output().kept_bytes(), 5540u);
  ASSERT_EQ(sink_.lines.size(), 554u);
  // Head: the first 277 lines, streamed, not marked.
  EXPECT_EQ(sink_.lines[0].text, "line-00000");
  EXPECT_EQ(sink_.lines[276].text, "line-00276");
  EXPECT_FALSE(sink_.lines[276].after_truncation);
  // Tail: the last 277 lines, marked.
  EXPECT_EQ(sink_.lines[277].text, "line-09723");
  EXPECT_TRUE(sink_.lines[277].after_truncation);
  EXPECT_EQ(sink_.lines[553].text, "line-09999");
}

TEST_F(ConsoleTest, OutputJustOverHalfTheCapIsNotTruncated) {
  // 7 lines cost 7 x 18 = 126 bytes: the head (100) takes 5, the tail the
  // other 2, and nothing is dropped.
  wire::Result r = Run("for (var i = 0; i < 7; i++) console.log('0123456789')", 200);
  EXPECT_EQ(r.output().total_bytes(), 70u);
  EXPECT_EQ(r.output().kept_bytes(), 70u);
  EXPECT_FALSE(r.output().truncated());
  ASSERT_EQ(sink_.lines.size(), 7u);
  for (const SentLine& l : sink_.lines) EXPECT_FALSE(l.after_truncation);
}

TEST_F(ConsoleTest, HugeLineIsCutOnACharacterBoundary) {
  // 3-byte characters; a 100-byte tail budget less the 8-byte line cost
  // leaves 92 bytes, not a multiple of 3: 30 whole characters fit.
  wire::Result r = Run("var s = ''; for (var i = 0; i < 1000; i++) s += '\\u4e16'; console.log(s)",
                       200);
  ASSERT_EQ(sink_.lines.size(), 1u);
  const std::string& t = sink_.lines[0].text;
  EXPECT_TRUE(IsValidUtf8(t));
  EXPECT_EQ(t.size(), 90u);
  EXPECT_TRUE(r.output().truncated());
  EXPECT_EQ(r.output().total_bytes(), 3000u);
  EXPECT_EQ(r.output().kept_bytes(), 90u);
}

TEST_F(ConsoleTest, LongLineIsCutToFitOneFrame) {
  // The supervisor refuses console frames over 256 KiB (and kills the
  // worker); a 300 KB line fits the 1 MiB cap but not one frame.
  wire::Result r = Run("console.log('y'.repeat(300000)); console.log('after'); 1");
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  ASSERT_EQ(sink_.lines.size(), 2u);
  EXPECT_EQ(sink_.lines[0].text, std::string(OutputBuffer::kMaxLineBytes, 'y'));
  EXPECT_EQ(sink_.lines[1].text, "after");
  EXPECT_FALSE(sink_.lines[1].after_truncation);
  EXPECT_TRUE(r.output().truncated());
  EXPECT_LT(sink_.max_frame_bytes, 256u * 1024);
}

TEST_F(ConsoleTest, HugeArgumentsAreNotCopiedWhole) {
  // 3 x 40 MB would be copied out of the heap, past the worker's memory.
  wire::Result r = Run("var a = 'z'.repeat(40e6); console.log(a, a, a); 1", 1u << 20, 10000);
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  ASSERT_EQ(sink_.lines.size(), 1u);
  EXPECT_EQ(sink_.lines[0].text.size(), OutputBuffer::kMaxLineBytes);
  EXPECT_TRUE(r.output().truncated());
}

TEST_F(ConsoleTest, HugeObjectShowsTheStartOfItsJson) {
  wire::Result r =
      Run("var a = []; for (var i = 0; i < 300000; i++) a.push({k: i}); console.log(a); 1",
          1u << 20, 10000);
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  ASSERT_EQ(sink_.lines.size(), 1u);
  EXPECT_EQ(sink_.lines[0].text.rfind("[{\"k\":0},{\"k\":1},", 0), 0u);
  EXPECT_EQ(sink_.lines[0].text.size(), OutputBuffer::kMaxLineBytes);
}

TEST_F(ConsoleTest, EmptyLinesCountAgainstTheCap) {
  wire::Result r = Run("for (var i = 0; i < 100000; i++) console.log(); 1", 1000);
  EXPECT_TRUE(r.output().truncated());
  EXPECT_EQ(r.output().lines(), 100000u);
  // 1000 bytes of cap at 8 bytes a line: at most 125 lines kept in all.
  EXPECT_LE(sink_.lines.size(), 125u);
  EXPECT_GT(sink_.lines.size(), 100u);
}

TEST_F(ConsoleTest, LoneSurrogatesAndAstralCharacters) {
  Run("console.log('\\ud83d\\ude00', 'x\\ud800y')");
  ASSERT_EQ(sink_.lines.size(), 1u);
  EXPECT_EQ(sink_.lines[0].text, "\xF0\x9F\x98\x80 x\xEF\xBF\xBDy");
}

TEST_F(ConsoleTest, ReentrantConsoleFromToJson) {
  Run("console.log('outer', {toJSON: function() { console.log('inner'); return 1 }})");
  EXPECT_EQ(Texts(), (std::vector<std::string>{"inner", "outer 1"}));
}

TEST_F(ConsoleTest, OutputOfOneRunNeverLeaksIntoTheNext) {
  Run("var keep = console.log; console.log('first')");
  wire::Result r = Run("'second'");
  EXPECT_TRUE(sink_.lines.empty());
  EXPECT_EQ(r.output().lines(), 0u);
}

}  // namespace
}  // namespace stockade::worker
