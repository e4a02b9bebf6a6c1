#include "search/source_filter.h"

#include <rapidjson/document.h>

#include "json/value_text.h"
#include "util/wildcard.h"

namespace sluice::search {
namespace {

bool MatchesAny(const std::vector<std::string>& patterns, std::string_view path) {
  for (const auto& p : patterns) {
    if (util::WildcardMatch(p, path)) return true;
    // "a.b" includes everything below it ("a.b.c").
    if (path.size() > p.size() && path.substr(0, p.size()) == p && path[p.size()] == '.') {
      return true;
    }
  }
  return false;
}

// True when some include pattern could match below `path` (so an object on
// the way to an included field is kept).
bool MayIncludeBelow(const std::vector<std::string>& patterns, std::string_view path) {
  for (const auto& p : patterns) {
    if (p.size() > path.size() && p.compare(0, path.size(), path) == 0 && p[path.size()] == '.') {
      return true;
    }
    if (p.find('*') != std::string::npos) return true;
  }
  return false;
}

bool HasObject(const rapidjson::Value& array) {
  for (const auto& e : array.GetArray()) {
    if (e.IsObject()) return true;
  }
  return false;
}

class Filterer {
 public:
  Filterer(const SourceFilter& filter, rapidjson::Document::AllocatorType& alloc)
      : filter_(filter), alloc_(alloc) {}

  // Removes members of `object` that the filter drops; recursion into objects.
  void Object(rapidjson::Value& object, const std::string& prefix) {
    for (auto it = object.MemberBegin(); it != object.MemberEnd();) {
      std::string path = prefix + it->name.GetString();
      if (Keep(it->value, path)) {
        ++it;
      } else {
        it = object.EraseMember(it);
      }
    }
  }

 private:
  bool Keep(rapidjson::Value& value, const std::string& path) {
    if (!filter_.excludes.empty() && MatchesAny(filter_.excludes, path)) return false;
    bool included = filter_.includes.empty() || MatchesAny(filter_.includes, path);
    if (value.IsObject()) {
      if (!included && !MayIncludeBelow(filter_.includes, path)) return false;
      if (included && filter_.excludes.empty()) return true;
      Filterer(included ? SourceFilter{true, {}, filter_.excludes} : filter_, alloc_)
          .Object(value, path + ".");
      return value.MemberCount() > 0 || (included && filter_.includes.empty());
    }
    if (value.IsArray() && HasObject(value)) {
      // Objects in an array are filtered like an object at the array's path
      // and dropped when emptied; other elements follow the array itself.
      if (!included && !MayIncludeBelow(filter_.includes, path)) return false;
      if (included && filter_.excludes.empty()) return true;
      SourceFilter inner = included ? SourceFilter{true, {}, filter_.excludes} : filter_;
      for (auto it = value.Begin(); it != value.End();) {
        if (it->IsObject()) Filterer(inner, alloc_).Object(*it, path + ".");
        bool keep = it->IsObject() ? it->MemberCount() > 0 : included;
        it = keep ? it + 1 : value.Erase(it);
      }
      return !value.Empty();
    }
    return included;
  }

  const SourceFilter& filter_;
  rapidjson::Document::AllocatorType& alloc_;
};

}  // namespace

std::string SourceFilter::Apply(std::string_view source_json) const {
  if (IsIdentity()) return std::string(source_json);
  rapidjson::Document doc;
  doc.Parse(source_json.data(), source_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::string(source_json);
  Filterer(*this, doc.GetAllocator()).Object(doc, "");
  return json::ValueText(doc);
}

}  // namespace sluice::search
