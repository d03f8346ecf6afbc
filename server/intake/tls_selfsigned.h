// A throw-away TLS identity for go-plugin's AutoMTLS: the plugin answers the host's certificate
// (PLUGIN_CLIENT_CERT) with a fresh self-signed certificate of its own, sent in the handshake
// line. Nothing is written to disk; the key lives only as long as the process.
#ifndef POWERVIEW_SERVER_INTAKE_TLS_SELFSIGNED_H_
#define POWERVIEW_SERVER_INTAKE_TLS_SELFSIGNED_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace powerview::intake {

struct SelfSignedCertificate {
  std::string certificate_pem;
  std::string private_key_pem;  // PKCS#8 PEM
  std::string certificate_der;  // the same certificate, DER bytes
};

// Makes a new ECDSA P-256 key and a self-signed certificate for `host` (subject CN and SAN DNS
// name), valid from one minute ago for `validity`. The extensions mirror go-plugin's own
// generateCert (mtls.go): CA:TRUE, key usage digitalSignature, keyEncipherment, keyAgreement and
// keyCertSign, extended key usage serverAuth and clientAuth. A Go TLS client that trusts exactly
// this certificate and verifies the name `host` accepts it.
absl::StatusOr<SelfSignedCertificate> MakeSelfSignedCertificate(absl::string_view host,
                                                                absl::Duration validity);

// Checks that `pem` holds at least one parseable X.509 certificate; the error names `what`.
absl::Status CheckCertificatePem(absl::string_view pem, absl::string_view what);

// Base64 with the standard alphabet and no '=' padding (Go's base64.RawStdEncoding), the form
// go-plugin hosts decode from the handshake line.
std::string Base64RawStd(absl::string_view bytes);

}  // namespace powerview::intake

#endif  // POWERVIEW_SERVER_INTAKE_TLS_SELFSIGNED_H_
