import KehuModel
import KehuStore

/// Turns a plan's audience and suppression lists into consumer sets of a snapshot: what
/// `kehu reach plan` and `POST /v1/reach/plans/{name}/schedule` run before ``ReachRun/schedule``.
public enum ReachAudiences {
    /// A saved audience by name, or else the text as an audience expression, on day `asOf`.
    public static func audience(_ text: String, snapshot: Snapshot, asOf: Day, in workspace: Workspace) throws -> ConsumerSet {
        let tags = TagStore(workspace: workspace)
        let store = AudienceStore(workspace: workspace)
        if let saved = try? store.audience(named: text) {
            return try saved.evaluate(in: snapshot, asOf: asOf, tags: tags)
        }
        return try Audience(name: "plan", expression: text).evaluate(in: snapshot, asOf: asOf, tags: tags)
    }

    /// The union of the suppression lists. `hashKey` turns a key file's raw `type` and value into
    /// the stored key (the workspace's ``KehuIngest/KeyHasher``: phones and emails are hashed as at ingest).
    public static func suppressed(
        _ lists: [Suppression], snapshot: Snapshot, asOf: Day, in workspace: Workspace,
        hashKey: (IdentityKeyType, Substring) throws -> IdentityKey
    ) throws -> ConsumerSet {
        var out = ConsumerSet(capacity: snapshot.consumerCount)
        let tags = TagStore(workspace: workspace)
        for list in lists {
            switch list.kind {
            case .tag:
                out = out.union(try tags.members(of: list.value, in: snapshot, asOf: asOf))
            case .audience:
                let saved = try AudienceStore(workspace: workspace).audience(named: list.value)
                out = out.union(try saved.evaluate(in: snapshot, asOf: asOf, tags: tags))
            case .keys:
                let file = try KeyFile.read(path: list.value, store: hashKey)
                if let bad = file.badLines.first {
                    throw ReachError.badKeyFile(path: list.value, line: bad.line, reason: bad.reason)
                }
                let ids = try ReachStore.consumers(holding: file.keys.map(\.description), in: workspace)
                for id in ids {
                    if let id, let c = snapshot.denseIndex(ofConsumer: id) { out.insert(c) }
                }
            }
        }
        return out
    }
}
