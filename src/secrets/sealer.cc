#include "secrets/sealer.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace sluice::secrets {
namespace {

constexpr std::string_view kPrefix = "sluice-sealed-v1:";
constexpr size_t kIdBytes = 8;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

using util::InvalidArgument;

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// Strict: only the standard alphabet with '=' padding, length a multiple of 4.
std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') {
      return std::nullopt;
    }
  }
  std::string out(3 * (text.size() / 4), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

bool UnderDirectory(const std::filesystem::path& file, const std::string& dir) {
  if (dir.empty()) return false;
  std::error_code ec;
  auto f = std::filesystem::weakly_canonical(std::filesystem::absolute(file, ec), ec);
  auto d = std::filesystem::weakly_canonical(std::filesystem::absolute(dir, ec), ec);
  if (ec) return false;
  auto rel = f.lexically_relative(d);
  return !rel.empty() && *rel.begin() != "..";
}

util::Result<util::Secret> ReadKeyFile(const std::string& path, const std::string& flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("cannot read " + flag + " [" + path + "]");
  std::stringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  while (!content.empty() && std::isspace(static_cast<unsigned char>(content.back()))) {
    content.pop_back();
  }
  auto bytes = Base64Decode(content);
  std::fill(content.begin(), content.end(), '\0');
  if (!bytes || bytes->size() != kKeyBytes) {
    if (bytes) std::fill(bytes->begin(), bytes->end(), '\0');
    return InvalidArgument(flag + " [" + path +
                           "] must hold a 32-byte key as base64 (44 characters); remove it to "
                           "have sluice create one");
  }
  return util::Secret(std::move(*bytes));
}

}  // namespace

struct Sealer::Key {
  util::Secret bytes;
  std::string id;  // kIdBytes, from HMAC-SHA-256(key, "sluice key id")
};

namespace {

util::Result<std::unique_ptr<Sealer::Key>> MakeKey(util::Secret bytes) {
  if (bytes.Reveal().size() != kKeyBytes) return InvalidArgument("a key must be 32 bytes");
  auto key = std::make_unique<Sealer::Key>();
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  static constexpr std::string_view kLabel = "sluice key id";
  if (HMAC(EVP_sha256(), bytes.Reveal().data(), static_cast<int>(kKeyBytes),
           reinterpret_cast<const unsigned char*>(kLabel.data()), kLabel.size(), mac,
           &mac_len) == nullptr) {
    return util::Internal("HMAC failed");
  }
  key->id.assign(reinterpret_cast<const char*>(mac), kIdBytes);
  key->bytes = std::move(bytes);
  return key;
}

struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};

}  // namespace

Sealer::Sealer(std::unique_ptr<Key> current, std::unique_ptr<Key> previous)
    : current_(std::move(current)), previous_(std::move(previous)) {}

Sealer::~Sealer() = default;

util::Result<std::unique_ptr<Sealer>> Sealer::FromKeys(util::Secret current,
                                                       std::optional<util::Secret> previous) {
  SLUICE_ASSIGN_OR_RETURN(auto cur, MakeKey(std::move(current)));
  std::unique_ptr<Key> prev;
  if (previous) {
    SLUICE_ASSIGN_OR_RETURN(prev, MakeKey(std::move(*previous)));
  }
  return std::unique_ptr<Sealer>(new Sealer(std::move(cur), std::move(prev)));
}

util::Result<std::unique_ptr<Sealer>> Sealer::Open(const SealerOptions& options) {
  if (options.key_file.empty()) return InvalidArgument("--secrets-key-file is empty");
  for (const auto& [path, flag] :
       {std::pair{options.key_file, "--secrets-key-file"},
        std::pair{options.previous_key_file, "--secrets-previous-key-file"}}) {
    if (!path.empty() && UnderDirectory(path, options.data_dir)) {
      return InvalidArgument(std::string(flag) + " [" + path +
                             "] is inside the data directory: keep the key apart from the "
                             "data it protects");
    }
  }
  std::error_code ec;
  if (!std::filesystem::exists(options.key_file, ec)) {
    SLUICE_RETURN_IF_ERROR(CreateKeyFile(options.key_file));
  }
  SLUICE_ASSIGN_OR_RETURN(util::Secret current,
                          ReadKeyFile(options.key_file, "--secrets-key-file"));
  std::optional<util::Secret> previous;
  if (!options.previous_key_file.empty()) {
    SLUICE_ASSIGN_OR_RETURN(previous,
                            ReadKeyFile(options.previous_key_file, "--secrets-previous-key-file"));
  }
  return FromKeys(std::move(current), std::move(previous));
}

