import Dispatch
import Synchronization
import Testing
import KehuStore
import KehuTesting

@Suite("Values derived from a snapshot")
struct DerivedCacheTests {
    @Test("built once under concurrent use, nested builds of other keys allowed, optional values cached")
    func once() throws {
        let (_, _, snapshot) = try snapshot(of: [event("e1", TestClock.june1, .view, ["member:1"])])
        let builds = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let value = snapshot.derived.value("outer") { () -> Int in
                builds.withLock { $0 += 1 }
                // Building one value may read another.
                return snapshot.derived.value("inner") { 41 } + 1
            }
            #expect(value == 42)
        }
        #expect(builds.withLock { $0 } == 1)
        var optionalBuilds = 0
        for _ in 0..<3 {
            let none: Int? = snapshot.derived.value("nothing") { () -> Int? in
                optionalBuilds += 1
                return nil
            }
            #expect(none == nil)
        }
        #expect(optionalBuilds == 1)
    }
}
