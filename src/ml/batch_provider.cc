#include "ml/batch_provider.h"

#include "sources/http_client.h"

namespace sluice::ml {

std::string TaskToken(std::string_view task_id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token = "sluice-";
  for (unsigned char c : task_id) {
    token += kHex[c >> 4];
    token += kHex[c & 15];
  }
  return token;
}

const BatchProvider* ProviderForUrl(const std::string& url) {
  auto parsed = sources::ParseHttpUrl(url);
  if (!parsed.ok()) return nullptr;
  const std::string& host = parsed->host;
  std::string path = parsed->path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const bool aws = host.ends_with(".amazonaws.com");
  if (host == "api.openai.com" || path.ends_with("/v1/batches")) return &OpenAiBatchProvider();
  if ((aws && host.starts_with("bedrock.")) || path.ends_with("/model-invocation-job")) {
    return &BedrockBatchProvider();
  }
  if ((aws && host.starts_with("api.sagemaker.")) || path.ends_with("/CreateTransformJob")) {
    return &SageMakerBatchProvider();
  }
  return nullptr;
}

const BatchProvider* ProviderNamed(std::string_view name) {
  for (const BatchProvider* p :
       {&OpenAiBatchProvider(), &BedrockBatchProvider(), &SageMakerBatchProvider()}) {
    if (p->name() == name) return p;
  }
  return nullptr;
}

}  // namespace sluice::ml
