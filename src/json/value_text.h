// ValueText: a RapidJSON value written back to compact JSON text. Used where a
// parsed request or document part must be stored, echoed or compared as text.
#pragma once

#include <rapidjson/fwd.h>

#include <string>

namespace sluice::json {

std::string ValueText(const rapidjson::Value& value);

}  // namespace sluice::json
