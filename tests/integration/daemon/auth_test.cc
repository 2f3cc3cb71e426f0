// API keys on the real daemon: /v1 needs `Authorization: Bearer <key>`, an
// execution is visible only to the key that created it, and the per-key
// in-flight cap keeps one flooding key from starving another.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/daemon_support.h"

namespace stockade::testing {
namespace {

constexpr char kKeyA[] = "alpha-0123456789abcdef";
constexpr char kKeyB[] = "bravo-fedcba9876543210";
constexpr char kKeys[] =
    "# test keys\n"
    "alpha-0123456789abcdef alice\n"
    "bravo-fedcba9876543210 bob\n";

void ExpectUnauthorized(const Reply& r, const std::string& what) {
  EXPECT_EQ(r.status, 401) << what << "\n" << r.error << r.body;
  EXPECT_EQ(FromJson<api::ErrorResponse>(r.body).status(), api::UNAUTHORIZED) << what << "\n" << r.body;
}

TEST(DaemonAuth, MissingOrWrongKeyIs401) {
  auto d = Daemon::Start({.api_keys_text = kKeys, .pool_size = 1});
  ASSERT_TRUE(d);
  const std::string body = ExecBody("1", 5000);
  ExpectUnauthorized(Post(*d, body), "no header");
  ExpectUnauthorized(Post(*d, body, "wrong-key-0123456789"), "wrong key");
  ExpectUnauthorized(Post(*d, body, std::string(kKeyA) + "x"), "key with a suffix");
  ExpectUnauthorized(Post(*d, body, std::string(kKeyA).substr(0, 10)), "key prefix");
  ExpectUnauthorized(Post(*d, body, "alice"), "the key's name");
  {
    Connection c = Connection::Tcp(d->port());
    ASSERT_TRUE(c.WriteRaw("POST /v1/executions HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " +
                           std::string(kKeyA) + "\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\n\r\n" + body));
    ExpectUnauthorized(c.ReadReply(), "Basic scheme");
  }
  ExpectUnauthorized(Get(*d, "/v1/executions/ex_00000000000000000000000000000000"), "GET without key");
  // The unauthenticated endpoints stay open (probes carry no key).
  EXPECT_EQ(Get(*d, "/healthz").status, 200);
  EXPECT_TRUE(WaitPoolSize(*d, 1));
  EXPECT_EQ(Get(*d, "/readyz").status, 200);
  // The right key works, and the key never appears in the log.
  Reply ok = Post(*d, body, kKeyA);
  ASSERT_EQ(ok.status, 200) << ok.error << ok.body;
  EXPECT_EQ(FromJson<api::Execution>(ok.body).result().value_json(), "1");
  EXPECT_EQ(Post(*d, body, kKeyB).status, 200);
  const std::string metrics = Scrape(*d);
  EXPECT_GE(MetricValue(metrics, "stockade_rejections_total{reason=\"unauthorized\"}"), 7) << metrics;
  const std::string log = d->log();
  EXPECT_EQ(log.find(kKeyA), std::string::npos) << log;
  EXPECT_EQ(log.find(kKeyB), std::string::npos) << log;
}

TEST(DaemonAuth, AnExecutionIsVisibleOnlyToItsKey) {
  auto d = Daemon::Start({.api_keys_text = kKeys, .pool_size = 2});
  ASSERT_TRUE(d);
  // A finished one and a running one, both alice's.
  Reply done = Post(*d, ExecBody("console.log('secret'); 'mine'", 5000), kKeyA);
  ASSERT_EQ(done.status, 200) << done.body;
  const std::string done_id = FromJson<api::Execution>(done.body).id();
  Reply running = Post(*d, ExecBody("for (;;) {}", 20000, false), kKeyA);
  ASSERT_EQ(running.status, 202) << running.body;
  const std::string running_id = FromJson<api::Execution>(running.body).id();
  ASSERT_TRUE(WaitRunning(*d, running_id, kKeyA));

  for (const std::string& id : {done_id, running_id}) {
    const std::string path = "/v1/executions/" + id;
    for (const Reply& r : {Get(*d, path, kKeyB), Get(*d, path + "/events", kKeyB), Delete(*d, path, kKeyB)}) {
      EXPECT_EQ(r.status, 404) << path << "\n" << r.error << r.body;
      EXPECT_EQ(r.body.find("secret"), std::string::npos);
    }
  }
  // Bob's DELETE did not cancel alice's run.
  Reply still = Get(*d, "/v1/executions/" + running_id, kKeyA);
  ASSERT_EQ(still.status, 200);
  EXPECT_EQ(FromJson<api::Execution>(still.body).state(), api::RUNNING) << still.body;
  // Alice sees both; her stream works.
  Reply mine = Get(*d, "/v1/executions/" + done_id, kKeyA);
  ASSERT_EQ(mine.status, 200);
  EXPECT_EQ(FromJson<api::Execution>(mine.body).result().value_json(), "\"mine\"");
  Reply stream = Get(*d, "/v1/executions/" + done_id + "/events", kKeyA);
  ASSERT_EQ(stream.status, 200) << stream.error;
  EXPECT_NE(stream.body.find("secret"), std::string::npos) << stream.body;
  Reply cancel = Delete(*d, "/v1/executions/" + running_id, kKeyA);
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  EXPECT_EQ(FromJson<api::Execution>(cancel.body).result().status(), api::CANCELLED);
}

TEST(DaemonAuth, AFloodingKeyIsCappedWhileAnotherIsServed) {
  // Two workers, room in the queue, but alice may hold only 2 in flight.
  auto d = Daemon::Start({.policy_text = "pool { size: 2 max_size: 2 queue_capacity: 10 } "
                                         "daemon { max_in_flight_per_key: 2 }",
                          .api_keys_text = kKeys,
                          .pool_size = 2});
  ASSERT_TRUE(d);
  const std::string before = Scrape(*d);
  std::vector<std::string> alice;
  for (int i = 0; i < 2; ++i) {
    Reply r = Post(*d, ExecBody("for (;;) {}", 20000, false), kKeyA);
    ASSERT_EQ(r.status, 202) << r.error << r.body;
    alice.push_back(FromJson<api::Execution>(r.body).id());
  }
  for (int i = 0; i < 3; ++i) {
    Reply r = Post(*d, ExecBody("1", 5000, i % 2 == 0), kKeyA);
    ASSERT_EQ(r.status, 429) << r.error << r.body;
    EXPECT_GE(std::atoi(r.retry_after.c_str()), 1) << r.retry_after;
    EXPECT_EQ(FromJson<api::ErrorResponse>(r.body).status(), api::QUEUE_FULL) << r.body;
  }
  // Bob is still served: his run queues behind alice's and is answered
  // once one of hers is cancelled.
  Reply bob_async = Post(*d, ExecBody("'bob'", 5000, false), kKeyB);
  ASSERT_EQ(bob_async.status, 202) << bob_async.error << bob_async.body;
  const std::string bob_id = FromJson<api::Execution>(bob_async.body).id();
  Reply cancelled = Delete(*d, "/v1/executions/" + alice[0], kKeyA);
  EXPECT_EQ(cancelled.status, 200) << cancelled.body;
  const api::Execution bob = WaitDone(*d, bob_id, kKeyB);
  EXPECT_EQ(bob.result().status(), api::OK);
  EXPECT_EQ(bob.result().value_json(), "\"bob\"");
  Reply bob_sync = Post(*d, ExecBody("'again'", 5000), kKeyB);
  EXPECT_EQ(bob_sync.status, 200) << bob_sync.body;
  // Alice is below her cap again once a run is finished.
  Reply alice_again = Post(*d, ExecBody("'room'", 5000), kKeyA);
  EXPECT_EQ(alice_again.status, 200) << alice_again.body;
  EXPECT_EQ(Delete(*d, "/v1/executions/" + alice[1], kKeyA).status, 200);
  const std::string after = Scrape(*d);
  EXPECT_EQ(MetricValue(after, "stockade_rejections_total{reason=\"per_key_limit\"}") -
                MetricValue(before, "stockade_rejections_total{reason=\"per_key_limit\"}"),
            3)
      << after;
}

}  // namespace
}  // namespace stockade::testing
