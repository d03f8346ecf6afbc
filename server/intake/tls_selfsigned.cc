#include "server/intake/tls_selfsigned.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace powerview::intake {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

// The most recent OpenSSL error of this thread, for error messages.
std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no OpenSSL error recorded";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof(buffer));
  return buffer;
}

absl::Status Failed(absl::string_view step) {
  return absl::InternalError(
      absl::StrCat("self-signed certificate: ", step, " failed: ", OpenSslError()));
}

absl::Status AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (ext == nullptr || X509_add_ext(cert, ext.get(), -1) != 1) {
    return Failed(absl::StrCat("extension ", OBJ_nid2sn(nid), "=", value));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> BioContents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  if (size <= 0 || data == nullptr) return Failed("PEM encoding");
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

absl::StatusOr<SelfSignedCertificate> MakeSelfSignedCertificate(absl::string_view host,
                                                                absl::Duration validity) {
  // P-256: every TLS stack accepts it, including gRPC's, whose server side only enables this
  // curve for key exchange.
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (key == nullptr) return Failed("P-256 key generation");

  X509Ptr cert(X509_new());
  if (cert == nullptr || X509_set_version(cert.get(), 2) != 1) return Failed("X509_new");
  BnPtr serial(BN_new());
  if (serial == nullptr || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return Failed("serial number");
  }
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), absl::ToInt64Seconds(validity)) == nullptr) {
    return Failed("validity");
  }
  const std::string host_name(host);
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>("PowerView"), -1, -1,
                                 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(host_name.c_str()), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1) {
    return Failed("subject name");
  }
  if (X509_set_pubkey(cert.get(), key.get()) != 1) return Failed("X509_set_pubkey");
  for (const auto& [nid, value] : {
           std::pair<int, std::string>{NID_basic_constraints, "critical,CA:TRUE"},
           {NID_key_usage, "critical,digitalSignature,keyEncipherment,keyAgreement,keyCertSign"},
           {NID_ext_key_usage, "serverAuth,clientAuth"},
           {NID_subject_key_identifier, "hash"},
           {NID_subject_alt_name, absl::StrCat("DNS:", host_name)},
       }) {
    if (absl::Status s = AddExtension(cert.get(), nid, value); !s.ok()) return s;
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return Failed("X509_sign");

  SelfSignedCertificate result;
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  if (cert_bio == nullptr || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1) {
    return Failed("PEM_write_bio_X509");
  }
  absl::StatusOr<std::string> cert_pem = BioContents(cert_bio.get());
  if (!cert_pem.ok()) return cert_pem.status();
  result.certificate_pem = *std::move(cert_pem);

  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (key_bio == nullptr || PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0,
                                                     nullptr, nullptr) != 1) {
    return Failed("PEM_write_bio_PrivateKey");
  }
  absl::StatusOr<std::string> key_pem = BioContents(key_bio.get());
  if (!key_pem.ok()) return key_pem.status();
  result.private_key_pem = *std::move(key_pem);

  int der_size = i2d_X509(cert.get(), nullptr);
  if (der_size <= 0) return Failed("i2d_X509");
  result.certificate_der.resize(static_cast<size_t>(der_size));
  unsigned char* out = reinterpret_cast<unsigned char*>(result.certificate_der.data());
  if (i2d_X509(cert.get(), &out) != der_size) return Failed("i2d_X509");
  return result;
}

absl::Status CheckCertificatePem(absl::string_view pem, absl::string_view what) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return Failed("BIO_new_mem_buf");
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " does not hold a PEM X.509 certificate (", OpenSslError(), ")"));
  }
  return absl::OkStatus();
}

std::string Base64RawStd(absl::string_view bytes) {
  std::string encoded = absl::Base64Escape(bytes);
  absl::string_view trimmed = encoded;
  while (absl::ConsumeSuffix(&trimmed, "=")) {
  }
  return std::string(trimmed);
}

}  // namespace powerview::intake
