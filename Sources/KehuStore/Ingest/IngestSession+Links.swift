import KehuIdentity
import KehuModel

extension IngestSession {
    /// Links the keys of an identify or alias record (one consumer, no event): each key is
    /// linked to the strongest of them, as the keys of one event are, so the shared-key guard
    /// judges them the same way. An alias's `previousID` is the `member:` key of that value when
    /// one is known (stored or earlier in this session), else its `anon:` key.
    /// - Complexity: O(keys of the record).
    public func link(_ record: IdentityLinkRecord) throws(StoreError) {
        precondition(!finished, "the ingest session is already committed or abandoned")
        if linkKnownKeys(record) { return }
        var keys: [IdentityKey] = []
        for text in record.keys {
            guard let key = try? IdentityKey.parse(text) else {
                throw .invalidArgument("an inbox identity link has a malformed identity key")
            }
            keys.append(key)
        }
        if let previous = record.previousID {
            let member = IdentityKey(type: .member, value: previous)
            keys.append(keyIDs[member] != nil ? member : IdentityKey(type: .anon, value: previous))
        }
        // A lone key links nothing: it is not registered until an event carries it.
        let distinct = Set(keys).sorted()
        guard distinct.count > 1 else { return }
        var ids: [UInt32] = []
        for key in distinct {
            let id = keyID(for: key, firstSeen: record.ts)
            if let index = newKeyIndex[id], record.ts < newKeys[index].firstSeen { newKeys[index].firstSeen = record.ts }
            if !ids.contains(id) { ids.append(id) }
        }
        appendLinks(ids)
        // The next record with these texts takes the fast path.
        for (text, key) in zip(record.keys, keys) {
            if let id = keyIDs[key] { rememberCanonical(text, id: id) }
        }
    }

    /// Links a record whose key texts the flushes have all seen before (the usual case for a
    /// returning consumer) by their key ids, without parsing a key; false, having done nothing,
    /// when a text is new, or an alias's previous id is not a known member key.
    private func linkKnownKeys(_ record: IdentityLinkRecord) -> Bool {
        var ids: [UInt32] = []
        ids.reserveCapacity(record.keys.count + 1)
        for text in record.keys {
            guard let id = knownKeyID(canonical: text) else { return false }
            if !ids.contains(id) { ids.append(id) }
        }
        if let previous = record.previousID {
            guard let id = knownKeyID(canonical: "member:" + previous) else { return false }
            if !ids.contains(id) { ids.append(id) }
        }
        // None of these keys is new to the store, but one may be new to this session.
        for id in ids {
            if let index = newKeyIndex[id], record.ts < newKeys[index].firstSeen { newKeys[index].firstSeen = record.ts }
        }
        appendLinks(ids)
        return true
    }

    /// Links distinct key ids to the strongest of them (nothing for fewer than two).
    private func appendLinks(_ ids: [UInt32]) {
        guard ids.count > 1 else { return }
        let anchor = ids.min { (keyTypeOf($0).anchorRank, $0) < (keyTypeOf($1).anchorRank, $1) }!
        for id in ids {
            if let link = KeyLink(anchor, id) { sessionLinks.append(link.packed) }
        }
    }
}
