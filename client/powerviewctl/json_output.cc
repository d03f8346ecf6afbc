#include "client/powerviewctl/json_output.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace powerview::ctl {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

class Writer {
 public:
  explicit Writer(bool pretty) : pretty_(pretty) {}

  void WriteMessage(const Message& m, int depth) {
    const std::string& type = m.GetDescriptor()->full_name();
    if (type == "google.protobuf.Timestamp") {
      out_ += JsonString(google::protobuf::util::TimeUtil::ToString(
          static_cast<const google::protobuf::Timestamp&>(m)));
      return;
    }
    if (type == "google.protobuf.Duration") {
      out_ += JsonString(google::protobuf::util::TimeUtil::ToString(
          static_cast<const google::protobuf::Duration&>(m)));
      return;
    }
    const Reflection* r = m.GetReflection();
    const auto* d = m.GetDescriptor();
    out_ += "{";
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      out_ += i == 0 ? "" : ",";
      Newline(depth + 1);
      absl::StrAppend(&out_, JsonString(f->name()), pretty_ ? ": " : ":");
      if (f->is_repeated()) {
        int n = r->FieldSize(m, f);
        out_ += "[";
        for (int j = 0; j < n; ++j) {
          out_ += j == 0 ? "" : ",";
          Newline(depth + 2);
          WriteRepeated(m, f, j, depth + 2);
        }
        if (n > 0) Newline(depth + 1);
        out_ += "]";
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !r->HasField(m, f)) {
        out_ += "null";
      } else {
        WriteSingular(m, f, depth + 1);
      }
    }
    if (d->field_count() > 0) Newline(depth);
    out_ += "}";
  }

  std::string Take() { return std::move(out_); }

 private:
  void Newline(int depth) {
    if (pretty_) absl::StrAppend(&out_, "\n", std::string(2 * depth, ' '));
  }

  void WriteDouble(double v) {
    if (std::isfinite(v)) {
      absl::StrAppend(&out_, absl::StrFormat("%.17g", v));
    } else {
      out_ += "null";
    }
  }

  void WriteSingular(const Message& m, const FieldDescriptor* f, int depth) {
    const Reflection* r = m.GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        absl::StrAppend(&out_, r->GetInt32(m, f));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        absl::StrAppend(&out_, r->GetInt64(m, f));
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        absl::StrAppend(&out_, r->GetUInt32(m, f));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        absl::StrAppend(&out_, r->GetUInt64(m, f));
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        WriteDouble(r->GetDouble(m, f));
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        WriteDouble(r->GetFloat(m, f));
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        out_ += r->GetBool(m, f) ? "true" : "false";
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        out_ += JsonString(r->GetEnum(m, f)->name());
        break;
      case FieldDescriptor::CPPTYPE_STRING:
        out_ += JsonString(r->GetString(m, f));
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        WriteMessage(r->GetMessage(m, f), depth);
        break;
    }
  }

  void WriteRepeated(const Message& m, const FieldDescriptor* f, int j, int depth) {
    const Reflection* r = m.GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        absl::StrAppend(&out_, r->GetRepeatedInt32(m, f, j));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        absl::StrAppend(&out_, r->GetRepeatedInt64(m, f, j));
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        absl::StrAppend(&out_, r->GetRepeatedUInt32(m, f, j));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        absl::StrAppend(&out_, r->GetRepeatedUInt64(m, f, j));
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        WriteDouble(r->GetRepeatedDouble(m, f, j));
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        WriteDouble(r->GetRepeatedFloat(m, f, j));
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        out_ += r->GetRepeatedBool(m, f, j) ? "true" : "false";
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        out_ += JsonString(r->GetRepeatedEnum(m, f, j)->name());
        break;
      case FieldDescriptor::CPPTYPE_STRING:
        out_ += JsonString(r->GetRepeatedString(m, f, j));
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        WriteMessage(r->GetRepeatedMessage(m, f, j), depth);
        break;
    }
  }

  bool pretty_;
  std::string out_;
};

}  // namespace

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += "\"";
  return out;
}

std::string ToJson(const Message& message, bool pretty) {
  Writer w(pretty);
  w.WriteMessage(message, 0);
  return w.Take();
}

}  // namespace powerview::ctl
