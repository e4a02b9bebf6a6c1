// JsonWriter: builds a JSON text in memory, compact or pretty (OpenSearch's
// `?pretty`). Used for every response body sluice writes.
//
// Calls must form valid JSON (keys inside objects, balanced Start/End); a
// misuse is a bug and asserts in debug builds. Floats are written in their
// shortest round-trip form as Java prints them (0.5, 0.1923077), which is how
// OpenSearch renders float scores. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sluice::json {

class JsonWriter {
 public:
  explicit JsonWriter(bool pretty = false);
  ~JsonWriter();
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& StartObject();
  JsonWriter& EndObject();
  JsonWriter& StartArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Float(float value);  // shortest float32 representation
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Inserts an already serialized, valid JSON value (e.g. a stored _source).
  JsonWriter& Raw(std::string_view json);

  // The text written so far. Complete once every Start has its End.
  std::string Take();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Re-indents a compact JSON text (2 spaces, OpenSearch's pretty layout).
// Input must be valid JSON; the output is the same value.
std::string PrettyPrint(std::string_view compact_json);

}  // namespace sluice::json
