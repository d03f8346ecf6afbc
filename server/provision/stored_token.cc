#include "server/provision/stored_token.h"

#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "server/provision/json_util.h"
#include "server/provision/state_keys.h"

namespace powerview::provision {

absl::StatusOr<std::optional<StoredToken>> LoadStoredToken(ProvisionStore& store,
                                                           const std::string& bucket) {
  absl::StatusOr<std::optional<std::string>> raw = store.Get(TokenKey(bucket));
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return std::optional<StoredToken>();
  absl::StatusOr<rapidjson::Document> doc =
      ParseJson(**raw, absl::StrCat("stored token of bucket '", bucket, "'"));
  if (!doc.ok()) return doc.status();
  StoredToken token{JsonString(*doc, "authorization_id"), JsonString(*doc, "token"),
                    JsonString(*doc, "description")};
  if (token.token.empty()) return std::optional<StoredToken>();
  return std::optional<StoredToken>(std::move(token));
}

absl::Status SaveStoredToken(ProvisionStore& store, const std::string& bucket,
                             const StoredToken& token) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("authorization_id", JsonValue(token.authorization_id, a), a);
  doc.AddMember("token", JsonValue(token.token, a), a);
  doc.AddMember("description", JsonValue(token.description, a), a);
  return store.Put(TokenKey(bucket), ToJson(doc));
}

}  // namespace powerview::provision
