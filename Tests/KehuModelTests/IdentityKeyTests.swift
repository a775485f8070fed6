import KehuModel
import Testing

@Suite struct IdentityKeyTests {
    @Test func parsesTypeAndValue() throws {
        #expect(try IdentityKey.parse("member:M1001") == IdentityKey(type: .member, value: "M1001"))
        #expect(try IdentityKey.parse("Buyer:tb_123") == IdentityKey(type: .buyer, value: "tb_123"))   // type is case-insensitive
        #expect(try IdentityKey.parse("openid:a:b") == IdentityKey(type: .openid, value: "a:b"))       // value keeps its colons
        #expect(IdentityKey(type: .member, value: "M1").description == "member:M1")
    }

    @Test func rejectsMalformedKeys() {
        #expect(throws: IdentityKeyError.missingType) { try IdentityKey.parse("M1001") }
        #expect(throws: IdentityKeyError.unknownType("wechat")) { try IdentityKey.parse("wechat:o1") }
        #expect(throws: IdentityKeyError.emptyValue(.member)) { try IdentityKey.parse("member:") }
        #expect(throws: IdentityKeyError.tooLong(.device)) {
            try IdentityKey.parse("device:" + String(repeating: "x", count: 257))
        }
    }

    @Test(arguments: [
        "13800000000", "138 0000 0000", "138-0000-0000", "+86 138 0000 0000", "+8613800000000",
        "8613800000000", "008613800000000", "(138) 0000-0000", " 13800000000\t",
    ])
    func phoneFormsNormaliseToElevenDigits(raw: String) throws {
        #expect(try IdentityKey.normalize(type: .phone, value: raw) == "13800000000")
    }

    @Test func phonesThatAreNotNumbersAreRejected() throws {
        #expect(throws: IdentityKeyError.badPhone) { try IdentityKey.normalize(type: .phone, value: "138-abcd") }
        #expect(throws: IdentityKeyError.badPhone) { try IdentityKey.normalize(type: .phone, value: "1234") }      // 4 digits
        #expect(throws: IdentityKeyError.badPhone) { try IdentityKey.normalize(type: .phone, value: "1380000+0000") }
        // A foreign number keeps its country code: 1 415 555 0100 is 11 digits without a 86 prefix.
        #expect(try IdentityKey.normalize(type: .phone, value: "+1 (415) 555-0100") == "14155550100")
    }

    @Test func emailsAreTrimmedAndLowerCased() throws {
        #expect(try IdentityKey.normalize(type: .email, value: " Li.Lei@Example.COM ") == "li.lei@example.com")
        #expect(throws: IdentityKeyError.badEmail) { try IdentityKey.normalize(type: .email, value: "li.lei") }
        #expect(throws: IdentityKeyError.badEmail) { try IdentityKey.normalize(type: .email, value: "a@b@c.com") }
        #expect(throws: IdentityKeyError.badEmail) { try IdentityKey.normalize(type: .email, value: "@example.com") }
        #expect(throws: IdentityKeyError.badEmail) { try IdentityKey.normalize(type: .email, value: "li@localhost") }
    }

    @Test func otherTypesAreOnlyTrimmed() throws {
        #expect(try IdentityKey.normalize(type: .member, value: "  M1001 ") == "M1001")
        #expect(try IdentityKey.normalize(type: .unionid, value: "oAbC") == "oAbC")    // case kept
        #expect(throws: IdentityKeyError.emptyValue(.member)) { try IdentityKey.normalize(type: .member, value: "  ") }
    }

    @Test func errorMessagesNeverRepeatAValue() {
        for error in [IdentityKeyError.badPhone, .badEmail, .emptyValue(.phone), .tooLong(.email), .noKeys, .missingType] {
            #expect(!error.description.contains("138"))
        }
        #expect(IdentityKeyError.unknownType("wechat").description.contains("'wechat'"))
        // A phone number or an email in the type's place is not repeated.
        #expect(!IdentityKeyError.unknownType("13800000000").description.contains("13800000000"))
        #expect(!IdentityKeyError.unknownType("li@example.com").description.contains("li@"))
        #expect(IdentityKeyError.unknownType("13800000000").description.hasPrefix("unknown identity key type (expected"))
    }

    @Test func typesKnowWhatIsHashedAndTheirAnchorOrder() {
        #expect(IdentityKeyType.allCases.filter(\.isHashedAtIngest) == [.phone, .email])
        #expect(IdentityKeyType.member.anchorRank < IdentityKeyType.phone.anchorRank)
        #expect(IdentityKeyType.anon.anchorRank < IdentityKeyType.device.anchorRank)
        #expect(IdentityKeyType(name: "UNIONID") == .unionid)
    }

    /// Type names match whole and ignoring ASCII case only, through every overload (String,
    /// Substring and the generic one), and parse splits at the first colon.
    @Test func typeNamesMatchWholeIgnoringCase() throws {
        for type in IdentityKeyType.allCases {
            #expect(IdentityKeyType(name: type.name.uppercased()) == type)
            #expect(IdentityKeyType(name: Substring("x" + type.name).dropFirst()) == type)
            #expect(IdentityKeyType(name: type.name.utf8.map { Character(Unicode.Scalar($0)) }.map(String.init).joined()) == type)
            #expect(IdentityKeyType(name: type.name + "s") == nil)
            #expect(IdentityKeyType(name: String(type.name.dropLast())) == nil)
            #expect(IdentityKeyType(name: type.name.replacingOccurrences(of: "e", with: "E")) == type)
        }
        #expect(IdentityKeyType(name: "m@mber") == nil)
        #expect(IdentityKeyType(name: "") == nil)
        #expect(IdentityKeyType(name: "méMber") == nil)
        #expect(try IdentityKey.parse("Anon:a:b:c") == IdentityKey(type: .anon, value: "a:b:c"))
        #expect(try IdentityKey.parse(Substring("xmember:1001").dropFirst()) == IdentityKey(type: .member, value: "1001"))
        #expect(throws: IdentityKeyError.missingType) { try IdentityKey.parse("member1001") }
        #expect(throws: IdentityKeyError.unknownType("wechat")) { try IdentityKey.parse("wechat:1") }
        #expect(throws: IdentityKeyError.emptyValue(.openid)) { try IdentityKey.parse("openid:") }
    }

    /// `check` (the inbox's validation, which makes no value string) accepts exactly what
    /// `parse` accepts, with the same type and value, and throws the same error otherwise.
    @Test func checkAgreesWithParse() {
        let long = String(repeating: "9", count: 257)
        let texts = [
            "member:1001", "Anon:a:b:c", "phone:" + String(repeating: "a", count: 64), "member1001", "wechat:1", "openid:",
            "device:" + long, "device:" + long.dropLast(), ":x", "", "member:客户", "UNIONID:wx-1",
        ]
        for text in texts {
            let parsed = Result { () throws(IdentityKeyError) in try IdentityKey.parse(text) }
            let checked = Result { () throws(IdentityKeyError) in try IdentityKey.check(text) }
            switch (parsed, checked) {
            case (.success(let key), .success(let check)):
                #expect(key.type == check.type && key.value == String(check.value), "\(text)")
            case (.failure(let a), .failure(let b)):
                #expect(a == b, "\(text)")
            default:
                Issue.record("parse and check disagree on \(text.prefix(20))")
            }
        }
    }
}
