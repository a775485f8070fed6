import KehuIngest
import KehuModel
import KehuTesting
import Testing

@Suite struct DuplicateTests {
    static let content = ["1781784000000", "view", "member:M5", "tmall", "", "", "", "SKU1", "", "", "", "", ""]

    @Test func identicalIDsSurviveDecodingAndDerivedFingerprintsCountOccurrences() throws {
        let chunk = try decodeAll(path: Fixture.path("canonical-duplicates.csv"), format: .csv)
        let fingerprints = chunk.batch.fingerprint
        #expect(chunk.batch.count == 6)
        // Lines 2 and 3 share event_id e7: both are decoded; dropping one is the pipeline's job.
        #expect(fingerprints[0] == EventFingerprint(eventID: "e7"))
        #expect(fingerprints[1] == fingerprints[0])
        // Lines 4, 5 and 7 have the same content and no id: occurrences 0, 1 and 2.
        #expect(fingerprints[2] == expectedDerivedFingerprint(Self.content, occurrence: 0))
        #expect(fingerprints[3] == expectedDerivedFingerprint(Self.content, occurrence: 1))
        #expect(fingerprints[5] == expectedDerivedFingerprint(Self.content, occurrence: 2))
        // Line 6 differs in its key: its own first occurrence.
        var other = Self.content
        other[2] = "member:M6"
        #expect(fingerprints[4] == expectedDerivedFingerprint(other, occurrence: 0))
    }

    @Test func reingestingTheSameFileReproducesTheFingerprints() throws {
        let path = Fixture.path("canonical-duplicates.csv")
        let first = try decodeAll(path: path, format: .csv).batch.fingerprint
        let second = try decodeAll(path: path, format: .csv).batch.fingerprint
        #expect(first == second)
        // Chunk by chunk (one event each), the occurrence count carries across chunks.
        var chunked: [EventFingerprint] = []
        try decodeFile(path: path, format: .csv, options: DecodeOptions(chunkSize: 1)) { chunked += $0.batch.fingerprint }
        #expect(chunked == first)
    }

    @Test func theSameEventInAnotherTimeLayoutIsTheSameContent() throws {
        // 20:00 at +08:00, written three ways: the content is the instant, not the text.
        let text = canonicalHeader + "\n"
            + ",2026-06-18T20:00:00+08:00,member:M5,view,tmall,,,,SKU1,,,,,\n"
            + ",1781784000,member:M5,view,tmall,,,,SKU1,,,,,\n"
            + ",2026-06-18 20:00:00,member:M5,view,tmall,,,,SKU1,,,,,\n"
        let fingerprints = try decodeAll(text).batch.fingerprint
        #expect(fingerprints == (0..<3).map { expectedDerivedFingerprint(Self.content, occurrence: $0) })
    }
}

@Suite struct KeyHasherTests {
    static let salt: [UInt8] = [1, 2, 3]

    @Test func phonesAreHashedWithTheSaltAfterNormalising() throws {
        let hasher = KeyHasher(salt: Self.salt)
        // sha256(0x01 0x02 0x03 || "13800000000"), computed with Python's hashlib.
        let expected = "875007988851952d20fb2930370ae79646c8219033f10ee14e756a354e1e7c92"
        for raw in ["phone:13800000000", "phone:+86 138-0000-0000", "PHONE:008613800000000", "phone: 138 0000 0000 "] {
            #expect(try hasher.identityKey(raw: raw) == IdentityKey(type: .phone, value: expected))
        }
        #expect(try hasher.identityKey(type: .phone, value: "(138) 0000 0000").value == expected)
    }

    /// The `String` fast path gives exactly what the generic normalisation gives, for every
    /// type, on values with and without spaces, tabs, carriage returns and combining marks at
    /// either end, and refuses what it refuses.
    @Test func stringFastPathAgreesWithTheGenericPath() {
        let hasher = KeyHasher(salt: Self.salt)
        let values = [
            "1001", " 1001", "1001 ", "\t1001", "1001\t", "1001\r", "1001\r\n", "1001\n", " \u{301}x", "x \u{301}", "",
            " ", "\t \r", "客户-1", "u1@example.com", " Li.Lei@Example.COM ", "+86 138-0000-0000", "abc", "a b",
        ]
        for type in IdentityKeyType.allCases {
            for value in values {
                let fast = Result { () throws(IdentityKeyError) in try hasher.identityKey(type: type, value: value) }
                let generic = Result { () throws(IdentityKeyError) in try hasher.identityKey(type: type, value: Substring(value)) }
                #expect(fast == generic, "\(type.name) \(value.debugDescription)")
            }
        }
    }

