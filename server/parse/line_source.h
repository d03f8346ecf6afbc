// Lines of an MV2 file, read either from memory or from disk through one fixed-size buffer, so
// that parsing a file never holds more than one buffer of it.
#ifndef POWERVIEW_SERVER_PARSE_LINE_SOURCE_H_
#define POWERVIEW_SERVER_PARSE_LINE_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace powerview::parse {

// One line, without its "\n" or "\r\n" terminator.
struct Line {
  absl::string_view text;
  // False only for a last line that the file does not end with a newline.
  bool terminated = true;
  // The line was longer than the source's line limit; `text` holds its beginning only.
  bool overlong = false;
  // 1-based line number in the file.
  int64_t number = 0;
};

class LineSource {
 public:
  virtual ~LineSource() = default;

  // Reads the next line into *line and returns true, or returns false at end of input. The text
  // stays valid until the next call.
  virtual absl::StatusOr<bool> Next(Line* line) = 0;
};

// Lines of `content`, which must outlive the source. There is no line limit.
class BufferLineSource : public LineSource {
 public:
  explicit BufferLineSource(absl::string_view content);
  absl::StatusOr<bool> Next(Line* line) override;

 private:
  absl::string_view rest_;
  int64_t number_ = 0;
};

// Lines of a file read through a buffer of `buffer_size` bytes, which is also the longest line
// returned whole. The source owns the descriptor and closes it.
class FileLineSource : public LineSource {
 public:
  // Errors: NotFound (ENOENT), PermissionDenied (EACCES), Internal (other open failures); each
  // names the path and the system's reason.
  static absl::StatusOr<std::unique_ptr<FileLineSource>> Open(const std::string& path,
                                                              size_t buffer_size);
  ~FileLineSource() override;
  FileLineSource(const FileLineSource&) = delete;
  FileLineSource& operator=(const FileLineSource&) = delete;

  // Read errors are DataLoss errors naming the path.
  absl::StatusOr<bool> Next(Line* line) override;

 private:
  FileLineSource(std::string path, int fd, size_t buffer_size);
  // Appends file data after the unread bytes; false at end of file.
  absl::StatusOr<bool> Fill();

  std::string path_;
  int fd_;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_;
  size_t begin_ = 0;  // first unread byte
  size_t end_ = 0;    // one past the last byte read
  bool eof_ = false;
  bool skipping_ = false;  // discarding the remainder of an overlong line
  int64_t number_ = 0;
};

}  // namespace powerview::parse

#endif  // POWERVIEW_SERVER_PARSE_LINE_SOURCE_H_