util::Result<std::string> Sealer::Seal(std::string_view plaintext, std::string_view context) const {
  std::array<unsigned char, kNonceBytes> nonce;
  if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) {
    return util::Internal("no random bytes for a nonce");
  }
  CipherCtx c;
  auto key = reinterpret_cast<const unsigned char*>(current_->bytes.Reveal().data());
  std::string aad = std::string(kPrefix).append(context);
  std::string out = current_->id;
  out.append(reinterpret_cast<const char*>(nonce.data()), nonce.size());
  size_t body = out.size();
  out.resize(body + plaintext.size() + kTagBytes);
  auto dst = reinterpret_cast<unsigned char*>(out.data()) + body;
  int len = 0;
  int fin = 0;
  if (c.ctx == nullptr ||
      EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, key, nonce.data()) != 1 ||
      EVP_EncryptUpdate(c.ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(c.ctx, dst, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(c.ctx, dst + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                          dst + plaintext.size()) != 1) {
    return util::Internal("AES-256-GCM encryption failed");
  }
  return std::string(kPrefix) + Base64Encode(out);
}

util::Result<util::Secret> Sealer::Unseal(std::string_view sealed, std::string_view context) const {
  if (!LooksSealed(sealed)) return InvalidArgument("not a sealed value");
  auto raw = Base64Decode(sealed.substr(kPrefix.size()));
  if (!raw || raw->size() < kIdBytes + kNonceBytes + kTagBytes) {
    return InvalidArgument("the sealed value is damaged");
  }
  std::string_view id(raw->data(), kIdBytes);
  const Key* key = nullptr;
  if (id == current_->id) key = current_.get();
  if (previous_ != nullptr && id == previous_->id) key = previous_.get();
  if (key == nullptr) {
    return InvalidArgument(
        "the value was sealed with another key than --secrets-key-file" +
        std::string(previous_ ? " or --secrets-previous-key-file" : "") +
        " (after a key rotation, give the old key as --secrets-previous-key-file)");
  }
  auto nonce = reinterpret_cast<const unsigned char*>(raw->data()) + kIdBytes;
  auto ct = nonce + kNonceBytes;
  size_t ct_len = raw->size() - kIdBytes - kNonceBytes - kTagBytes;
  std::string tag(reinterpret_cast<const char*>(ct + ct_len), kTagBytes);
  std::string aad = std::string(kPrefix).append(context);
  std::string plain(ct_len, '\0');
  CipherCtx c;
  int len = 0;
  int fin = 0;
  bool ok =
      c.ctx != nullptr &&
      EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(key->bytes.Reveal().data()),
                         nonce) == 1 &&
      EVP_DecryptUpdate(c.ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(c.ctx, reinterpret_cast<unsigned char*>(plain.data()), &len, ct,
                        static_cast<int>(ct_len)) == 1 &&
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag.data()) ==
          1 &&
      EVP_DecryptFinal_ex(c.ctx, reinterpret_cast<unsigned char*>(plain.data()) + len, &fin) == 1;
  if (!ok) {
    std::fill(plain.begin(), plain.end(), '\0');
    return InvalidArgument(
        "the sealed value does not authenticate: it was altered or belongs to another record");
  }
  return util::Secret(std::move(plain));
}

bool Sealer::LooksSealed(std::string_view text) { return text.starts_with(kPrefix); }

util::Status CreateKeyFile(const std::string& path) {
  std::array<unsigned char, kKeyBytes> key;
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    return util::Internal("no random bytes for a key");
  }
  std::string text =
      Base64Encode(std::string_view(reinterpret_cast<const char*>(key.data()), key.size())) + "\n";
  OPENSSL_cleanse(key.data(), key.size());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::string reason = std::strerror(errno);
    OPENSSL_cleanse(text.data(), text.size());
    return util::IoError("cannot create key file [" + path + "]: " + reason);
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  OPENSSL_cleanse(text.data(), text.size());
  if (!ok) {
    ::unlink(path.c_str());
    return util::IoError("cannot write key file [" + path + "]");
  }
  // The new name must survive a crash too.
  std::filesystem::path dir = std::filesystem::absolute(path).parent_path();
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return util::Status::Ok();
}

}  // namespace sluice::secrets
