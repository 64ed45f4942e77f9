// RedisStore, the base of every service's store: its key space, its scripts (made of shared
// fragments, loaded at start, a script Redis cannot compile refused there), the outbox append
// fragment, and reply decoding with one corrupt-data error.
#include "common/redis/redis_store.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "common/redis/outbox.h"
#include "rfs/common/v1/common.pb.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace rfs {
namespace {

// Appends an event to its outbox and sets a key, in one script made of the outbox fragment.
class NoteStore : public RedisStore {
 public:
  NoteStore(RedisPool* pool, absl::string_view body = kBody)
      : RedisStore(pool, nullptr, "rfs:test:"), note_script_(Script({kOutboxLua, body})) {}

  absl::Status Note(const std::string& name, const common::v1::Event& event) {
    auto reply = pool_->Eval(note_script_, {Key(absl::StrCat("note:", name)), OutboxKey()},
                             {event.id(), event.type(), event.SerializeAsString()});
    if (!reply.ok()) return reply.status();
    return IntegerOf(reply->get(), "note reply").status();
  }

  static constexpr char kBody[] = R"lua(
redis.call('SET', KEYS[1], ARGV[1])
outbox_append(KEYS[2], ARGV[1], ARGV[2], ARGV[3])
return 1
)lua";

 private:
  const RedisScript& note_script_;
};

class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_.Start();
    pool_ = std::make_unique<RedisPool>(redis_.options());
  }

  testing::TempDir dir_;
  testing::RedisServer redis_{dir_.path()};
  std::unique_ptr<RedisPool> pool_;
};

TEST_F(RedisStoreTest, KeysLiveUnderTheStoresPrefix) {
  NoteStore store(pool_.get());
  EXPECT_EQ(store.Key("plan:A-00001"), "rfs:test:plan:A-00001");
  EXPECT_EQ(store.OutboxKey(), "rfs:test:outbox");
  EXPECT_EQ(store.script_count(), 1u);
}

TEST_F(RedisStoreTest, LoadScriptsPutsEveryScriptIntoRedis) {
  NoteStore store(pool_.get());
  ASSERT_TRUE(store.LoadScripts().ok());
  const std::string sha = RedisScript(absl::StrCat(kOutboxLua, NoteStore::kBody)).sha();
  EXPECT_EQ(redis_.Cli("SCRIPT EXISTS " + sha), "1");
}

TEST_F(RedisStoreTest, AScriptRedisCannotCompileFailsTheLoad) {
  NoteStore store(pool_.get(), "return {'unclosed'");
  const absl::Status s = store.LoadScripts();
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "does not compile")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "rfs:test:")) << s;
}

TEST_F(RedisStoreTest, ARedisThatIsDownIsUnavailableNotAScriptError) {
  NoteStore store(pool_.get());
  redis_.Stop();
  EXPECT_EQ(store.LoadScripts().code(), absl::StatusCode::kUnavailable);
}

TEST_F(RedisStoreTest, TheOutboxFragmentAppendsTheEventWithItsChange) {
  NoteStore store(pool_.get());
  common::v1::Event event;
  event.set_id("test/notes/n1");
  event.set_type("note.written");
  event.set_actor("clerk-1");
  ASSERT_TRUE(store.Note("n1", event).ok());
  ASSERT_TRUE(store.Note("n2", event).ok());
  EXPECT_EQ(redis_.Cli("XLEN rfs:test:outbox"), "2");
  EXPECT_EQ(redis_.Cli("GET rfs:test:note:n1"), "test/notes/n1");

  // The entry's fields: id, type, and the envelope itself.
  RedisLease lease = *pool_->Acquire();
  auto range = lease.Command({"XRANGE", "rfs:test:outbox", "-", "+", "COUNT", "1"});
  ASSERT_TRUE(range.ok()) << range.status();
  const redisReply* entry = (*range)->element[0];
  const redisReply* fields = entry->element[1];
  ASSERT_EQ(fields->elements, 6u);
  EXPECT_EQ(ReplyString(fields->element[0]), "id");
  EXPECT_EQ(ReplyString(fields->element[1]), "test/notes/n1");
  EXPECT_EQ(ReplyString(fields->element[2]), "type");
  EXPECT_EQ(ReplyString(fields->element[3]), "note.written");
  EXPECT_EQ(ReplyString(fields->element[4]), "event");
  common::v1::Event stored;
  ASSERT_TRUE(RedisStore::ParseOf(fields->element[5], &stored, "event").ok());
  EXPECT_EQ(stored.actor(), "clerk-1");
}

TEST_F(RedisStoreTest, RepliesNotOfOurMakingAreDataLoss) {
  RedisLease lease = *pool_->Acquire();
  ASSERT_TRUE(lease.Command({"SET", "k", "not a number"}).ok());
  auto text = *lease.Command({"GET", "k"});
  auto number = *lease.Command({"INCR", "n"});
  auto nil = *lease.Command({"GET", "missing"});

  EXPECT_EQ(*RedisStore::IntegerOf(number.get(), "n"), 1);
  const absl::Status bad = RedisStore::IntegerOf(text.get(), "plan version").status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(bad.message(), "stored data is unreadable: plan version");
  EXPECT_EQ(*RedisStore::StringOf(text.get(), "k"), "not a number");
  EXPECT_EQ(RedisStore::StringOf(nil.get(), "k").status().code(), absl::StatusCode::kDataLoss);

  common::v1::Event event;
  ASSERT_TRUE(lease.Command({"SET", "e", "\xff\xff\xff"}).ok());
  auto garbage = *lease.Command({"GET", "e"});
  EXPECT_EQ(RedisStore::ParseOf(garbage.get(), &event, "event").code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(RedisStore::ParseOf(nil.get(), &event, "event").code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace rfs
