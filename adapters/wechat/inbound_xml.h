// Decoding of the XML WeChat posts: the message itself (every MsgType and Event into one
// InboundMessage) and the safe-mode envelope around it. Never throws, never blocks, never
// expands an entity: markup declarations are refused before the parser sees the bytes.
#pragma once

#include <string>
#include <string_view>

#include "adapters/wechat/inbound_message.h"
#include "config/errors.h"

namespace repairbot::wechat {

// True when `xml` holds a markup declaration (<!DOCTYPE, <!ENTITY, <!ELEMENT, <!ATTLIST, or
// any other "<!" that opens neither a CDATA section nor a comment) outside CDATA sections,
// comments and quoted attribute values. Linear in the size of `xml`.
[[nodiscard]] bool has_markup_declaration(std::string_view xml) noexcept;

// The message in `xml`. Fails with Errc::dtd_refused (a markup declaration), Errc::malformed_xml
// (not well-formed, or the root is not a single <xml> element) or Errc::invalid_message (a
// required field missing or repeated, markup inside a field, a number that does not parse or is
// out of range, a FromUserName that is not 1-64 of A-Z a-z 0-9 _ -). An unknown MsgType or
// Event is a value (UnknownMessage), not an error.
[[nodiscard]] Result<InboundMessage> parse_inbound_xml(std::string_view xml);

// The outer document of a safe- or compatible-mode body.
struct EncryptedEnvelope {
    std::string encrypt;      // the Encrypt text (base64)
    bool has_plaintext = false;  // compatible mode: the plain fields came along (and are ignored:
                                 // they are not authenticated)
};

// The envelope in `xml`. Fails like parse_inbound_xml; a missing or empty Encrypt is
// Errc::invalid_message.
[[nodiscard]] Result<EncryptedEnvelope> parse_encrypted_envelope(std::string_view xml);

}  // namespace repairbot::wechat
