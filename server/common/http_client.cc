#include "server/common/http_client.h"

#include "absl/strings/match.h"

namespace powerview {

std::string HttpResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

// NewCurlHttpClient() lives in curl_http_client.cc.

}  // namespace powerview
