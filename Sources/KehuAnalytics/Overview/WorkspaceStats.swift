import KehuModel
import KehuStore

/// `kehu stats`: the overview plus what the workspace holds in storage.
public struct WorkspaceStats: Report, Equatable {
    public var overview: WorkspaceOverview
    public var storage: StorageStats

    public init(overview: WorkspaceOverview, storage: StorageStats) {
        self.overview = overview
        self.storage = storage
    }

    public var title: String { overview.title }
    public var parameters: [ReportParameter] { overview.parameters }

    public func tables() -> [TextTable] {
        var table = TextTable(title: "Storage 存储", headers: ["item", "value"])
        let mib = Double(storage.segmentBytes) / 1_048_576
        table.rows = [
            ["segments", "\(Figures.grouped(storage.segments)) (\(storage.compactedSegments) compacted), \(mib < 10 ? String(format: "%.2f", mib) : String(format: "%.0f", mib)) MiB"],
            ["events in segments", Figures.grouped(storage.storedEvents)],
            ["events in the inbox (not yet flushed)", Figures.grouped(storage.inboxEvents)],
            ["identity keys", IdentityKeyType.allCases.compactMap { type in
                storage.identityKeys[type.name].map { "\(type.name) \(Figures.grouped($0))" }
            }.joined(separator: ", ")],
            ["identity links", Figures.grouped(storage.links)],
            ["shared keys kept out of linking", Figures.grouped(storage.guardedKeys)],
            ["ingest runs", Figures.grouped(storage.ingestRuns)],
        ]
        table.alignments = [.left, .left]
        return overview.tables() + [table]
    }
}
