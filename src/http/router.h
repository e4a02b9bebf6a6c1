// Router: the routing table from (method, path pattern) to Handler, with
// OpenSearch's dispatch rules.
//
// Patterns are '/'-separated segments; a segment "{name}" binds a path
// parameter, any other segment is literal: "/", "/_cat/indices", "/{index}",
// "/{index}/_doc/{id}". Empty segments are ignored, so "/idx/" matches "/{index}".
// Literal segments take precedence over parameters at the same position
// (OpenSearch's PathTrie): "/_bulk" beats "/{index}". When the best matching
// pattern lacks the method, lower-precedence patterns that have it are tried
// (as RestController does), e.g. GET /_bulk falls through to GET /{index}.
//
// Dispatch() applies the transport rules of OpenSearch's RestController:
//   - no pattern matches → 400 {"error":"no handler found for uri [..] and method [..]"}
//     (no "status" field, as OpenSearch);
//   - patterns match but none has the method → 405 with an Allow header;
//   - HEAD with no HEAD route runs the GET handler and drops the body;
//   - a non-empty body needs a supported Content-Type (JSON or NDJSON, with
//     parameters) → otherwise 406; a malformed Content-Type → 400;
//   - a handler that throws → 500; nothing escapes Dispatch().
//
// Thread-safety: Add() is not synchronised; call it before the server starts.
// After that Dispatch() and Match() are const and safe from any number of threads.
// Handlers may run concurrently and must be thread-safe themselves.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "http/response.h"

namespace sluice::http {

using Handler = std::function<Response(const Request&)>;

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Registers `handler` for `method` (upper case) on `pattern`. Registering the
  // same method and pattern again replaces the handler.
  void Add(std::string_view method, std::string_view pattern, Handler handler);

  // The outcome of routing a method and path, without running anything.
  struct Match {
    const Handler* handler = nullptr;  // set when a route has the method
    bool head_via_get = false;         // HEAD served by a GET route
    Request::Pairs params;             // decoded path params of the chosen route
    std::vector<std::string> allowed;  // methods of all matching patterns
    bool path_known = false;           // some pattern matched the path
    std::string pattern;               // the chosen route's pattern, normalised ("/a/{b}")
  };
  Match Find(std::string_view method, std::string_view path) const;

  // Routes `request` (filling request.path_params) and runs the handler,
  // applying the rules above. Never throws.
  Response Dispatch(Request& request) const;

 private:
  struct Node;
  std::unique_ptr<Node> root_;
};

}  // namespace sluice::http
