#include "api/response_filter.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <vector>

#include "util/wildcard.h"
#include "util/split.h"

namespace sluice::api {
namespace {

using Path = std::vector<std::string>;
struct Cursor {
  const Path* path;
  size_t pos;  // segments matched so far
};

// The cursors after descending into field `name`; sets `complete` when a path ends there.
std::vector<Cursor> Step(const std::vector<Cursor>& cursors, std::string_view name,
                         bool* complete) {
  std::vector<Cursor> next;
  std::vector<Cursor> work(cursors);
  *complete = false;
  while (!work.empty()) {
    Cursor c = work.back();
    work.pop_back();
    const Path& p = *c.path;
    if (c.pos >= p.size()) continue;
    if (p[c.pos] == "**") {
      next.push_back(c);                    // ** consumes this level and stays
      work.push_back({c.path, c.pos + 1});  // or matches no level at all
      continue;
    }
    if (util::WildcardMatch(p[c.pos], name)) {
      if (c.pos + 1 == p.size())
        *complete = true;
      else
        next.push_back({c.path, c.pos + 1});
    }
  }
  return next;
}

using Alloc = rapidjson::Document::AllocatorType;

// Inclusion: the parts of `in` that some cursor leads to; false when none.
bool Include(const rapidjson::Value& in, const std::vector<Cursor>& cursors, Alloc& a,
             rapidjson::Value* out) {
  if (in.IsArray()) {
    out->SetArray();
    for (const auto& e : in.GetArray()) {
      if (!e.IsObject() && !e.IsArray()) continue;
      rapidjson::Value kept;
      if (Include(e, cursors, a, &kept)) out->PushBack(kept, a);
    }
    return !out->Empty();
  }
  if (!in.IsObject()) return false;
  out->SetObject();
  for (auto it = in.MemberBegin(); it != in.MemberEnd(); ++it) {
    bool complete = false;
    std::vector<Cursor> next = Step(
        cursors, std::string_view(it->name.GetString(), it->name.GetStringLength()), &complete);
    rapidjson::Value kept;
    if (complete) {
      kept.CopyFrom(it->value, a);
    } else if (next.empty() || !Include(it->value, next, a, &kept)) {
      continue;
    }
    out->AddMember(rapidjson::Value(it->name, a), kept, a);
  }
  return out->MemberCount() > 0;
}

// Exclusion: removes what a cursor leads to, in place.
void Exclude(rapidjson::Value& v, const std::vector<Cursor>& cursors) {
  if (v.IsArray()) {
    for (auto& e : v.GetArray()) Exclude(e, cursors);
    return;
  }
  if (!v.IsObject()) return;
  for (auto it = v.MemberBegin(); it != v.MemberEnd();) {
    bool complete = false;
    std::vector<Cursor> next = Step(
        cursors, std::string_view(it->name.GetString(), it->name.GetStringLength()), &complete);
    if (complete) {
      it = v.EraseMember(it);
      continue;
    }
    if (!next.empty()) Exclude(it->value, next);
    ++it;
  }
}

}  // namespace

std::string FilterPath(std::string_view json, std::string_view filter_path) {
  std::vector<Path> includes, excludes;
  for (const std::string& f : util::SplitNonEmpty(filter_path, ',')) {
    if (f[0] == '-')
      excludes.push_back(util::SplitNonEmpty(std::string_view(f).substr(1), '.'));
    else
      includes.push_back(util::SplitNonEmpty(f, '.'));
  }
  if (includes.empty() && excludes.empty()) return std::string(json);
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  if (doc.HasParseError()) return std::string(json);

  rapidjson::Value result;
  if (!includes.empty()) {
    std::vector<Cursor> cursors;
    for (const Path& p : includes) {
      if (!p.empty()) cursors.push_back({&p, 0});
    }
    if (!Include(doc, cursors, doc.GetAllocator(), &result)) {
      if (doc.IsArray())
        result.SetArray();
      else
        result.SetObject();
    }
  } else {
    result.CopyFrom(doc, doc.GetAllocator());
  }
  if (!excludes.empty()) {
    std::vector<Cursor> cursors;
    for (const Path& p : excludes) {
      if (!p.empty()) cursors.push_back({&p, 0});
    }
    Exclude(result, cursors);
  }
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  result.Accept(writer);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace sluice::api
