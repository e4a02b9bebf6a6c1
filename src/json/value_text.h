// ValueText: a RapidJSON value written back to compact JSON text. Used where a
// parsed request or document part must be stored, echoed or compared as text.
// StringMember: obj[key] when obj is an object and that member a string, else "".
#pragma once

#include <rapidjson/fwd.h>

#include <string>

namespace sluice::json {

std::string ValueText(const rapidjson::Value& value);
std::string StringMember(const rapidjson::Value& obj, const char* key);

}  // namespace sluice::json
