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
//   - the request check (SetRequestCheck), when set, runs after routing and
//     may answer instead of the handler (api/ refuses invalid UTF-8 and
//     duplicate keys there);
//   - a handler that throws → 500; nothing escapes Dispatch().
//
// Each route names the worker pool its handler runs on (RouteOptions::pool);
// the server asks PoolFor() before dispatching, so routing decides where slow
// work goes and http/ needs no knowledge of what the routes do.
//
// Thread-safety: Add() is not synchronised; call it before the server starts.
// After that Dispatch() and Match() are const and safe from any number of threads.
// Handlers may run concurrently and must be thread-safe themselves.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "http/response.h"

namespace sluice::http {

using Handler = std::function<Response(const Request&)>;

// The worker pools of the server (see ServerOptions): cheap management and
// health requests, searches and reads, and writes (bulk, documents, ingestion).
enum class Pool : uint8_t { kManagement = 0, kSearch = 1, kWrite = 2 };
inline constexpr size_t kPoolCount = 3;
std::string_view PoolName(Pool pool);  // "management", "search", "write"

// How a route's request body is framed, for the request check.
enum class BodyFormat : uint8_t { kJson, kNdjson };

struct RouteOptions {
  Pool pool = Pool::kManagement;
  BodyFormat body = BodyFormat::kJson;
  // The permission the route needs, as OpenSearch's security plugin names it
  // ("indices:data/read/search", "cluster:monitor/health"); "" = the default
  // the router's action table gives (SetDefaultActions), else none declared.
  std::string_view action = {};
};

// Runs before every handler with the routed request (path params filled);
// a Response refuses the request with it. Must be thread-safe.
using RequestCheck = std::function<std::optional<Response>(const Request&, const RouteOptions&)>;

// Runs first for every request, before the routing errors, with the matched
// route's options (null when no route has the method and path); a Response
// refuses the request (401, 403). It may set request.user. Must be thread-safe.
using Authorizer = std::function<std::optional<Response>(Request&, const RouteOptions*)>;

// The action of a route registered without one (method, normalised pattern).
using ActionTable = std::string_view (*)(std::string_view method, std::string_view pattern);

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
  void Add(std::string_view method, std::string_view pattern, Handler handler,
           RouteOptions options = {});

  // Installs the check run before every handler (replaces any earlier one).
  void SetRequestCheck(RequestCheck check) { check_ = std::move(check); }
  // Installs the authorizer (replaces any earlier one). Default: none.
  void SetAuthorizer(Authorizer authorizer) { authorizer_ = std::move(authorizer); }
  // Fills RouteOptions::action for routes added after this call without one.
  void SetDefaultActions(ActionTable table) { actions_ = table; }
  // Calls fn(method, pattern, options) for every route (tests, docs).
  void ForEachRoute(
      const std::function<void(std::string_view, std::string_view, const RouteOptions&)>& fn) const;

  // The pool of the route that would serve method and path; kManagement when
  // none would (the error answers are cheap).
  Pool PoolFor(std::string_view method, std::string_view path) const;

  // The outcome of routing a method and path, without running anything.
  struct Match {
    const Handler* handler = nullptr;  // set when a route has the method
    bool head_via_get = false;         // HEAD served by a GET route
    Request::Pairs params;             // decoded path params of the chosen route
    std::vector<std::string> allowed;  // methods of all matching patterns
    bool path_known = false;           // some pattern matched the path
    std::string pattern;               // the chosen route's pattern, normalised ("/a/{b}")
    RouteOptions options;              // the chosen route's options
  };
  Match Find(std::string_view method, std::string_view path) const;

  // Routes `request` (filling request.path_params) and runs the handler,
  // applying the rules above. Never throws.
  Response Dispatch(Request& request) const;

 private:
  struct Node;
  std::unique_ptr<Node> root_;
  RequestCheck check_;
  Authorizer authorizer_;
  ActionTable actions_ = nullptr;
};

}  // namespace sluice::http
