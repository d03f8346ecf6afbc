#include "server/lifecycle/data_root.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace powerview::lifecycle {
namespace {

namespace fs = std::filesystem;

absl::Status ErrnoStatus(int err, absl::string_view what) {
  std::string message = absl::StrCat(what, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    case ENOSPC:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::InternalError(message);
  }
}

// Splits a relative path into components, rejecting `..` and empty names.
absl::StatusOr<std::vector<std::string>> Components(absl::string_view relative) {
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(relative, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") return absl::InvalidArgumentError("path contains '..'");
    parts.emplace_back(part);
  }
  return parts;
}

}  // namespace

bool IsTemporaryUploadName(absl::string_view name) {
  return absl::StartsWith(name, ".") || absl::EndsWith(name, ".filepart") ||
         absl::EndsWith(name, ".part") || absl::EndsWith(name, ".tmp") ||
         absl::StrContains(name, ".sftpgo-upload.");
}

absl::StatusOr<DataRoot> DataRoot::Open(const std::string& root) {
  std::error_code ec;
  fs::path canonical = fs::canonical(fs::absolute(root), ec);
  if (ec) return absl::NotFoundError(absl::StrCat("data root ", root, ": ", ec.message()));
  if (!fs::is_directory(canonical)) {
    return absl::InvalidArgumentError(absl::StrCat("data root ", root, " is not a folder"));
  }
  return DataRoot(canonical.string());
}

absl::StatusOr<std::string> DataRoot::Relative(absl::string_view path) const {
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat("path '", path, "' is not absolute"));
  }
  std::string normal = fs::path(std::string(path)).lexically_normal().string();
  std::string prefix = root_ == "/" ? "/" : root_ + "/";
  if (!absl::StartsWith(normal, prefix)) {
    return absl::InvalidArgumentError(
        absl::StrCat("path '", path, "' is outside the data root ", root_));
  }
  return normal.substr(prefix.size());
}

absl::StatusOr<FileLocation> DataRoot::ClassifyFile(absl::string_view path) const {
  absl::StatusOr<std::string> relative = Relative(path);
  if (!relative.ok()) return relative.status();
  absl::StatusOr<std::vector<std::string>> parts = Components(*relative);
  if (!parts.ok()) return parts.status();
  const std::vector<std::string>& p = *parts;
  for (size_t i = 0; i + 1 < p.size(); ++i) {
    if (p[i] == "parsed" || p[i] == "error") {
      return absl::FailedPreconditionError(
          absl::StrCat("'", *relative, "' is in a parsed/ or error/ folder"));
    }
  }
  if (p.empty()) return absl::InvalidArgumentError("path is the data root itself");
  const std::string& name = p.back();
  if (IsTemporaryUploadName(name)) {
    return absl::FailedPreconditionError(absl::StrCat("'", name, "' is a temporary upload name"));
  }
  if (!absl::EndsWith(name, ".tsv")) {
    return absl::InvalidArgumentError(absl::StrCat("'", name, "' is not a .tsv file"));
  }
  if (p.size() < 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", *relative, "' is not in a <company>/<campaign>/<device>/ folder of the data root"));
  }
  FileLocation loc;
  loc.relative = absl::StrJoin(p, "/");
  loc.path = absl::StrCat(root_ == "/" ? "" : root_, "/", loc.relative);
  loc.company = p[0];
  loc.campaign = p[1];
  loc.device_folder = p[2];
  loc.name = name;
  loc.dir = fs::path(loc.path).parent_path().string();
  return loc;
}

absl::StatusOr<FolderLocation> DataRoot::ClassifyFolder(absl::string_view path) const {
  absl::StatusOr<std::string> relative = Relative(path);
  if (!relative.ok()) return relative.status();
  absl::StatusOr<std::vector<std::string>> parts = Components(*relative);
  if (!parts.ok()) return parts.status();
  if (parts->empty()) return absl::InvalidArgumentError("path is the data root itself");
  for (const std::string& part : *parts) {
    if (part == "parsed" || part == "error") {
      return absl::FailedPreconditionError("a parsed/ or error/ folder");
    }
  }
  FolderLocation loc;
  loc.depth = static_cast<int>(parts->size());
  loc.company = (*parts)[0];
  if (loc.depth >= 2) loc.campaign = (*parts)[1];
  if (loc.depth >= 3) loc.device_folder = (*parts)[2];
  return loc;
}

absl::Status DataRoot::CheckRealPath(const FileLocation& file) const {
  std::error_code ec;
  fs::path real = fs::canonical(file.path, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) {
      return absl::NotFoundError(absl::StrCat(file.path, " no longer exists"));
    }
    return absl::InternalError(absl::StrCat(file.path, ": ", ec.message()));
  }
  std::string prefix = root_ == "/" ? "/" : root_ + "/";
  if (!absl::StartsWith(real.string(), prefix)) {
    return absl::InvalidArgumentError(absl::StrCat(file.relative, " resolves to ", real.string(),
                                                   ", outside the data root; not read"));
  }
  if (!fs::is_regular_file(real)) {
    return absl::InvalidArgumentError(absl::StrCat(file.relative, " is not a regular file"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> DataRoot::PrepareDestination(const FileLocation& file,
                                                         Outcome outcome) {
  std::string folder =
      absl::StrCat(file.dir, "/", outcome == Outcome::kParsed ? "parsed" : "error");
  if (::mkdir(folder.c_str(), 0775) != 0 && errno != EEXIST) {
    return ErrnoStatus(errno, absl::StrCat("create ", folder));
  }
  return absl::StrCat(folder, "/", file.name);
}

absl::Status DataRoot::MoveTo(const FileLocation& file, const std::string& destination) {
  if (::rename(file.path.c_str(), destination.c_str()) != 0) {
    return ErrnoStatus(errno, absl::StrCat("move ", file.path, " to ", destination));
  }
  return absl::OkStatus();
}

absl::Status DataRoot::WriteFileAtomically(const std::string& path, absl::string_view content) {
  std::string temp = absl::StrCat(path, ".tmp-", ::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("create ", temp));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      return ErrnoStatus(err, absl::StrCat("write ", temp));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return ErrnoStatus(err, absl::StrCat("sync ", temp));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return ErrnoStatus(err, absl::StrCat("rename ", temp, " to ", path));
  }
  return absl::OkStatus();
}

}  // namespace powerview::lifecycle
