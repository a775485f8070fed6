import KehuModel
import Testing

@Suite struct StringTableTests {
    @Test func internsInOrderOfFirstAppearance() {
        var table = StringTable()
        #expect(table.intern("tmall") == 1)
        #expect(table.intern("jd") == 2)
        #expect(table.intern("tmall") == 1)     // same string, same code
        #expect(table.intern("") == 0)          // empty is the absent code
        #expect(table.count == 2)
        #expect(table.codeCount == 3)
        #expect(table.string(2) == "jd")
        #expect(table.string(0) == nil)
        #expect(table.code(of: "jd") == 2)
        #expect(table.code(of: "pos") == nil)
        #expect(table.code(of: "") == 0)
        #expect(table.strings == ["tmall", "jd"])
    }

    @Test func codesStayStableWhileTheIndexGrows() {
        var table = StringTable()
        for i in 0..<20_000 { #expect(table.intern("sku-\(i)") == UInt32(i + 1)) }
        // After many growths every code still finds its string and vice versa.
        for i in stride(from: 0, to: 20_000, by: 997) {
            #expect(table.code(of: "sku-\(i)") == UInt32(i + 1))
            #expect(table.string(UInt32(i + 1)) == "sku-\(i)")
        }
    }

    @Test func reservingCapacityKeepsCodes() {
        var table = StringTable(["a", "b"])
        table.reserveCapacity(strings: 50_000, bytes: 400_000)
        #expect(table.code(of: "b") == 2)
        for i in 0..<50_000 { _ = table.intern("k\(i)") }
        #expect(table.code(of: "k49999") == 50_002)
        #expect(table.code(of: "a") == 1)
    }

    @Test func rebuildsFromStoredBytes() {
        var table = StringTable()
        for name in ["skincare", "makeup", "香水", "x"] { _ = table.intern(name) }
        let rebuilt = StringTable(storage: table.storage, offsets: table.offsets)
        #expect(rebuilt == table)
        #expect(rebuilt.code(of: "香水") == 3)
        #expect(rebuilt.string(4) == "x")
        // storage is the strings back to back; offsets bound each code.
        #expect(table.offsets == [0, 0, 8, 14, 20, 21])   // 香水 is 6 bytes of UTF-8
    }

    @Test func bytesOfACodeWithoutAllocating() {
        let table = StringTable(["live", "ad"])
        let length = table.withBytes(2) { $0.count }
        #expect(length == 2)
        #expect(table.withBytes(1) { Array($0) } == Array("live".utf8))
    }
}
