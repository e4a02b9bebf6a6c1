// The permission each REST route needs, named as OpenSearch's security plugin
// names the transport action behind it ("indices:data/read/search"). Routes
// registered without RouteOptions::action get theirs from this table (see
// Router::SetDefaultActions); a route it does not know gets "", which only a
// user with every cluster permission ("*") may call.
#pragma once

#include <string_view>

namespace sluice::api {

// Any authenticated user may call a route with this action (authinfo).
inline constexpr std::string_view kAuthenticatedAction = "authenticated";

std::string_view DefaultRouteAction(std::string_view method, std::string_view pattern);

}  // namespace sluice::api
