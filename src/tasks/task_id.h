// Task ids: 20 random URL-safe base64 characters, the shape of OpenSearch's
// auto-generated document ids (ml-commons task ids are such ids).
// Thread-safe (each thread has its own generator).
#pragma once

#include <string>

namespace sluice::tasks {

std::string GenerateTaskId();

}  // namespace sluice::tasks
