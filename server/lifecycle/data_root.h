// Where a file belongs in the data root `<root>/<company>/<campaign>/<device>/<name>.tsv`, and
// what happens to it after ingest: it moves to `parsed/` or `error/` beside it, with its report.
#ifndef POWERVIEW_SERVER_LIFECYCLE_DATA_ROOT_H_
#define POWERVIEW_SERVER_LIFECYCLE_DATA_ROOT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace powerview::lifecycle {

// A measurement file inside the data root.
struct FileLocation {
  std::string path;      // absolute, normalised
  std::string relative;  // relative to the root
  std::string company;
  std::string campaign;
  std::string device_folder;
  std::string name;  // base name
  std::string dir;   // absolute folder holding the file
};

// A folder inside the data root (mkdir / rmdir events).
struct FolderLocation {
  std::string company;
  std::string campaign;  // empty for a company folder
  std::string device_folder;
  int depth = 0;  // 1 company, 2 campaign, 3 device, more: deeper
};

enum class Outcome { kParsed, kError };

class DataRoot {
 public:
  // `root` must exist; it is made absolute and canonical (symlinks resolved) once, here.
  static absl::StatusOr<DataRoot> Open(const std::string& root);

  const std::string& root() const { return root_; }

  // Classifies `path` by its text: inside the root, no `..`, at least company/campaign/device
  // levels, a `.tsv` name, not inside a `parsed/` or `error/` folder, not a hidden or temporary
  // upload name. Errors are InvalidArgument with the reason (FailedPrecondition for files in
  // lifecycle folders, so that callers can ignore those silently).
  absl::StatusOr<FileLocation> ClassifyFile(absl::string_view path) const;
  absl::StatusOr<FolderLocation> ClassifyFolder(absl::string_view path) const;
  // Resolves symlinks: the real file must still be inside the root (NotFound if it is gone).
  absl::Status CheckRealPath(const FileLocation& file) const;

  // The path the file gets in `parsed/` or `error/` beside it; creates that folder.
  static absl::StatusOr<std::string> PrepareDestination(const FileLocation& file, Outcome outcome);
  // Moves the file to `destination` (from PrepareDestination; a file with the same name there
  // is replaced).
  static absl::Status MoveTo(const FileLocation& file, const std::string& destination);
  // Writes `content` atomically to `path` (temporary file, fsync, rename).
  static absl::Status WriteFileAtomically(const std::string& path, absl::string_view content);

 private:
  explicit DataRoot(std::string root) : root_(std::move(root)) {}
  absl::StatusOr<std::string> Relative(absl::string_view path) const;
  std::string root_;
};

// True for names that upload clients and SFTPGo use while a transfer is in progress
// (`*.filepart`, `*.part`, `*.tmp`, `.sftpgo-upload.*`, hidden files).
bool IsTemporaryUploadName(absl::string_view name);

}  // namespace powerview::lifecycle

#endif  // POWERVIEW_SERVER_LIFECYCLE_DATA_ROOT_H_
