// The notation authority: Notary Project signatures (JWS or COSE referrers) verified with
// Notation's trust policy semantics (verify/notation/): one inline statement, or a
// trustpolicy.oci.json whose statement each image's repository selects. The target descriptor
// and user metadata are content rules (requirements/content.cc), like every other payload's.
#include <utility>
#include <variant>

#include "authority/authority.h"
#include "vouch/verify/notation.h"

namespace vouch::verify::internal {
namespace {

class NotationAuthority final : public Authority {
 public:
  NotationAuthority(std::string name, NotationTrust trust)
      : Authority(std::move(name)), trust_(std::move(trust)) {}

  Result<Verified> Verify(const Evidence& e, TimePoint now) const override {
    if (e.form != EvidenceForm::kNotationSignature) {
      return VerificationFailedError("authority " + name() +
                                     " verifies Notation signatures only, not a " +
                                     std::string(e.FormatName()) + " signature");
    }
    VOUCH_ASSIGN_OR_RETURN(const notation::Statement* statement, Select(e));
    if (statement->level.skip()) {
      return VerificationFailedError(
          "trust policy statement " + statement->name +
          " skips verification: no signature counts under it (a vouch policy scope with mode "
          "accept admits without verifying)");
    }
    notation::VerifyInput in;
    in.type = e.notation_type;
    in.envelope = e.payload;
    in.statement = statement;
    in.store = trust_.store.get();
    in.revocation = trust_.revocation.get();
    in.now = now;
    in.check_target = false;
    notation::Outcome o = notation::Verify(in);
    VOUCH_RETURN_IF_ERROR(o.status);
    Verified v{Signer{name(), o.key_id, o.signer}, o.envelope->payload, {}};
    if (o.timestamp) {
      v.times.push_back(*o.timestamp);
    }
    if (o.envelope->authentic_signing_time) {
      v.times.push_back(*o.envelope->authentic_signing_time);
    }
    return v;
  }

  bool VerifiesNotation() const override { return true; }

  void AppendTrustMaterial(std::string& out) const override { out += trust_.material; }

 private:
  Result<const notation::Statement*> Select(const Evidence& e) const {
    if (trust_.statement) {
      return &*trust_.statement;
    }
    Result<const notation::Statement*> s = notation::SelectOci(trust_.document, e.repository);
    if (!s.ok()) {
      return VerificationFailedError(s.status().message());  // no statement trusts it
    }
    return s;
  }

  NotationTrust trust_;
};

}  // namespace

std::unique_ptr<Authority> NewNotationAuthority(std::string name, NotationTrust trust) {
  return std::make_unique<NotationAuthority>(std::move(name), std::move(trust));
}

}  // namespace vouch::verify::internal
