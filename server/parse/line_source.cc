#include "server/parse/line_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace powerview::parse {
namespace {

// Drops the "\r" of a CRLF line end.
inline absl::string_view StripCr(absl::string_view text) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return text;
}

}  // namespace

BufferLineSource::BufferLineSource(absl::string_view content) : rest_(content) {}

absl::StatusOr<bool> BufferLineSource::Next(Line* line) {
  if (rest_.empty()) return false;
  const void* nl = std::memchr(rest_.data(), '\n', rest_.size());
  line->number = ++number_;
  line->overlong = false;
  if (nl == nullptr) {
    line->text = StripCr(rest_);
    line->terminated = false;
    rest_ = absl::string_view();
    return true;
  }
  size_t length = static_cast<const char*>(nl) - rest_.data();
  line->text = StripCr(rest_.substr(0, length));
  line->terminated = true;
  rest_.remove_prefix(length + 1);
  return true;
}

absl::StatusOr<std::unique_ptr<FileLineSource>> FileLineSource::Open(const std::string& path,
                                                                     size_t buffer_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string message = absl::StrFormat("cannot open '%s': %s", path, std::strerror(err));
    if (err == ENOENT) return absl::NotFoundError(message);
    if (err == EACCES) return absl::PermissionDeniedError(message);
    return absl::InternalError(message);
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<FileLineSource>(new FileLineSource(path, fd, buffer_size));
}

FileLineSource::FileLineSource(std::string path, int fd, size_t buffer_size)
    : path_(std::move(path)),
      fd_(fd),
      buffer_(new char[buffer_size < 64 ? 64 : buffer_size]),
      capacity_(buffer_size < 64 ? 64 : buffer_size) {}

FileLineSource::~FileLineSource() { ::close(fd_); }

absl::StatusOr<bool> FileLineSource::Fill() {
  if (begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  while (end_ < capacity_) {
    ssize_t n = ::read(fd_, buffer_.get() + end_, capacity_ - end_);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::DataLossError(
          absl::StrFormat("cannot read '%s': %s", path_, std::strerror(errno)));
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    end_ += static_cast<size_t>(n);
    return true;
  }
  return true;
}

absl::StatusOr<bool> FileLineSource::Next(Line* line) {
  size_t scanned = begin_;  // bytes before this offset hold no newline
  while (true) {
    const char* data = buffer_.get();
    const void* nl = std::memchr(data + scanned, '\n', end_ - scanned);
    if (nl != nullptr) {
      size_t at = static_cast<const char*>(nl) - data;
      if (skipping_) {
        skipping_ = false;
        begin_ = scanned = at + 1;
        continue;
      }
      line->text = StripCr(absl::string_view(data + begin_, at - begin_));
      line->terminated = true;
      line->overlong = false;
      line->number = ++number_;
      begin_ = at + 1;
      return true;
    }
    if (skipping_) {
      begin_ = end_;
    } else if (begin_ == 0 && end_ == capacity_) {
      // A full buffer without a newline: hand out its beginning and drop the rest of the line.
      line->text = absl::string_view(data, end_);
      line->terminated = true;
      line->overlong = true;
      line->number = ++number_;
      begin_ = end_;
      skipping_ = true;
      return true;
    }
    if (eof_) break;
    scanned = end_ - begin_;
    absl::StatusOr<bool> more = Fill();
    if (!more.ok()) return more.status();
    if (!*more) break;
  }
  if (skipping_ || begin_ == end_) return false;
  // The last line has no newline.
  line->text = StripCr(absl::string_view(buffer_.get() + begin_, end_ - begin_));
  line->terminated = false;
  line->overlong = false;
  line->number = ++number_;
  begin_ = end_;
  return true;
}

}  // namespace powerview::parse
