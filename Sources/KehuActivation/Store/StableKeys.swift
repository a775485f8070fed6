import GRDB
import KehuModel
import KehuStore

/// Consumers kept across snapshots are stored as one identity key id each: the smallest key id of
/// the consumer. A key never leaves its consumer (identities only merge), so after a merge the
/// key leads to the merged consumer on the next snapshot.
enum StableKeys {
    /// The smallest key id of each member of `set` (dense indices of `snapshot`), and how many
    /// members have no key in the catalogue (possible only when it changed after the snapshot).
    /// - Complexity: O(members × log keys) with the consumer index for small sets, one pass over
    ///   the key table for large ones.
    static func keyIDs(of set: ConsumerSet, in snapshot: Snapshot, _ db: Database) throws -> (keys: [Int64], withoutKey: Int) {
        let members = set.members
        var keys: [Int64] = []
        keys.reserveCapacity(members.count)
        if members.count < 200_000 {
            let statement = try db.cachedStatement(sql: "SELECT MIN(id) FROM identity_key WHERE consumer_id = ?")
            for c in members {
                if let id = try Int64.fetchOne(statement, arguments: [Int64(snapshot.consumerIDs[c])]) { keys.append(id) }
            }
        } else {
            let rows = try Row.fetchCursor(db, sql: "SELECT consumer_id, MIN(id) FROM identity_key GROUP BY consumer_id")
            while let row = try rows.next() {
                let consumer = UInt32(row[0] as Int64)
                if let c = snapshot.denseIndex(ofConsumer: consumer), set.contains(c) { keys.append(row[1]) }
            }
        }
        return (keys, members.count - keys.count)
    }

    /// The consumers of `snapshot` holding the key ids that `sql` (with `arguments`) selects as
    /// its one column.
    static func consumers(keysFrom sql: String, arguments: StatementArguments, in snapshot: Snapshot, _ db: Database) throws -> ConsumerSet {
        var set = ConsumerSet(capacity: snapshot.consumerCount)
        let rows = try Int64.fetchCursor(
            db, sql: "SELECT k.consumer_id FROM identity_key k WHERE k.id IN (\(sql))", arguments: arguments)
        while let consumer = try rows.next() {
            if let c = snapshot.denseIndex(ofConsumer: UInt32(consumer)) { set.insert(c) }
        }
        return set
    }
}
