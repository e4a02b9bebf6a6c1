// Random URL-safe base64 identifiers, as OpenSearch generates for index UUIDs
// (22 chars) and auto document ids (20 chars). Thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace sluice::index {

std::string GenerateId(size_t length);

}  // namespace sluice::index
