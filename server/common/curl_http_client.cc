// NewCurlHttpClient(): libcurl easy handles kept in a small pool, so that consecutive requests
// to the same server reuse its kept-alive connection (each easy handle caches its own).
#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/common/http_client.h"

namespace powerview {
namespace {

// Idle handles kept for reuse; more concurrent requests than this still work, their handles
// are just closed afterwards.
constexpr size_t kMaxIdleHandles = 8;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_ALL); });
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// Collects the headers of the final response: a new status line (after a 100 Continue, for
// instance) starts the list again.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(user);
  absl::string_view line(data, size * count);
  if (absl::StartsWith(line, "HTTP/")) {
    headers->clear();
  } else if (size_t colon = line.find(':'); colon != absl::string_view::npos) {
    headers->emplace_back(std::string(absl::StripAsciiWhitespace(line.substr(0, colon))),
                          std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  }
  return size * count;
}

class CurlHttpClient : public HttpClient {
 public:
  CurlHttpClient() { GlobalInitOnce(); }

  ~CurlHttpClient() override {
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
  }

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    CURL* handle = Acquire();
    if (handle == nullptr) return absl::ResourceExhaustedError("curl_easy_init failed");
    absl::StatusOr<HttpResponse> result = Perform(handle, request);
    Release(handle);
    return result;
  }

 private:
  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();
        idle_.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* handle) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (idle_.size() < kMaxIdleHandles) {
        idle_.push_back(handle);
        return;
      }
    }
    curl_easy_cleanup(handle);
  }

  static absl::StatusOr<HttpResponse> Perform(CURL* handle, const HttpRequest& request) {
    // Reset forgets the previous request's options but keeps the live connection.
    curl_easy_reset(handle);
    HttpResponse response;
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    auto millis = [](absl::Duration d) {
      return static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(d)));
    };
    if (request.timeout > absl::ZeroDuration()) {
      curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, millis(request.timeout));
      curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, millis(request.timeout));
    }
    if (request.connect_timeout > absl::ZeroDuration()) {
      curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, millis(request.connect_timeout));
    }
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &response.headers);

    const std::string method = absl::AsciiStrToUpper(request.method);
    if (method == "GET" && request.body.empty()) {
      curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
      curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    } else if (method == "DELETE" && request.body.empty()) {
      curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, "DELETE");
    } else {
      // POST, PUT, PATCH, ...: always with a Content-Length, even for an empty body.
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
      if (method != "POST") curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method.c_str());
    }

    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) {
      headers = curl_slist_append(headers, absl::StrCat(name, ": ", value).c_str());
    }
    // No "Expect: 100-continue" round trip before large bodies.
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);

    CURLcode code = curl_easy_perform(handle);
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
    curl_slist_free_all(headers);
    if (code != CURLE_OK) {
      return absl::UnavailableError(absl::StrCat(request.method, " ", request.url, ": ",
                                                 error[0] != 0 ? error : curl_easy_strerror(code)));
    }
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    return response;
  }

  std::mutex mu_;
  std::vector<CURL*> idle_;
};

}  // namespace

std::unique_ptr<HttpClient> NewCurlHttpClient() { return std::make_unique<CurlHttpClient>(); }

}  // namespace powerview