    @Test func anotherSaltGivesAnotherHash() throws {
        // sha256(0x01 0x02 0x04 || "13800000000").
        let key = try KeyHasher(salt: [1, 2, 4]).identityKey(raw: "phone:13800000000")
        #expect(key.value == "9e3f7721a84c4e2de21980170f668c9e7f6a11ab5da45bccadfc70836b646827")
    }

    @Test func emailsAreLowerCasedThenHashedAndOtherKeysOnlyNormalised() throws {
        let hasher = KeyHasher(salt: Self.salt)
        // sha256(0x01 0x02 0x03 || "li.lei@example.com").
        #expect(try hasher.identityKey(raw: "email: Li.Lei@Example.COM").value
            == "b8524da569c84f2174f304040dee40415e581df1971b97e36f69209f73ca6529")
        #expect(try hasher.identityKey(raw: "member: M1001 ") == IdentityKey(type: .member, value: "M1001"))
        #expect(throws: IdentityKeyError.badPhone) { try hasher.identityKey(raw: "phone:12") }
    }

    @Test func aWholeKeyTableIsHashedOnceByCode() throws {
        let chunk = try decodeAll(path: Fixture.path("canonical-good.csv"), format: .csv)
        let keys = try KeyHasher(salt: Self.salt).identityKeys(of: chunk.batch.keys)
        // Codes 1...4: member:M1001, phone:13800000000, member:M1002, anon:a-9; slot 0 is unused.
        #expect(keys.count == 5)
        #expect(keys[1] == IdentityKey(type: .member, value: "M1001"))
        #expect(keys[2] == IdentityKey(type: .phone, value: "875007988851952d20fb2930370ae79646c8219033f10ee14e756a354e1e7c92"))
        #expect(keys[Int(chunk.batch.keyCodes(of: 2).first!)] == IdentityKey(type: .anon, value: "a-9"))
        // A table with text that is not a key names the code.
        #expect(throws: KeyTableError(code: 2, error: .missingType)) {
            try KeyHasher(salt: Self.salt).identityKeys(of: StringTable(["member:M1", "nonsense"]))
        }
    }

    @Test func newSaltsAreThirtyTwoRandomBytes() {
        let a = KeyHasher.newSalt()
        let b = KeyHasher.newSalt()
        #expect(a.count == 32)
        #expect(a != b)
    }

    @Test func fastKeyValidationAgreesWithTheModel() {
        // RawKey.validate checks bytes; IdentityKey.parse + normalize is the reference.
        var samples = [
            "phone:13800000000", "phone:+86 138 0000 0000", "phone:008613800000000", "phone:8613800000000",
            "phone:12", "phone:1234567890123456", "phone:+1-415-555-0100", "phone:138+0000", "phone: ", "phone:",
            "email:a@b.c", "email:a@b", "email:@b.c", "email:a@@b.c", "email:A@B.CO ", "member:", "member: ",
            "member:M1", "Member:M1", "MEMBER:x", "wechat:x", "nocolon", ":x", "device:" + String(repeating: "d", count: 257),
            "anon:\t", "buyer:tb 1", "phone:１３８００００００００", "email:ü@ex.com", "member:会员1",
        ]
        var generator = SplitMix(seed: 7)
        let alphabet = Array("0123456789+-() @.:abcAB\t".utf8)
        for _ in 0..<2000 {
            let type = ["phone:", "email:", "member:", "Phone:"][Int(generator.next() % 4)]
            let length = Int(generator.next() % 20)
            samples.append(type + String(decoding: (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }, as: UTF8.self))
        }
        for sample in samples {
            let reference: IdentityKeyError?
            do {
                let key = try IdentityKey.parse(sample)
                _ = try IdentityKey.normalize(type: key.type, value: key.value)
                reference = nil
            } catch {
                reference = error
            }
            let fast = Array(sample.utf8).withUnsafeBytes { RawKey.validate($0) }
            #expect(fast == reference, "\(sample)")
        }
    }
}
