#include "http/router.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <map>
#include <utility>

#include "util/json_depth.h"

namespace sluice::http {

struct Router::Node {
  struct Route {
    std::string method;
    Handler handler;
    std::vector<std::string> param_names;  // one per "{..}" segment, in order
    std::string pattern;                   // "/" + segments joined by "/"
    RouteOptions options;
  };
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::unique_ptr<Node> param;
  std::vector<Route> routes;
};

namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view seg = path.substr(0, slash);
    if (!seg.empty()) out.push_back(seg);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool IsParam(std::string_view seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The media type of a Content-Type value ("application/json; charset=UTF-8" →
// "application/json"), or "" when it is not of the form type/subtype.
std::string_view MediaType(std::string_view content_type) {
  std::string_view media = Trim(content_type.substr(0, content_type.find(';')));
  size_t slash = media.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == media.size()) return {};
  return media;
}

bool IsSupportedMediaType(std::string_view media) {
  static constexpr std::string_view kSupported[] = {
      "application/json",
      "application/x-ndjson",
      "application/vnd.opensearch+json",
      "application/vnd.opensearch+x-ndjson",
      "application/vnd.elasticsearch+json",
  };
  return std::any_of(std::begin(kSupported), std::end(kSupported),
                     [&](std::string_view s) { return EqualsIgnoreCase(s, media); });
}

std::string JoinMethods(const std::vector<std::string>& methods, std::string_view sep) {
  std::string out;
  for (const auto& m : methods) {
    if (!out.empty()) out += sep;
    out += m;
  }
  return out;
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

std::string_view PoolName(Pool pool) {
  switch (pool) {
    case Pool::kManagement:
      return "management";
    case Pool::kSearch:
      return "search";
    case Pool::kWrite:
      return "write";
  }
  return "management";
}

void Router::Add(std::string_view method, std::string_view pattern, Handler handler,
                 RouteOptions options) {
  Node* node = root_.get();
  std::vector<std::string> names;
  std::string normalised;
  for (std::string_view seg : SplitPath(pattern)) {
    normalised.append("/").append(seg);
    if (IsParam(seg)) {
      if (!node->param) node->param = std::make_unique<Node>();
      names.emplace_back(seg.substr(1, seg.size() - 2));
      node = node->param.get();
    } else {
      auto it = node->literals.find(seg);
      if (it == node->literals.end()) {
        it = node->literals.emplace(std::string(seg), std::make_unique<Node>()).first;
      }
      node = it->second.get();
    }
  }
  if (normalised.empty()) normalised = "/";
  if (options.action.empty() && actions_ != nullptr) options.action = actions_(method, normalised);
  for (auto& route : node->routes) {
    if (route.method == method) {
      route.handler = std::move(handler);
      route.param_names = std::move(names);
      route.pattern = std::move(normalised);
      route.options = options;
      return;
    }
  }
  node->routes.push_back(
      {std::string(method), std::move(handler), std::move(names), std::move(normalised), options});
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  std::vector<std::string_view> segs = SplitPath(path);
  // Depth-first, literal child before parameter child: candidates come out in
  // precedence order.
  struct Candidate {
    const Node* node;
    std::vector<std::string_view> raw_params;
  };
  std::vector<Candidate> candidates;
  std::vector<std::string_view> params;
  std::function<void(const Node*, size_t)> walk = [&](const Node* node, size_t i) {
    if (i == segs.size()) {
      if (!node->routes.empty()) candidates.push_back({node, params});
      return;
    }
    if (auto it = node->literals.find(segs[i]); it != node->literals.end()) {
      walk(it->second.get(), i + 1);
    }
    if (node->param) {
      params.push_back(segs[i]);
      walk(node->param.get(), i + 1);
      params.pop_back();
    }
  };
  walk(root_.get(), 0);

  Match match;
  match.path_known = !candidates.empty();
  auto add_allowed = [&](const std::string& m) {
    if (std::find(match.allowed.begin(), match.allowed.end(), m) == match.allowed.end()) {
      match.allowed.push_back(m);
    }
  };
  for (const Candidate& c : candidates) {
    for (const auto& route : c.node->routes) add_allowed(route.method);
  }
  // HEAD is served wherever GET is.
  if (std::find(match.allowed.begin(), match.allowed.end(), "GET") != match.allowed.end()) {
    add_allowed("HEAD");
  }
  for (const Candidate& c : candidates) {
    const Node::Route* chosen = nullptr;
    for (const auto& route : c.node->routes) {
      if (route.method == method) chosen = &route;
    }
    if (chosen == nullptr && method == "HEAD") {
      for (const auto& route : c.node->routes) {
        if (route.method == "GET") chosen = &route;
      }
      match.head_via_get = chosen != nullptr;
    }
    if (chosen == nullptr) continue;
    match.handler = &chosen->handler;
    match.pattern = chosen->pattern;
    match.options = chosen->options;
    for (size_t i = 0; i < chosen->param_names.size() && i < c.raw_params.size(); ++i) {
      match.params.emplace_back(chosen->param_names[i], PercentDecode(c.raw_params[i], false));
    }
    break;
  }
  return match;
}

void Router::ForEachRoute(
    const std::function<void(std::string_view, std::string_view, const RouteOptions&)>& fn) const {
  std::function<void(const Node*)> walk = [&](const Node* node) {
    for (const auto& route : node->routes) fn(route.method, route.pattern, route.options);
    for (const auto& [seg, child] : node->literals) walk(child.get());
    if (node->param) walk(node->param.get());
  };
  walk(root_.get());
}

Pool Router::PoolFor(std::string_view method, std::string_view path) const {
  Match match = Find(method, path);
  return match.handler != nullptr ? match.options.pool : Pool::kManagement;
}

Response Router::Dispatch(Request& request) const {
  std::string_view content_type = request.Header("Content-Type");
  if (!content_type.empty() && MediaType(content_type).empty()) {
    return SimpleError(400, "invalid Content-Type header [" + std::string(content_type) + "]");
  }
  Match match = Find(request.method, request.path);
  if (authorizer_) {
    if (match.handler != nullptr) request.path_params = match.params;
    try {
      if (std::optional<Response> refused =
              authorizer_(request, match.handler != nullptr ? &match.options : nullptr)) {
        return *refused;
      }
    } catch (const std::exception& e) {
      spdlog::error("http authorizer_exception method={} path={} what=\"{}\"", request.method,
                    request.path, e.what());
      return SimpleError(500, "internal error: the request could not be authorized");
    }
  }
  if (match.handler == nullptr) {
    if (!match.path_known) {
      // OpenSearch prints the decoded path here (java.net.URI#getPath), not the raw uri.
      // Its body has no "status" field (RestController#handleBadRequest).
      return BareError(400, "no handler found for uri [" + PercentDecode(request.path, false) +
                                "] and method [" + request.method + "]");
    }
    Response r = SimpleError(405, "Incorrect HTTP method for uri [" + request.target +
                                      "] and method [" + request.method + "], allowed: [" +
                                      JoinMethods(match.allowed, ", ") + "]");
    r.headers.emplace_back("Allow", JoinMethods(match.allowed, ","));
    return r;
  }
  if (!request.body.empty()) {
    if (content_type.empty()) return SimpleError(406, "Content-Type header is missing");
    if (!IsSupportedMediaType(MediaType(content_type))) {
      return SimpleError(
          406, "Content-Type header [" + std::string(content_type) + "] is not supported");
    }
    // Parsers recurse per nesting level: refuse bodies that could exhaust a stack.
    if (util::ExceedsJsonNesting(request.body)) {
      return SimpleError(400, "Document nesting depth exceeds the maximum allowed (" +
                                  std::to_string(util::kMaxJsonNesting) + ")");
    }
  }
  request.path_params = std::move(match.params);
  request.route = std::move(match.pattern);
  try {
    if (check_) {
      if (std::optional<Response> refused = check_(request, match.options)) return *refused;
    }
    return (*match.handler)(request);
  } catch (const std::exception& e) {
    spdlog::error("http handler_exception method={} path={} what=\"{}\"", request.method,
                  request.path, e.what());
  } catch (...) {
    spdlog::error("http handler_exception method={} path={} what=unknown", request.method,
                  request.path);
  }
  return SimpleError(
      500, "internal error: the handler for [" + request.method + " " + request.path + "] failed");
}

}  // namespace sluice::http
