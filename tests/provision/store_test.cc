#include <cstdlib>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "server/provision/provision_store.h"
#include "server/provision/stored_token.h"

namespace powerview::provision {
namespace {

std::string TempDb(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/pv_provision_store_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir + "/state.db";
}

TEST(SqliteProvisionStoreTest, PutGetDeleteAndPersistence) {
  std::string path = TempDb("basic");
  {
    auto store = SqliteProvisionStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    auto missing = (*store)->Get("nothing");
    ASSERT_TRUE(missing.ok());
    EXPECT_FALSE(missing->has_value());
    ASSERT_TRUE((*store)->Put("k", "v1").ok());
    ASSERT_TRUE((*store)->Put("k", "v2").ok());
    ASSERT_TRUE((*store)->Put("gone", "x").ok());
    ASSERT_TRUE((*store)->Delete("gone").ok());
    ASSERT_TRUE((*store)->Delete("never-there").ok());
  }
  auto reopened = SqliteProvisionStore::Open(path);
  ASSERT_TRUE(reopened.ok());
  auto value = (*reopened)->Get("k");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->value_or(""), "v2");
  EXPECT_FALSE((*reopened)->Get("gone")->has_value());
}

TEST(SqliteProvisionStoreTest, ListMatchesPrefixBytesExactly) {
  auto store = SqliteProvisionStore::Open(TempDb("list"));
  ASSERT_TRUE(store.ok());
  for (const char* key :
       {"inv/a%b/1", "inv/a%b/2", "inv/aXb/1", "inv/a_b/1", "inv/été/1", "inv/ét/1", "other"}) {
    ASSERT_TRUE((*store)->Put(key, key).ok());
  }
  auto percent = (*store)->List("inv/a%b/");
  ASSERT_TRUE(percent.ok());
  EXPECT_EQ(percent->size(), 2u);  // `%` is not a wildcard
  auto underscore = (*store)->List("inv/a_b/");
  ASSERT_TRUE(underscore.ok());
  EXPECT_EQ(underscore->size(), 1u);  // nor is `_`
  auto unicode = (*store)->List("inv/été/");
  ASSERT_TRUE(unicode.ok());
  ASSERT_EQ(unicode->size(), 1u);
  EXPECT_EQ(unicode->begin()->second, "inv/été/1");
  EXPECT_EQ((*store)->List("inv/")->size(), 6u);
}

TEST(SqliteProvisionStoreTest, SharesADatabaseWithOtherTables) {
  std::string path = TempDb("shared");
  auto db = SqliteDb::Open(path, true);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE jobs (id INTEGER PRIMARY KEY)").ok());
  auto store = SqliteProvisionStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Put("a", "b").ok());
  EXPECT_TRUE((*db)->Exec("INSERT INTO jobs (id) VALUES (1)").ok());
}

TEST(StoredTokenTest, RoundTrip) {
  auto store = SqliteProvisionStore::Open(TempDb("token"));
  ASSERT_TRUE(store.ok());
  auto none = LoadStoredToken(**store, "acme");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(SaveStoredToken(**store, "acme", {"auth1", "secret==", "powerview read acme"}).ok());
  auto token = LoadStoredToken(**store, "acme");
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(token->has_value());
  EXPECT_EQ((*token)->authorization_id, "auth1");
  EXPECT_EQ((*token)->token, "secret==");
}

}  // namespace
}  // namespace powerview::provision
