#include "gateway/forward_headers.h"

#include <gtest/gtest.h>

namespace sluice::gateway {
namespace {

using Pairs = http::Request::Pairs;

TEST(ForwardHeaders, DropsHopByHopAndWhatConnectionNames) {
  Pairs in = {{"Host", "gw:9200"},
              {"Connection", "keep-alive, X-Private"},
              {"X-Private", "1"},
              {"Keep-Alive", "timeout=5"},
              {"TE", "trailers"},
              {"Transfer-Encoding", "chunked"},
              {"Content-Length", "12"},
              {"Expect", "100-continue"},
              {"Proxy-Authorization", "Basic x"},
              {"Authorization", "Bearer token"},
              {"Content-Type", "application/json"}};
  sources::HeaderList out = ForwardRequestHeaders(in, "10.0.0.7", "http");
  sources::HeaderList want = {{"Authorization", "Bearer token"},
                              {"Content-Type", "application/json"},
                              {"X-Forwarded-For", "10.0.0.7"},
                              {"X-Forwarded-Proto", "http"},
                              {"X-Forwarded-Host", "gw:9200"}};
  EXPECT_EQ(out, want);
}

TEST(ForwardHeaders, AppendsToAnExistingForwardedChainAndKeepsTheFirstProxysProtoAndHost) {
  Pairs in = {{"x-forwarded-for", "1.1.1.1"},
              {"X-Forwarded-For", "2.2.2.2"},
              {"X-Forwarded-Proto", "https"},
              {"X-Forwarded-Host", "search.example.com"},
              {"Host", "gw"}};
  sources::HeaderList out = ForwardRequestHeaders(in, "127.0.0.1", "http");
  sources::HeaderList want = {{"x-forwarded-for", "1.1.1.1, 2.2.2.2, 127.0.0.1"},
                              {"X-Forwarded-Proto", "https"},
                              {"X-Forwarded-Host", "search.example.com"}};
  EXPECT_EQ(out, want);
}

TEST(ForwardHeaders, ResponseKeepsEverythingButFraming) {
  sources::HeaderList in = {{"content-type", "application/json; charset=UTF-8"},
                            {"Content-Encoding", "gzip"},
                            {"content-length", "120"},
                            {"Connection", "close"},
                            {"Transfer-Encoding", "chunked"},
                            {"WWW-Authenticate", "Basic realm=\"OpenSearch Security\""}};
  Pairs want = {{"content-type", "application/json; charset=UTF-8"},
                {"Content-Encoding", "gzip"},
                {"WWW-Authenticate", "Basic realm=\"OpenSearch Security\""}};
  EXPECT_EQ(ForwardResponseHeaders(in), want);
}

TEST(ForwardHeaders, FindHeaderIsCaseInsensitive) {
  sources::HeaderList in = {{"Content-Length", "5"}};
  EXPECT_EQ(FindHeader(in, "content-length"), "5");
  EXPECT_EQ(FindHeader(in, "transfer-encoding"), "");
}

}  // namespace
}  // namespace sluice::gateway
