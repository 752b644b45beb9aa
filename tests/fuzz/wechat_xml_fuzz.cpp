// libFuzzer target: the inbound XML codec (messages and the safe-mode envelope) and the passive
// reply writer must never crash, throw or leak on any bytes, and what the reply writer produces
// for fuzzed content must always parse back to the same content.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/wechat/inbound_xml.h"
#include "adapters/wechat/reply_xml.h"

using namespace repairbot::wechat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    auto message = parse_inbound_xml(input);
    if (message.ok()) {
        (void)dedupe_key(*message);
        (void)kind_name(*message);
    }
    (void)parse_encrypted_envelope(input);
    (void)has_markup_declaration(input);

    // Any content, once written as CDATA, reads back unchanged apart from the dropped controls.
    std::string expected;
    for (const char c : input) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 || c == '\t' || c == '\n' || c == '\r') expected += c;
    }
    std::string doc = "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName>"
                      "<CreateTime>1</CreateTime><MsgType>text</MsgType><MsgId>1</MsgId><Content>";
    append_cdata(doc, input);
    doc += "</Content></xml>";
    auto back = parse_inbound_xml(doc);
    // pugixml normalises "\r\n" and lone "\r" to "\n" (parse_eol), as XML requires.
    std::string normalised;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        if (expected[i] == '\r') {
            normalised += '\n';
            if (i + 1 < expected.size() && expected[i + 1] == '\n') ++i;
        } else {
            normalised += expected[i];
        }
    }
    // Invalid UTF-8 may be refused by nothing here: pugixml passes bytes through.
    if (!back.ok() || std::get<TextMessage>(back->body).content != normalised) std::abort();
    return 0;
}
