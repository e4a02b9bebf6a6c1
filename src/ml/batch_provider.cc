#include "ml/batch_provider.h"

#include "sources/http_client.h"

namespace sluice::ml {

const BatchProvider* ProviderForUrl(const std::string& url) {
  auto parsed = sources::ParseHttpUrl(url);
  if (!parsed.ok()) return nullptr;
  std::string path = parsed->path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (parsed->host == "api.openai.com" || path.ends_with("/v1/batches")) {
    return &OpenAiBatchProvider();
  }
  return nullptr;
}

const BatchProvider* ProviderNamed(std::string_view name) {
  const BatchProvider* p = &OpenAiBatchProvider();
  return p->name() == name ? p : nullptr;
}

}  // namespace sluice::ml
