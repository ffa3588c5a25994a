// Notation COSE envelopes (signature-envelope-cose.md): COSE_Sign1_Tagged through libcbor.
#include <cbor.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "notation_internal.h"

namespace vouch::attest::internal {
namespace {

constexpr NotationEnvelopeType kCose = NotationEnvelopeType::kCose;
constexpr uint64_t kCoseSign1Tag = 18;  // RFC 9052 section 2
constexpr uint64_t kEpochTimeTag = 1;   // RFC 8949 section 3.4.2
constexpr int64_t kLabelAlg = 1;
constexpr int64_t kLabelCrit = 2;
constexpr int64_t kLabelContentType = 3;
constexpr int64_t kLabelX5Chain = 33;  // RFC 9360
// kMaxCborDepth bounds nesting before libcbor builds (and later frees, recursively) the tree.
constexpr size_t kMaxCborDepth = 16;
// kMaxEpochSeconds is 9999-12-31T23:59:59Z: later times do not fit a TimePoint.
constexpr uint64_t kMaxEpochSeconds = 253402300799;

Status Bad(const std::string& rule) { return Malformed(kCose, rule); }

struct CborDeleter {
  void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
// CborPtr holds one reference to a libcbor item. Containers take their own references (incref)
// when items are added, so builders keep every input in a CborPtr.
using CborPtr = std::unique_ptr<cbor_item_t, CborDeleter>;

// ---- bounded decoding ----

// Shape follows item headers through libcbor's streaming decoder, so that cbor_load never sees
// deep nesting, indefinite lengths or a container claiming more items than bytes remain.
struct Shape {
  std::vector<uint64_t> open;  // items each open container still expects
  size_t remaining = 0;        // bytes from the current header to the end
  bool done = false;
  const char* error = nullptr;
};

void Completed(void* ctx) {
  auto* s = static_cast<Shape*>(ctx);
  for (;;) {
    if (s->open.empty()) {
      s->done = true;
      return;
    }
    if (--s->open.back() != 0) {
      return;
    }
    s->open.pop_back();
  }
}

void Open(Shape* s, uint64_t items) {
  if (items == 0) {
    Completed(s);
  } else if (s->open.size() >= kMaxCborDepth) {
    s->error = "nested too deeply";
  } else if (items > s->remaining) {
    s->error = "a container claims more items than bytes remain";
  } else {
    s->open.push_back(items);
  }
}

void Refuse(void* ctx) { static_cast<Shape*>(ctx)->error = "indefinite lengths are not allowed"; }

const cbor_callbacks& ShapeCallbacks() {
  static const cbor_callbacks cb = [] {
    cbor_callbacks c = cbor_empty_callbacks;
    c.uint8 = c.negint8 = [](void* ctx, uint8_t) { Completed(ctx); };
    c.uint16 = c.negint16 = [](void* ctx, uint16_t) { Completed(ctx); };
    c.uint32 = c.negint32 = [](void* ctx, uint32_t) { Completed(ctx); };
    c.uint64 = c.negint64 = [](void* ctx, uint64_t) { Completed(ctx); };
    c.byte_string = c.string = [](void* ctx, cbor_data, size_t) { Completed(ctx); };
    c.float2 = c.float4 = [](void* ctx, float) { Completed(ctx); };
    c.float8 = [](void* ctx, double) { Completed(ctx); };
    c.undefined = c.null = Completed;
    c.boolean = [](void* ctx, bool) { Completed(ctx); };
    c.array_start = [](void* ctx, size_t n) { Open(static_cast<Shape*>(ctx), n); };
    c.map_start = [](void* ctx, size_t n) {
      auto* s = static_cast<Shape*>(ctx);
      Open(s, n > s->remaining / 2 ? s->remaining + 1 : 2 * uint64_t{n});
    };
    c.tag = [](void* ctx, uint64_t) { Open(static_cast<Shape*>(ctx), 1); };
    c.byte_string_start = c.string_start = c.indef_array_start = c.indef_map_start = c.indef_break =
        Refuse;
    return c;
  }();
  return cb;
}

// Load decodes exactly one CBOR item from |data| (named |what| in errors).
Result<CborPtr> Load(ByteView data, const std::string& what) {
  Shape shape;
  size_t off = 0;
  while (!shape.done) {
    if (off >= data.size()) {
      return Bad(what + " is truncated");
    }
    shape.remaining = data.size() - off;
    cbor_decoder_result r =
        cbor_stream_decode(data.data() + off, data.size() - off, &ShapeCallbacks(), &shape);
    if (r.status != CBOR_DECODER_FINISHED) {
      return Bad(what + " is truncated or not CBOR");
    }
    if (shape.error != nullptr) {
      return Bad(what + ": " + shape.error);
    }
    off += r.read;
  }
  if (off != data.size()) {
    return Bad(what + " is followed by trailing bytes");
  }
  cbor_load_result result;
  CborPtr item(cbor_load(data.data(), data.size(), &result));
  if (item == nullptr || result.error.code != CBOR_ERR_NONE || result.read != data.size()) {
    return Bad(what + " does not decode as CBOR");
  }
  return item;
}

// ---- typed access (every item's type is checked before its value is read) ----

bool IsBytes(const cbor_item_t* i) {
  return cbor_isa_bytestring(i) && cbor_bytestring_is_definite(i);
}
Bytes BytesOf(const cbor_item_t* i) {
  const uint8_t* p = cbor_bytestring_handle(i);
  return p == nullptr ? Bytes() : Bytes(p, p + cbor_bytestring_length(i));
}
bool IsText(const cbor_item_t* i) { return cbor_isa_string(i) && cbor_string_is_definite(i); }
std::string TextOf(const cbor_item_t* i) {
  const uint8_t* p = cbor_string_handle(i);
  return p == nullptr ? std::string() : std::string(p, p + cbor_string_length(i));
}
std::optional<int64_t> IntOf(const cbor_item_t* i) {
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if ((!cbor_isa_uint(i) && !cbor_isa_negint(i)) || cbor_get_int(i) > kMax) {
    return std::nullopt;
  }
  const auto v = static_cast<int64_t>(cbor_get_int(i));
  return cbor_isa_uint(i) ? v : -1 - v;
}
bool IsMap(const cbor_item_t* i) { return cbor_isa_map(i) && cbor_map_is_definite(i); }
bool IsArray(const cbor_item_t* i) { return cbor_isa_array(i) && cbor_array_is_definite(i); }

// LabelName names a header label: text as is, integers as "label N" (HeaderFacts' convention).
std::optional<std::string> LabelName(const cbor_item_t* key) {
  if (IsText(key)) {
    return TextOf(key);
  }
  if (std::optional<int64_t> v = IntOf(key)) {
    return "label " + std::to_string(*v);
  }
  return std::nullopt;
}

// Render gives a one-line description of a non-text extended attribute (informational only;
// containers are summarised, not walked).
std::string Render(const cbor_item_t* v) {
  if (std::optional<int64_t> n = IntOf(v)) {
    return std::to_string(*n);
  }
  if (IsBytes(v)) {
    return "h'" + HexEncode(BytesOf(v)) + "'";
  }
  if (cbor_is_bool(v)) {
    return cbor_get_bool(v) ? "true" : "false";
  }
  if (cbor_is_null(v)) {
    return "null";
  }
  if (cbor_isa_tag(v)) {
    return "tag " + std::to_string(cbor_tag_value(v));
  }
  if (cbor_isa_array(v)) {
    return "array of " + std::to_string(cbor_array_size(v));
  }
  if (cbor_isa_map(v)) {
    return "map of " + std::to_string(cbor_map_size(v));
  }
  return "CBOR value";
}

Result<TimePoint> EpochTime(const cbor_item_t* v, const std::string& name) {
  if (!cbor_isa_tag(v) || cbor_tag_value(v) != kEpochTimeTag) {
    return Bad(name + " is not a tag 1 epoch time");
  }
  CborPtr inner(cbor_tag_item(v));  // cbor_tag_item returns a new reference
  if (!cbor_isa_uint(inner.get()) || cbor_get_int(inner.get()) > kMaxEpochSeconds) {
    return Bad(name + " is not an unsigned integer epoch time");
  }
  return TimePoint(std::chrono::seconds(static_cast<int64_t>(cbor_get_int(inner.get()))));
}

Status ReadChain(const cbor_item_t* v, NotationEnvelope& env) {
  if (!env.certificate_chain.empty()) {
    return Bad("x5chain is given twice");
  }
  if (IsBytes(v)) {  // RFC 9360 section 2: a single certificate may stand alone
    env.certificate_chain.push_back(BytesOf(v));
  } else if (IsArray(v)) {
    VOUCH_RETURN_IF_ERROR(CheckChainSize(kCose, cbor_array_size(v)));
    cbor_item_t** certs = cbor_array_handle(v);  // borrowed from v
    for (size_t i = 0; i < cbor_array_size(v); ++i) {
      if (!IsBytes(certs[i])) {
        return Bad("an x5chain entry is not a byte string");
      }
      env.certificate_chain.push_back(BytesOf(certs[i]));
    }
  } else {
    return Bad("x5chain is neither a byte string nor an array");
  }
  for (const Bytes& cert : env.certificate_chain) {
    if (cert.empty()) {
      return Bad("an x5chain certificate is empty");
    }
  }
  return OkStatus();
}

Status ReadCrit(const cbor_item_t* v, HeaderFacts& facts) {
  if (!IsArray(v)) {
    return Bad("crit is not an array");
  }
  facts.has_crit = true;
  cbor_item_t** items = cbor_array_handle(v);  // borrowed from v
  for (size_t i = 0; i < cbor_array_size(v); ++i) {
    std::optional<std::string> name = LabelName(items[i]);
    if (!name) {
      return Bad("crit holds an item that is neither an integer nor text");
    }
    facts.crit.push_back(*name);
  }
  return OkStatus();
}

Status ReadProtectedEntry(const std::string& name, const cbor_item_t* v, NotationEnvelope& env,
                          HeaderFacts& facts) {
  if (name == "label 1") {
    std::optional<int64_t> label = IntOf(v);
    const AlgorithmInfo* info = label ? FindCoseAlgorithm(*label) : nullptr;
    if (info == nullptr) {
      return Bad("alg is not a Notation algorithm");
    }
    env.algorithm = info->alg;
  } else if (name == "label 2") {
    return ReadCrit(v, facts);
  } else if (name == "label 3") {
    if (!IsText(v)) {
      return Bad("the content type is not text");
    }
    env.content_type = TextOf(v);
  } else if (name == "label 33") {
    return ReadChain(v, env);
  } else if (name.rfind("label ", 0) == 0) {
    return Bad("the protected header may not carry " + name);
  } else if (name == kHeaderSigningScheme) {
    if (!IsText(v)) {
      return Bad(name + " is not text");
    }
    env.signing_scheme = TextOf(v);
  } else if (name == kHeaderSigningTime) {
    VOUCH_ASSIGN_OR_RETURN(env.signing_time, EpochTime(v, name));
  } else if (name == kHeaderAuthenticSigningTime) {
    VOUCH_ASSIGN_OR_RETURN(env.authentic_signing_time, EpochTime(v, name));
  } else if (name == kHeaderExpiry) {
    VOUCH_ASSIGN_OR_RETURN(env.expiry, EpochTime(v, name));
  } else {
    env.extended.push_back({name, IsText(v) ? TextOf(v) : Render(v), false});
  }
  return OkStatus();
}

Status ReadProtected(ByteView bytes, NotationEnvelope& env) {
  VOUCH_ASSIGN_OR_RETURN(CborPtr map, Load(bytes, "the protected header"));
  if (!IsMap(map.get())) {
    return Bad("the protected header is not a map");
  }
  HeaderFacts facts;
  cbor_pair* pairs = cbor_map_handle(map.get());  // borrowed from map
  for (size_t i = 0; i < cbor_map_size(map.get()); ++i) {
    std::optional<std::string> name = LabelName(pairs[i].key);
    if (!name) {
      return Bad("a protected header label is neither an integer nor text");
    }
    if (!facts.present.insert(*name).second) {
      return Bad("the protected header has " + *name + " twice");
    }
    VOUCH_RETURN_IF_ERROR(ReadProtectedEntry(*name, pairs[i].value, env, facts));
  }
  if (facts.present.count("label 1") == 0) {
    return Bad("the protected header has no alg (label 1)");
  }
  if (facts.present.count("label 3") == 0) {
    return Bad("the protected header has no content type (label 3)");
  }
  return CheckHeaderRules(facts, env);
}

Status ReadUnprotected(const cbor_item_t* map, NotationEnvelope& env) {
  if (!IsMap(map)) {
    return Bad("the unprotected header is not a map");
  }
  cbor_pair* pairs = cbor_map_handle(map);  // borrowed from map
  for (size_t i = 0; i < cbor_map_size(map); ++i) {
    std::optional<std::string> name = LabelName(pairs[i].key);
    const cbor_item_t* v = pairs[i].value;
    if (name == "label 33") {
      VOUCH_RETURN_IF_ERROR(ReadChain(v, env));
    } else if (name == kHeaderTimestamp) {
      if (!IsBytes(v)) {
        return Bad(std::string(kHeaderTimestamp) + " is not a byte string");
      }
      env.timestamp_token = BytesOf(v);
    } else if (name == kHeaderSigningAgent) {
      if (!IsText(v)) {
        return Bad(std::string(kHeaderSigningAgent) + " is not text");
      }
      env.signing_agent = TextOf(v);
    }
  }
  return CheckChainSize(kCose, env.certificate_chain.size());
}

// ---- encoding ----

Result<CborPtr> Checked(cbor_item_t* item) {
  if (item == nullptr) {
    return ResourceExhaustedError("out of memory building CBOR");
  }
  return CborPtr(item);
}

Result<Bytes> Serialize(const cbor_item_t* item) {
  unsigned char* buf = nullptr;
  size_t capacity = 0;
  size_t n = cbor_serialize_alloc(item, &buf, &capacity);
  std::unique_ptr<unsigned char, decltype(&std::free)> owned(buf, &std::free);
  if (n == 0) {
    return ResourceExhaustedError("cannot serialize CBOR");
  }
  return Bytes(buf, buf + n);
}

// Uint picks the shortest width: libcbor writes the width it is given.
Result<CborPtr> Uint(uint64_t v) {
  if (v <= 0xff) {
    return Checked(cbor_build_uint8(static_cast<uint8_t>(v)));
  }
  if (v <= 0xffff) {
    return Checked(cbor_build_uint16(static_cast<uint16_t>(v)));
  }
  if (v <= 0xffffffff) {
    return Checked(cbor_build_uint32(static_cast<uint32_t>(v)));
  }
  return Checked(cbor_build_uint64(v));
}

Result<CborPtr> Int(int64_t v) {
  if (v >= 0) {
    return Uint(static_cast<uint64_t>(v));
  }
  const auto n = static_cast<uint64_t>(-1 - v);
  if (n <= 0xff) {
    return Checked(cbor_build_negint8(static_cast<uint8_t>(n)));
  }
  if (n <= 0xffff) {
    return Checked(cbor_build_negint16(static_cast<uint16_t>(n)));
  }
  if (n <= 0xffffffff) {
    return Checked(cbor_build_negint32(static_cast<uint32_t>(n)));
  }
  return Checked(cbor_build_negint64(n));
}

Result<CborPtr> Text(std::string_view s) { return Checked(cbor_build_stringn(s.data(), s.size())); }

Result<CborPtr> ByteString(ByteView b) {
  return Checked(cbor_build_bytestring(b.data(), b.size()));
}

Result<CborPtr> Time(TimePoint t, std::string_view name) {
  const int64_t secs = WholeSeconds(t);
  if (secs < 0) {
    return InvalidArgumentError(std::string(name) + " before 1970 cannot be written in COSE");
  }
  VOUCH_ASSIGN_OR_RETURN(CborPtr v, Uint(static_cast<uint64_t>(secs)));
  return Checked(cbor_build_tag(kEpochTimeTag, v.get()));
}

Result<CborPtr> Array(const std::vector<CborPtr>& items) {
  VOUCH_ASSIGN_OR_RETURN(CborPtr array, Checked(cbor_new_definite_array(items.size())));
  for (const CborPtr& item : items) {
    if (!cbor_array_push(array.get(), item.get())) {
      return ResourceExhaustedError("cannot build a CBOR array");
    }
  }
  return array;
}

Status Push(std::vector<CborPtr>& items, Result<CborPtr> item) {
  if (!item.ok()) {
    return item.status();
  }
  items.push_back(std::move(*item));
  return OkStatus();
}

using Entries = std::vector<std::pair<CborPtr, CborPtr>>;

// SortedMap writes the entries in RFC 8949 section 4.2.1 order (bytewise order of the encoded
// keys), which is the order of notation-core-go's conformance vector.
Result<CborPtr> SortedMap(Entries entries) {
  std::vector<std::pair<Bytes, size_t>> order;
  for (size_t i = 0; i < entries.size(); ++i) {
    VOUCH_ASSIGN_OR_RETURN(Bytes key, Serialize(entries[i].first.get()));
    order.emplace_back(std::move(key), i);
  }
  std::sort(order.begin(), order.end());
  VOUCH_ASSIGN_OR_RETURN(CborPtr map, Checked(cbor_new_definite_map(entries.size())));
  for (const auto& [key, i] : order) {
    if (!cbor_map_add(map.get(), cbor_pair{entries[i].first.get(), entries[i].second.get()})) {
      return ResourceExhaustedError("cannot build a CBOR map");
    }
  }
  return map;
}

Status AddEntry(Entries& entries, Result<CborPtr> key, Result<CborPtr> value) {
  if (!key.ok()) {
    return key.status();
  }
  if (!value.ok()) {
    return value.status();
  }
  entries.emplace_back(std::move(*key), std::move(*value));
  return OkStatus();
}

Result<CborPtr> CritArray(const NotationSignRequest& request, bool authority) {
  // notation-core-go's order: scheme, authenticSigningTime, expiry, critical extended keys.
  std::vector<CborPtr> crit;
  std::vector<std::string_view> names = {kHeaderSigningScheme};
  if (authority) {
    names.push_back(kHeaderAuthenticSigningTime);
  }
  if (request.expiry) {
    names.push_back(kHeaderExpiry);
  }
  for (const NotationExtendedAttribute& attr : request.extended) {
    if (attr.critical) {
      names.push_back(attr.key);
    }
  }
  for (std::string_view name : names) {
    VOUCH_RETURN_IF_ERROR(Push(crit, Text(name)));
  }
  return Array(crit);
}

}  // namespace

Result<Bytes> EncodeCoseProtected(const NotationSignRequest& request, NotationAlgorithm alg) {
  const bool authority = request.signing_scheme == kNotationSchemeSigningAuthority;
  Entries e;
  VOUCH_RETURN_IF_ERROR(AddEntry(e, Int(kLabelAlg), Int(Info(alg).cose_label)));
  VOUCH_RETURN_IF_ERROR(AddEntry(e, Int(kLabelCrit), CritArray(request, authority)));
  VOUCH_RETURN_IF_ERROR(AddEntry(e, Int(kLabelContentType), Text(request.content_type)));
  VOUCH_RETURN_IF_ERROR(AddEntry(e, Text(kHeaderSigningScheme), Text(request.signing_scheme)));
  std::string_view time_key = authority ? kHeaderAuthenticSigningTime : kHeaderSigningTime;
  VOUCH_RETURN_IF_ERROR(AddEntry(e, Text(time_key), Time(request.signing_time, time_key)));
  if (request.expiry) {
    VOUCH_RETURN_IF_ERROR(AddEntry(e, Text(kHeaderExpiry), Time(*request.expiry, kHeaderExpiry)));
  }
  for (const NotationExtendedAttribute& attr : request.extended) {
    VOUCH_RETURN_IF_ERROR(AddEntry(e, Text(attr.key), Text(attr.value)));
  }
  VOUCH_ASSIGN_OR_RETURN(CborPtr map, SortedMap(std::move(e)));
  return Serialize(map.get());
}

Result<Bytes> CoseSigStructure(ByteView protected_header, ByteView payload) {
  std::vector<CborPtr> items;
  VOUCH_RETURN_IF_ERROR(Push(items, Text("Signature1")));
  VOUCH_RETURN_IF_ERROR(Push(items, ByteString(protected_header)));
  VOUCH_RETURN_IF_ERROR(Push(items, ByteString(ByteView())));
  VOUCH_RETURN_IF_ERROR(Push(items, ByteString(payload)));
  VOUCH_ASSIGN_OR_RETURN(CborPtr array, Array(items));
  return Serialize(array.get());
}

Result<Bytes> EncodeCoseSign1(ByteView protected_header, const CoseUnprotected& unprotected,
                              ByteView payload, ByteView signature) {
  Entries e;
  if (!unprotected.certificate_chain.empty()) {
    std::vector<CborPtr> certs;
    for (const Bytes& cert : unprotected.certificate_chain) {
      VOUCH_RETURN_IF_ERROR(Push(certs, ByteString(cert)));
    }
    VOUCH_RETURN_IF_ERROR(AddEntry(e, Int(kLabelX5Chain), Array(certs)));
  }
  if (!unprotected.timestamp_token.empty()) {
    VOUCH_RETURN_IF_ERROR(
        AddEntry(e, Text(kHeaderTimestamp), ByteString(unprotected.timestamp_token)));
  }
  if (!unprotected.signing_agent.empty()) {
    VOUCH_RETURN_IF_ERROR(AddEntry(e, Text(kHeaderSigningAgent), Text(unprotected.signing_agent)));
  }
  VOUCH_ASSIGN_OR_RETURN(CborPtr header, SortedMap(std::move(e)));
  std::vector<CborPtr> items;
  VOUCH_RETURN_IF_ERROR(Push(items, ByteString(protected_header)));
  items.push_back(std::move(header));
  VOUCH_RETURN_IF_ERROR(Push(items, ByteString(payload)));
  VOUCH_RETURN_IF_ERROR(Push(items, ByteString(signature)));
  VOUCH_ASSIGN_OR_RETURN(CborPtr array, Array(items));
  VOUCH_ASSIGN_OR_RETURN(CborPtr tagged, Checked(cbor_build_tag(kCoseSign1Tag, array.get())));
  return Serialize(tagged.get());
}

namespace {

// UntagCoseSign1 returns the COSE_Sign1 array of a COSE_Sign1_Tagged message. libcbor before
// 0.11 (Debian 12 ships 0.8) refuses the one-byte heads of tags 6..20 (PJK/libcbor#307), and tag 18
// is written in that form (0xD2): that one head byte is checked here and the rest goes to
// libcbor. The two-byte form (0xD8 0x12) libcbor reads itself.
Result<CborPtr> UntagCoseSign1(ByteView data) {
  constexpr uint8_t kShortTag18 = 0xC0 | kCoseSign1Tag;  // major type 6, value 18
  if (!data.empty() && data[0] == kShortTag18) {
    return Load(data.subspan(1), "the envelope");
  }
  VOUCH_ASSIGN_OR_RETURN(CborPtr root, Load(data, "the envelope"));
  if (!cbor_isa_tag(root.get()) || cbor_tag_value(root.get()) != kCoseSign1Tag) {
    return Bad("not a COSE_Sign1_Tagged message (tag 18)");
  }
  return CborPtr(cbor_tag_item(root.get()));  // a new reference
}

}  // namespace

Result<NotationEnvelope> ParseCose(ByteView data) {
  VOUCH_ASSIGN_OR_RETURN(CborPtr msg, UntagCoseSign1(data));
  if (!IsArray(msg.get()) || cbor_array_size(msg.get()) != 4) {
    return Bad("COSE_Sign1 is not an array of four items");
  }
  cbor_item_t** items = cbor_array_handle(msg.get());  // borrowed from msg
  if (!IsBytes(items[0])) {
    return Bad("the protected header is not a byte string");
  }
  if (!IsBytes(items[2])) {
    return Bad("the payload is not an embedded byte string (detached payloads are not used)");
  }
  if (!IsBytes(items[3])) {
    return Bad("the signature is not a byte string");
  }
  NotationEnvelope env;
  env.type = kCose;
  const Bytes protected_header = BytesOf(items[0]);
  VOUCH_RETURN_IF_ERROR(ReadProtected(protected_header, env));
  VOUCH_RETURN_IF_ERROR(ReadUnprotected(items[1], env));
  env.payload = BytesOf(items[2]);
  env.signature = BytesOf(items[3]);
  VOUCH_ASSIGN_OR_RETURN(env.signed_bytes, CoseSigStructure(protected_header, env.payload));
  return env;
}

Result<Bytes> SignCose(const NotationSignRequest& request, NotationAlgorithm alg,
                       const RawSignFn& sign) {
  VOUCH_RETURN_IF_ERROR(CheckSignRequest(
      request, {kHeaderSigningScheme, kHeaderSigningTime, kHeaderAuthenticSigningTime,
                kHeaderExpiry, kHeaderTimestamp, kHeaderSigningAgent}));
  VOUCH_ASSIGN_OR_RETURN(Bytes protected_header, EncodeCoseProtected(request, alg));
  VOUCH_ASSIGN_OR_RETURN(Bytes sig_structure, CoseSigStructure(protected_header, request.payload));
  VOUCH_ASSIGN_OR_RETURN(Bytes signature, sign(sig_structure));
  CoseUnprotected unprotected{request.certificate_chain, {}, request.signing_agent};
  if (request.timestamper) {
    VOUCH_ASSIGN_OR_RETURN(unprotected.timestamp_token, request.timestamper(signature));
  }
  return EncodeCoseSign1(protected_header, unprotected, request.payload, signature);
}

}  // namespace vouch::attest::internal
