import Foundation
import GRDB
import KehuModel
import KehuStore

/// A named audience (人群): an expression over tags and conditions, evaluated on any snapshot.
public struct Audience: Sendable, Codable, Hashable {
    public var name: String
    public var expression: String
    public var description: String
    /// UTC ms.
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(name: String, expression: String, description: String = "", createdAt: Int64 = 0, updatedAt: Int64 = 0) {
        self.name = name
        self.expression = expression
        self.description = description
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Parses an audience expression (the same language as rule tags).
    public static func parse(_ text: String) throws(ExpressionError) -> AudienceExpression {
        try AudienceExpression.parse(text)
    }

    /// The audience's consumers on `snapshot` as of `asOf` (default: its last day with data).
    /// - Complexity: see ``ExpressionEvaluator/evaluate(_:source:)``.
    public func evaluate(in snapshot: Snapshot, asOf: Day? = nil, tags: (any TagResolver)?) throws(ExpressionError) -> ConsumerSet {
        var evaluator = ExpressionEvaluator(snapshot: snapshot, asOf: asOf, tags: tags)
        return try evaluator.evaluate(expression)
    }
}

/// A static copy of an audience's members at one moment, kept to measure a campaign later
/// against the people it was sent to (members stored as identity key ids).
public struct AudienceSnapshot: Sendable, Codable, Hashable {
    public var id: Int64
    public var audience: String
    /// The expression as it was when taken.
    public var expression: String
    public var asOf: Day
    /// UTC ms.
    public var takenAt: Int64
    public var dataVersion: Int64
    /// Consumers in the audience when taken.
    public var size: Int
    /// Of them, consumers whose keys the catalogue no longer listed (not stored).
    public var withoutKey: Int
}

/// The audiences of a workspace and their snapshots (tables `audience`, `audience_snapshot`,
/// `audience_snapshot_member`).
public struct AudienceStore: Sendable {
    public let workspace: Workspace

    public init(workspace: Workspace) { self.workspace = workspace }

    private var tags: TagStore { TagStore(workspace: workspace) }

    /// Defines (or redefines) an audience; the expression must parse and its tags exist.
    public func define(name: String, expression: String, description: String = "") throws(ActivationError) {
        try ActivationError.validate(name: name, what: "audience")
        let parsed: AudienceExpression
        do { parsed = try AudienceExpression.parse(expression) } catch { throw .expression(error) }
        try tags.checkReferences(parsed, source: expression, defining: nil)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try tags.write { db in
            try db.execute(
                sql: """
                    INSERT INTO audience (name, expression, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET expression = excluded.expression, description = excluded.description,
                        updated_at = excluded.updated_at
                    """,
                arguments: [name, expression, description, now, now])
        }
    }

    /// Every audience, by name.
    public func list() throws(ActivationError) -> [Audience] {
        try tags.read { db in
            try Row.fetchAll(db, sql: "SELECT name, expression, description, created_at, updated_at FROM audience ORDER BY name").map {
                Audience(name: $0[0], expression: $0[1], description: $0[2], createdAt: $0[3], updatedAt: $0[4])
            }
        }
    }

    /// The audience called `name`.
    /// - Throws: ``ActivationError/unknownAudience(_:defined:)`` when there is none.
    public func audience(named name: String) throws(ActivationError) -> Audience {
        let found = try tags.read { db in
            try Row.fetchOne(db, sql: "SELECT name, expression, description, created_at, updated_at FROM audience WHERE name = ?", arguments: [name])
                .map { Audience(name: $0[0], expression: $0[1], description: $0[2], createdAt: $0[3], updatedAt: $0[4]) }
        }
        guard let found else { throw .unknownAudience(name, defined: try list().map(\.name)) }
        return found
    }

    /// Deletes an audience; its snapshots stay (they record what was sent).
    public func delete(name: String) throws(ActivationError) {
        _ = try audience(named: name)
        try tags.write { db in try db.execute(sql: "DELETE FROM audience WHERE name = ?", arguments: [name]) }
    }

    /// Evaluates the audience on `snapshot` and stores its members.
    public func takeSnapshot(of name: String, in snapshot: Snapshot, asOf: Day? = nil) throws(ActivationError) -> AudienceSnapshot {
        let audience = try audience(named: name)
        let day = asOf ?? snapshot.dataDays?.last ?? Day(index: 0)
        let members: ConsumerSet
        do { members = try audience.evaluate(in: snapshot, asOf: day, tags: tags) } catch { throw .expression(error) }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return try tags.write { db in
            let (keys, withoutKey) = try StableKeys.keyIDs(of: members, in: snapshot, db)
            try db.execute(
                sql: """
                    INSERT INTO audience_snapshot (audience, expression, as_of, taken_at, data_version, size, without_key)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [name, audience.expression, day.description, now, snapshot.dataVersion, members.count, withoutKey])
            let id = db.lastInsertedRowID
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO audience_snapshot_member (snapshot_id, key_id) VALUES (?, ?)")
            for key in keys { try insert.execute(arguments: [id, key]) }
            return AudienceSnapshot(
                id: id, audience: name, expression: audience.expression, asOf: day, takenAt: now, dataVersion: snapshot.dataVersion,
                size: members.count, withoutKey: withoutKey)
        }
    }

    /// The snapshots taken, newest first; only those of `audience` when given.
    public func snapshots(of audience: String? = nil) throws(ActivationError) -> [AudienceSnapshot] {
        try tags.read { db in
            let rows: [Row]
            let columns = "id, audience, expression, as_of, taken_at, data_version, size, without_key"
            if let audience {
                rows = try Row.fetchAll(
                    db, sql: "SELECT \(columns) FROM audience_snapshot WHERE audience = ? ORDER BY id DESC", arguments: [audience])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT \(columns) FROM audience_snapshot ORDER BY id DESC")
            }
            return rows.map { row in
                AudienceSnapshot(
                    id: row[0], audience: row[1], expression: row[2], asOf: (try? Day.parse(row[3] as String)) ?? Day(index: 0),
                    takenAt: row[4], dataVersion: row[5], size: row[6], withoutKey: row[7])
            }
        }
    }

    /// The members of a stored snapshot, found on `snapshot` (a later one: merged consumers count once).
    public func members(ofSnapshot id: Int64, in snapshot: Snapshot) throws(ActivationError) -> ConsumerSet {
        try tags.read { db in
            try StableKeys.consumers(
                keysFrom: "SELECT key_id FROM audience_snapshot_member WHERE snapshot_id = ?", arguments: [id], in: snapshot, db)
        }
    }
}
