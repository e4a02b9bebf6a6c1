// Runs the official AWS SigV4 test suite (both copies in the shared test data)
// through SignV4 and checks canonical request, string to sign and Authorization.
#include "sources/sigv4_signer.h"

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sluice::sources {
namespace {

namespace fs = std::filesystem;

const fs::path kSuiteDir = fs::path(SLUICE_TESTDATA_DIR) / "sigv4";
constexpr char kAccessKey[] = "AKIDEXAMPLE";
constexpr char kSecretKey[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::chrono::system_clock::time_point SuiteTime() {
  std::tm tm{};
  tm.tm_year = 2015 - 1900;
  tm.tm_mon = 7;
  tm.tm_mday = 30;
  tm.tm_hour = 12;
  tm.tm_min = 36;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// Parses a raw request file: request line, headers (folded lines continue the
// previous value), blank line, body.
SigV4Request ParseRawRequest(const std::string& text) {
  SigV4Request request;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  size_t first_space = line.find(' ');
  size_t last_space = line.rfind(' ');
  request.method = line.substr(0, first_space);
  std::string target = line.substr(first_space + 1, last_space - first_space - 1);
  size_t q = target.find('?');
  request.path = target.substr(0, q);
  if (q != std::string::npos) request.query = target.substr(q + 1);
  while (std::getline(in, line) && !line.empty()) {
    if ((line[0] == ' ' || line[0] == '\t') && !request.headers.empty()) {
      request.headers.back().second += "\n" + line;
      continue;
    }
    size_t colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  request.payload_hash = Sha256Hex(body);
  return request;
}

// Minimal reader for the flat context.json fields the suite uses.
std::string JsonField(const std::string& json, const std::string& name) {
  size_t pos = json.find("\"" + name + "\"");
  if (pos == std::string::npos) return "";
  pos = json.find(':', pos) + 1;
  while (json[pos] == ' ') ++pos;
  if (json[pos] == '"') return json.substr(pos + 1, json.find('"', pos + 1) - pos - 1);
  size_t end = json.find_first_of(",\n}", pos);
  return json.substr(pos, end - pos);
}

std::vector<fs::path> CaseDirs(const fs::path& root, const std::string& marker_suffix) {
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (name.size() > marker_suffix.size() &&
        name.compare(name.size() - marker_suffix.size(), marker_suffix.size(), marker_suffix) ==
            0) {
      dirs.push_back(entry.path().parent_path());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

TEST(SigV4SignerTest, PassesEveryAwsCAuthSuiteCase) {
  const fs::path root = kSuiteDir / "aws-c-auth-v4";
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (fs::exists(entry.path() / "context.json")) cases.push_back(entry.path());
  }
  ASSERT_EQ(cases.size(), 38u);
  int passed = 0;
  for (const fs::path& dir : cases) {
    SCOPED_TRACE(dir.filename().string());
    const std::string context = ReadFile(dir / "context.json");
    SigV4Request request = ParseRawRequest(ReadFile(dir / "request.txt"));
    SigV4Params params;
    params.region = JsonField(context, "region");
    params.service = JsonField(context, "service");
    params.time = SuiteTime();
    // normalize:false is the S3 behaviour: no normalisation, no second encoding.
    params.normalize_path = JsonField(context, "normalize") == "true";
    params.double_encode_path = params.normalize_path;
    params.sign_content_sha256 = JsonField(context, "sign_body") == "true";
    params.sign_session_token = JsonField(context, "omit_session_token") != "true";
    SigV4Credentials credentials{kAccessKey, util::Secret(kSecretKey),
                                 util::Secret(JsonField(context, "token"))};
    SigV4Signature signature = SignV4(request, params, credentials);

    std::string signed_request = ReadFile(dir / "header-signed-request.txt");
    size_t auth = signed_request.find("Authorization:");
    ASSERT_NE(auth, std::string::npos);
    std::string expected_auth =
        signed_request.substr(auth + 14, signed_request.find('\n', auth) - auth - 14);
    EXPECT_EQ(signature.canonical_request, ReadFile(dir / "header-canonical-request.txt"));
    EXPECT_EQ(signature.string_to_sign, ReadFile(dir / "header-string-to-sign.txt"));
    EXPECT_EQ(signature.signature, ReadFile(dir / "header-signature.txt"));
    EXPECT_EQ(signature.authorization, expected_auth);
    if (signature.authorization == expected_auth) ++passed;
  }
  std::cout << "aws-c-auth-v4 SigV4 suite: " << passed << "/" << cases.size() << " passed\n";
}

TEST(SigV4SignerTest, PassesEveryBotocoreSuiteCase) {
  const fs::path root = kSuiteDir / "botocore-aws4_testsuite";
  // The one session token this suite does not carry in its .req files.
  const std::string token = JsonField(
      ReadFile(kSuiteDir / "aws-c-auth-v4/get-vanilla-with-session-token/context.json"), "token");
  std::vector<fs::path> cases = CaseDirs(root, ".req");
  ASSERT_EQ(cases.size(), 34u);
  int passed = 0;
  for (const fs::path& dir : cases) {
    const std::string name = dir.filename().string();
    SCOPED_TRACE(name);
    SigV4Request request = ParseRawRequest(ReadFile(dir / (name + ".req")));
    SigV4Params params;
    params.region = "us-east-1";
    params.service = "service";
    params.time = SuiteTime();
    SigV4Credentials credentials{kAccessKey, util::Secret(kSecretKey), util::Secret()};
    if (name == "get-vanilla-with-session-token") credentials.session_token = util::Secret(token);
    SigV4Signature signature = SignV4(request, params, credentials);
    EXPECT_EQ(signature.canonical_request, ReadFile(dir / (name + ".creq")));
    EXPECT_EQ(signature.string_to_sign, ReadFile(dir / (name + ".sts")));
    EXPECT_EQ(signature.authorization, ReadFile(dir / (name + ".authz")));
    if (signature.authorization == ReadFile(dir / (name + ".authz"))) ++passed;
  }
  std::cout << "botocore SigV4 suite: " << passed << "/" << cases.size() << " passed\n";
}

TEST(SigV4SignerTest, S3ParamsKeepPathAsIsAndSignContentHash) {
  SigV4Request request{
      "GET", "/bucket/a%20b/../c.jsonl", "", {{"host", "s3.local"}}, "UNSIGNED-PAYLOAD"};
  SigV4Signature signature = SignV4(request, SigV4Params::ForS3("eu-west-1", SuiteTime()),
                                    {"AK", util::Secret("SK"), util::Secret("TOKEN")});
  EXPECT_NE(signature.canonical_request.find("\n/bucket/a%20b/../c.jsonl\n"), std::string::npos);
  EXPECT_NE(signature.canonical_request.find("x-amz-content-sha256:UNSIGNED-PAYLOAD\n"),
            std::string::npos);
  EXPECT_NE(signature.authorization.find(
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token"),
            std::string::npos);
  EXPECT_NE(signature.authorization.find("/eu-west-1/s3/aws4_request"), std::string::npos);
  EXPECT_EQ(signature.authorization.find("SK"), std::string::npos);
}

TEST(SigV4SignerTest, NonS3ServicesDoubleEncodeAnEncodedPath) {
  SigV4Request request{"GET", "/a%20b", "", {{"host", "es.local"}}, Sha256Hex("")};
  SigV4Params params;
  params.region = "us-east-1";
  params.service = "es";
  params.time = SuiteTime();
  SigV4Signature signature = SignV4(request, params, {"AK", util::Secret("SK"), {}});
  EXPECT_NE(signature.canonical_request.find("\n/a%2520b\n"), std::string::npos);
}

TEST(SigV4SignerTest, CanonicalQueryIsSortedAndStrictlyEncoded) {
  SigV4Request request{"GET",
                       "/",
                       "prefix=a b%2Fc&list-type=2&continuation-token=x%3D%3D",
                       {{"host", "h"}},
                       Sha256Hex("")};
  SigV4Signature signature =
      SignV4(request, SigV4Params::ForS3("us-east-1", SuiteTime()), {"AK", util::Secret("SK"), {}});
  EXPECT_NE(signature.canonical_request.find(
                "\ncontinuation-token=x%3D%3D&list-type=2&prefix=a%20b%2Fc\n"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice::sources
