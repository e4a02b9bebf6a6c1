#include "sources/s3_xml.h"

#include <expat.h>

#include <cstdlib>
#include <functional>
#include <memory>

namespace sluice::sources {
namespace {

// Walks a document and reports (element path, text) for every leaf element,
// e.g. ("ListBucketResult/Contents/Key", "a.jsonl"), plus element closings.
class LeafWalker {
 public:
  using LeafFn = std::function<void(const std::string& path, const std::string& text)>;

  explicit LeafWalker(LeafFn on_leaf) : on_leaf_(std::move(on_leaf)) {}

  bool Parse(std::string_view xml) {
    std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreate("UTF-8"),
                                                                        XML_ParserFree);
    if (!parser) return false;
    XML_SetUserData(parser.get(), this);
    XML_SetElementHandler(parser.get(), &LeafWalker::Start, &LeafWalker::End);
    XML_SetCharacterDataHandler(parser.get(), &LeafWalker::Text);
    return XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE) ==
           XML_STATUS_OK;
  }

 private:
  static void Start(void* user, const XML_Char* name, const XML_Char**) {
    auto* self = static_cast<LeafWalker*>(user);
    self->lengths_.push_back(self->path_.size());
    if (!self->path_.empty()) self->path_.push_back('/');
    self->path_ += name;
    self->text_.clear();
  }
  static void End(void* user, const XML_Char*) {
    auto* self = static_cast<LeafWalker*>(user);
    self->on_leaf_(self->path_, self->text_);
    self->text_.clear();
    self->path_.resize(self->lengths_.back());
    self->lengths_.pop_back();
  }
  static void Text(void* user, const XML_Char* text, int len) {
    static_cast<LeafWalker*>(user)->text_.append(text, static_cast<size_t>(len));
  }

  LeafFn on_leaf_;
  std::string path_;
  std::vector<size_t> lengths_;
  std::string text_;
};

}  // namespace

util::Result<S3ListPage> ParseListObjectsV2(std::string_view xml) {
  S3ListPage page;
  std::string key;
  uint64_t size = 0;
  bool bad_size = false;
  LeafWalker walker([&](const std::string& path, const std::string& text) {
    if (path == "ListBucketResult/Contents/Key") {
      key = text;
    } else if (path == "ListBucketResult/Contents/Size") {
      char* end = nullptr;
      size = std::strtoull(text.c_str(), &end, 10);
      bad_size = bad_size || end == text.c_str();
    } else if (path == "ListBucketResult/Contents") {
      page.objects.emplace_back(std::move(key), size);
      key.clear();
      size = 0;
    } else if (path == "ListBucketResult/IsTruncated") {
      page.truncated = text == "true";
    } else if (path == "ListBucketResult/NextContinuationToken") {
      page.next_continuation_token = text;
    }
  });
  if (!walker.Parse(xml) || bad_size) {
    return util::Unavailable("S3 returned a malformed ListObjectsV2 response");
  }
  return page;
}

S3Error ParseS3Error(std::string_view xml) {
  S3Error error;
  LeafWalker walker([&](const std::string& path, const std::string& text) {
    if (path == "Error/Code") error.code = text;
    if (path == "Error/Message") error.message = text;
  });
  if (!walker.Parse(xml)) return S3Error{};
  return error;
}

}  // namespace sluice::sources
