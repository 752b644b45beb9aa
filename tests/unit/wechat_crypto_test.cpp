// Safe-mode crypto and signatures against WeChat's published vectors, and every decrypt refusal.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "adapters/wechat/base64.h"
#include "adapters/wechat/errors.h"
#include "adapters/wechat/message_cipher.h"
#include "adapters/wechat/signature.h"
#include "tests/unit/wechat_fixtures.h"

namespace repairbot::wechat {
namespace {

using namespace testing;

constexpr std::array<std::uint8_t, 16> kPrefix{'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b',
                                               'c', 'c', 'c', 'c', 'd', 'd', 'd', 'd'};
constexpr std::string_view kPublishedCipher =
    "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";

MessageCipher cipher(std::string_view appid = kAppId) {
    auto c = MessageCipher::create(kAesKey, std::string(appid));
    EXPECT_TRUE(c.ok());
    return std::move(c).value();
}

// Encrypts raw plaintext bytes with the published key, for crafting refusals.
std::string encrypt_raw(std::string plain);

TEST(WechatSignature, SignsThePublishedVector) {
    EXPECT_EQ(sign("test", "1410685589", "test"), "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff");
}

TEST(WechatSignature, SortsBeforeHashingSoArgumentOrderDoesNotMatter) {
    EXPECT_EQ(sign("b", "a", "c"), sign("a", "b", "c"));
    EXPECT_EQ(sign("b", "a", "c", "d"), sign("d", "c", "a", "b"));
    EXPECT_EQ(sign("a", "b", "c", "d"), sha1_hex("abcd"));
}

TEST(WechatSignature, MatchesOnlyIdenticalStrings) {
    const std::string s = sign("test", "1410685589", "test");
    EXPECT_TRUE(signature_matches(s, s));
    std::string upper = s;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_FALSE(signature_matches(s, upper));
    EXPECT_FALSE(signature_matches(s, s.substr(0, 39)));
    EXPECT_FALSE(signature_matches(s, ""));
    EXPECT_FALSE(signature_matches(s, s + "0"));
}

TEST(WechatCrypto, EncryptsThePublishedVector) {
    EXPECT_EQ(cipher().encrypt("我是中文abcd123", kPrefix), kPublishedCipher);
}

TEST(WechatCrypto, DecryptsThePublishedVector) {
    auto plain = cipher().decrypt(kPublishedCipher);
    ASSERT_TRUE(plain.ok()) << plain.error().message();
    EXPECT_EQ(*plain, "我是中文abcd123");
}

TEST(WechatCrypto, EncryptsWithAnInjectedRandomSource) {
    FixedRandom random;
    EXPECT_EQ(cipher().encrypt("我是中文abcd123", random), kPublishedCipher);
}

TEST(WechatCrypto, SystemRandomGivesFreshPrefixes) {
    SystemRandom random;
    const MessageCipher c = cipher();
    const std::string a = c.encrypt("hello", random), b = c.encrypt("hello", random);
    EXPECT_NE(a, b);
    EXPECT_EQ(*c.decrypt(a), "hello");
    EXPECT_EQ(*c.decrypt(b), "hello");
}

// Lengths 0..129 cover every padding amount 1..32, including a full block of 32.
TEST(WechatCrypto, RoundTripsEveryLengthFrom0To129) {
    const MessageCipher c = cipher();
    FixedRandom random("0123456789abcdefXYZ");
    for (std::size_t n = 0; n <= 129; ++n) {
        std::string message;
        for (std::size_t i = 0; i < n; ++i) message.push_back(static_cast<char>('A' + (i * 7 + n) % 50));
        const std::string encrypted = c.encrypt(message, random);
        const auto bytes = base64_decode(encrypted);
        ASSERT_TRUE(bytes.has_value());
        EXPECT_EQ(bytes->size() % 32, 0u) << n;
        EXPECT_GT(bytes->size(), 20 + n + kAppId.size()) << n;  // padding is never empty
        auto back = c.decrypt(encrypted);
        ASSERT_TRUE(back.ok()) << n << ": " << back.error().message();
        EXPECT_EQ(*back, message) << n;
    }
}

TEST(WechatCrypto, AddsAFullBlockOfPaddingWhenAligned) {
    // header 20 + message 26 + AppID 18 = 64: padding is a whole extra block of 32.
    const std::string message(64 - 20 - kAppId.size(), 'x');
    const auto bytes = base64_decode(cipher().encrypt(message, kPrefix));
    ASSERT_TRUE(bytes.has_value());
    EXPECT_EQ(bytes->size(), 96u);
}

TEST(WechatCrypto, KeyDecodingIsLenientAboutTheLastCharacter) {
    // 'G' carries non-zero unused bits; strict decoders refuse it, WeChat does not.
    const auto key = decode_encoding_aes_key(kAesKey);
    ASSERT_TRUE(key.has_value());
    EXPECT_EQ(key->size(), 32u);
    EXPECT_EQ(key->substr(0, 3), "i\xb7\x1d");
    // Changing only the unused bits ('G' -> 'E': same top 4 bits) gives the same key.
    std::string sibling(kAesKey);
    sibling.back() = 'E';
    EXPECT_EQ(decode_encoding_aes_key(sibling), key);
    EXPECT_FALSE(base64_decode(std::string(kAesKey) + "=").has_value());  // strict refuses it
}

TEST(WechatCrypto, RefusesMalformedKeys) {
    for (std::string_view bad : {std::string_view{}, kAesKey.substr(0, 42),
                                 std::string_view{"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH"},
                                 std::string_view{"abcdefghijklmnopqrstuvwxyz0123456789ABCDE=G"},
                                 std::string_view{"abcdefghijklmnopqrstuvwxyz0123456789ABC DEF"}}) {
        auto c = MessageCipher::create(bad, std::string(kAppId));
        ASSERT_FALSE(c.ok()) << bad;
        EXPECT_EQ(c.code(), Errc::bad_aes_key);
    }
}

TEST(WechatBase64, EncodesAndDecodesCanonically) {
    for (const std::string& s : {std::string(), std::string("f"), std::string("fo"), std::string("foo"),
                                  std::string("foobar"), std::string("\xff\x00\x80", 3)}) {
        const std::string e = base64_encode(s);
        EXPECT_EQ(base64_decode(e), s);
    }
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
}

TEST(WechatBase64, RefusesNonCanonicalText) {
    for (std::string_view bad : {"Zm8", "Zm9=", "Zg=a", "Z===", "Zm8=Zm8=", "Zm 8", "Zm8\n",
                                 "Zh==", "====", "Zm-_"}) {
        EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
    }
}

std::string encrypt_raw(std::string plain) {
    // AES-256-CBC of exactly `plain`, no padding added: lets a test put any bytes where the
    // length field and the padding go.
    EXPECT_EQ(plain.size() % 32, 0u);
    const std::string key = *decode_encoding_aes_key(kAesKey);
    const auto* k = reinterpret_cast<const unsigned char*>(key.data());
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    std::string out(plain.size(), '\0');
    int n = 0, tail = 0;
    EXPECT_EQ(EVP_EncryptInit_ex2(ctx, EVP_aes_256_cbc(), k, k, nullptr), 1);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    EXPECT_EQ(EVP_EncryptUpdate(ctx, o, &n, reinterpret_cast<const unsigned char*>(plain.data()),
                                static_cast<int>(plain.size())), 1);
    EXPECT_EQ(EVP_EncryptFinal_ex(ctx, o + n, &tail), 1);
    EVP_CIPHER_CTX_free(ctx);
    return base64_encode(out);
}

TEST(WechatCrypto, RefusesCiphertextThatIsNotCanonicalBase64) {
    std::string bad(kPublishedCipher);
    bad[5] = '*';
    EXPECT_EQ(cipher().decrypt(bad).code(), Errc::bad_ciphertext);
    EXPECT_EQ(cipher().decrypt("").code(), Errc::bad_ciphertext);
}

TEST(WechatCrypto, RefusesLengthsThatAreNotAMultipleOf32) {
    const std::string bytes = *base64_decode(kPublishedCipher);
    EXPECT_EQ(cipher().decrypt(base64_encode(bytes.substr(0, 48))).code(), Errc::bad_ciphertext);
    EXPECT_EQ(cipher().decrypt(base64_encode(bytes.substr(0, 16))).code(), Errc::bad_ciphertext);
    EXPECT_EQ(cipher().decrypt(base64_encode(bytes + "x")).code(), Errc::bad_ciphertext);
}

TEST(WechatCrypto, RefusesEveryBadPaddingByte) {
    // Plaintext ends with the pad; a pad of 0, of 33, or with one byte off is refused.
    for (int variant = 0; variant < 4; ++variant) {
        std::string plain(64, 'x');
        plain[16] = plain[17] = plain[18] = 0;
        plain[19] = 4;
        for (std::size_t i = 48; i < 64; ++i) plain[i] = 16;
        if (variant == 0) plain[63] = 0;
        if (variant == 1) plain[63] = 33;
        if (variant == 2) plain[50] = 15;  // one padding byte off
        if (variant == 3) plain[48] = 17;  // the first padding byte off
        EXPECT_EQ(cipher().decrypt(encrypt_raw(plain)).code(), Errc::bad_padding) << variant;
    }
}

TEST(WechatCrypto, RefusesALengthFieldBeyondThePlaintext) {
    std::string plain(64, 'x');
    for (std::size_t i = 32; i < 64; ++i) plain[i] = 32;  // content = 32 bytes: 20 + 12
    plain[16] = plain[17] = plain[18] = 0;
    plain[19] = 13;  // one more than the 12 bytes there are
    EXPECT_EQ(cipher().decrypt(encrypt_raw(plain)).code(), Errc::bad_length_field);
    plain[16] = '\xff';  // and a huge one that must not wrap around
    EXPECT_EQ(cipher().decrypt(encrypt_raw(plain)).code(), Errc::bad_length_field);
    std::string short_plain(32, 32);  // all padding: no room for the 20-byte header
    EXPECT_EQ(cipher().decrypt(encrypt_raw(short_plain)).code(), Errc::bad_length_field);
}

TEST(WechatCrypto, AcceptsACraftedPlaintextWhenEverythingIsRight) {
    std::string plain(64, 'x');
    plain[16] = plain[17] = plain[18] = 0;
    plain[19] = 12;
    for (std::size_t i = 32; i < 64; ++i) plain[i] = 32;
    auto back = MessageCipher::create(kAesKey, "").value().decrypt(encrypt_raw(plain));
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(*back, std::string(12, 'x'));
}

TEST(WechatCrypto, RefusesAnotherAppId) {
    auto other = cipher("wx0000000000000000").decrypt(kPublishedCipher);
    EXPECT_EQ(other.code(), Errc::appid_mismatch);
    EXPECT_EQ(cipher("wxb11529c136998cb").decrypt(kPublishedCipher).code(), Errc::appid_mismatch);
    EXPECT_EQ(cipher("").decrypt(kPublishedCipher).code(), Errc::appid_mismatch);
}

TEST(WechatCrypto, RefusalsMapToHttpStatuses) {
    EXPECT_EQ(http_status(make_error_code(Errc::bad_padding)), 400);
    EXPECT_EQ(http_status(make_error_code(Errc::appid_mismatch)), 403);
    EXPECT_EQ(http_status(make_error_code(Errc::body_too_large)), 413);
    EXPECT_EQ(http_status(std::error_code{}), 200);
    EXPECT_EQ(http_status(std::make_error_code(std::errc::io_error)), 500);
    EXPECT_STREQ(wechat_category().name(), "wechat");
}

}  // namespace
}  // namespace repairbot::wechat
