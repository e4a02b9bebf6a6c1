#include "http/response.h"

#include <cstdio>

namespace sluice::http {

void AppendJsonEscaped(std::string_view in, std::string& out) {
  for (char c : in) {
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
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
}

Response SimpleError(int status, std::string_view message) {
  Response r;
  r.status = status;
  r.body = "{\"error\":\"";
  AppendJsonEscaped(message, r.body);
  r.body += "\",\"status\":";
  r.body += std::to_string(status);
  r.body += "}";
  return r;
}

Response BareError(int status, std::string_view message) {
  Response r;
  r.status = status;
  r.body = "{\"error\":\"";
  AppendJsonEscaped(message, r.body);
  r.body += "\"}";
  return r;
}

}  // namespace sluice::http
