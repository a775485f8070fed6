import Foundation
import GRDB
import KehuModel
import KehuStore

/// How a tag gets its members.
public enum TagKind: String, Sendable, Codable, Hashable, CaseIterable {
    /// Computed from an expression on each snapshot.
    case rule
    /// Imported from a file of identity keys.
    case imported
    /// Written back after a campaign (e.g. the responders to a coupon).
    case writeback
}

/// A tag as stored.
public struct TagDefinition: Sendable, Codable, Hashable {
    public var name: String
    public var kind: TagKind
    /// The rule (rule tags only).
    public var expression: String?
    public var description: String
    /// UTC ms.
    public var createdAt: Int64
    public var updatedAt: Int64
    /// Stored member keys (imported and written-back tags; 0 for rule tags).
    public var storedKeys: Int
}

/// What an import stored.
public struct TagImportSummary: Sendable, Codable, Hashable {
    /// Distinct keys given.
    public var keys: Int
    /// Keys found in the workspace (stored as members).
    public var matched: Int
    /// Keys the workspace has never seen (not stored; counted only).
    public var notInStore: Int
}

/// What a write-back stored.
public struct WriteBackSummary: Sendable, Codable, Hashable {
    /// Consumers given.
    public var consumers: Int
    /// Consumers newly stored (already stored ones count once).
    public var added: Int
    /// Consumers whose keys the catalogue no longer lists (possible only when it changed after the snapshot).
    public var withoutKey: Int
}

/// The tags of a workspace (table `tag`, members in `tag_member` as identity key ids).
public struct TagStore: TagResolver {
    public let workspace: Workspace

    public init(workspace: Workspace) { self.workspace = workspace }

    private static var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Defines (or redefines) a rule tag. The expression must parse, and every tag it mentions
    /// must exist without leading back to this one.
    /// - Throws: ``ActivationError``: a bad name, a mistake in the expression (with its column),
    ///   an unknown tag, a cycle, or a non-rule tag of the same name.
    public func define(name: String, expression: String, description: String = "") throws(ActivationError) {
        try ActivationError.validate(name: name, what: "tag")
        let parsed: AudienceExpression
        do { parsed = try AudienceExpression.parse(expression) } catch { throw .expression(error) }
        try checkReferences(parsed, source: expression, defining: name)
        try write { db in
            if let kind = try String.fetchOne(db, sql: "SELECT kind FROM tag WHERE name = ?", arguments: [name]), kind != "rule" {
                throw ActivationError.kindMismatch(name: name, existing: kind, wanted: "rule")
            }
            try db.execute(
                sql: """
                    INSERT INTO tag (name, kind, expression, description, created_at, updated_at) VALUES (?, 'rule', ?, ?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET expression = excluded.expression, description = excluded.description,
                        updated_at = excluded.updated_at
                    """,
                arguments: [name, expression, description, Self.now, Self.now])
        }
    }

    /// Checks that every `tag:` in `expression` exists and that none leads back to `defining`.
    func checkReferences(_ expression: AudienceExpression, source: String, defining: String?) throws(ActivationError) {
        let all = try list()
        var byName: [String: TagDefinition] = [:]
        for tag in all { byName[tag.name] = tag }
        // Depth-first through the rule tags mentioned; `path` is the chain from `defining`.
        func visit(_ name: String, path: [String], column: Int) throws(ActivationError) {
            if let defining, name == defining {
                throw .expression(ExpressionError(
                    expression: source, column: column, length: 4 + name.count,
                    message: "tag '\(defining)' would refer to itself: " + (path + [name]).joined(separator: " → ")))
            }
            guard let tag = byName[name] else {
                throw .expression(ExpressionError(
                    expression: source, column: column, length: 4 + name.count,
                    message: "unknown tag '\(name)'" + (all.isEmpty ? " (no tags are defined)" : " (defined: \(all.map(\.name).joined(separator: ", ")))")))
            }
            guard tag.kind == .rule, let text = tag.expression, !path.contains(name),
                let inner = try? AudienceExpression.parse(text)
            else { return }
            for next in inner.referencedTags { try visit(next, path: path + [name], column: column) }
        }
        for (name, column) in Self.tagColumns(expression) {
            try visit(name, path: defining.map { [$0] } ?? [], column: column)
        }
    }

    /// Each `tag:NAME` with the column where it is mentioned.
    static func tagColumns(_ e: AudienceExpression) -> [(String, Int)] {
        switch e {
        case .and(let a, let b), .or(let a, let b): tagColumns(a) + tagColumns(b)
        case .not(let a): tagColumns(a)
        case .condition(.tag(let name), let column): [(name, column)]
        case .condition: []
        }
    }

    /// Every tag, by name.
    public func list() throws(ActivationError) -> [TagDefinition] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT t.name, t.kind, t.expression, t.description, t.created_at, t.updated_at,
                        (SELECT COUNT(*) FROM tag_member m WHERE m.tag = t.name) AS stored
                    FROM tag t ORDER BY t.name
                    """
            ).map(Self.definition)
        }
    }

    /// The tag called `name`, or nil.
    public func tag(named name: String) throws(ActivationError) -> TagDefinition? {
        try read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT t.name, t.kind, t.expression, t.description, t.created_at, t.updated_at,
                        (SELECT COUNT(*) FROM tag_member m WHERE m.tag = t.name) AS stored
                    FROM tag t WHERE t.name = ?
                    """, arguments: [name]
            ).map(Self.definition)
        }
    }

    private static func definition(_ row: Row) -> TagDefinition {
        TagDefinition(
            name: row[0], kind: TagKind(rawValue: row[1]) ?? .rule, expression: row[2], description: row[3], createdAt: row[4],
            updatedAt: row[5], storedKeys: row[6])
    }

    /// Deletes a tag and its stored members.
    /// - Throws: ``ActivationError/inUse(name:by:)`` when another tag or an audience mentions it;
    ///   ``ActivationError/unknownTag(_:defined:)`` when there is no such tag.
    public func delete(name: String) throws(ActivationError) {
        guard try tag(named: name) != nil else { throw .unknownTag(name, defined: try list().map(\.name)) }
        var users: [String] = []
        for other in try list() where other.name != name {
            if let text = other.expression, (try? AudienceExpression.parse(text))?.referencedTags.contains(name) == true {
                users.append("tag \(other.name)")
            }
        }
        for audience in try AudienceStore(workspace: workspace).list()
        where (try? AudienceExpression.parse(audience.expression))?.referencedTags.contains(name) == true {
            users.append("audience \(audience.name)")
        }
        guard users.isEmpty else { throw .inUse(name: name, by: users) }
        try write { db in
            try db.execute(sql: "DELETE FROM tag_member WHERE tag = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM tag WHERE name = ?", arguments: [name])
        }
    }

    /// Makes `name` an imported tag whose members are the consumers holding `keys` (stored as
    /// they are in the catalogue: phones and emails already hashed with the workspace salt).
    /// Importing again replaces the members. Keys the workspace has never seen are counted, not stored.
    public func importKeys(name: String, keys: [IdentityKey], description: String = "") throws(ActivationError) -> TagImportSummary {
        try ActivationError.validate(name: name, what: "tag")
        let distinct = Array(Set(keys))
        return try write { db in
            if let kind = try String.fetchOne(db, sql: "SELECT kind FROM tag WHERE name = ?", arguments: [name]), kind != "imported" {
                throw ActivationError.kindMismatch(name: name, existing: kind, wanted: "imported")
            }
            try db.execute(
                sql: """
                    INSERT INTO tag (name, kind, expression, description, created_at, updated_at) VALUES (?, 'imported', NULL, ?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET description = excluded.description, updated_at = excluded.updated_at
                    """,
                arguments: [name, description, Self.now, Self.now])
            try db.execute(sql: "DELETE FROM tag_member WHERE tag = ?", arguments: [name])
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO tag_member (tag, key_id) VALUES (?, ?)")
            var matched = 0
            for key in distinct {
                guard let id = try IdentityKeyIndex.find(key, db)?.id else { continue }
                try insert.execute(arguments: [name, id])
                matched += 1
            }
            return TagImportSummary(keys: distinct.count, matched: matched, notInStore: distinct.count - matched)
        }
    }

    /// Adds `consumers` (dense indices of `snapshot`) to the written-back tag `name`, creating it
    /// when new: e.g. the responders to a campaign's coupon. Each consumer is stored as their
    /// smallest identity key id, so they are found again on later snapshots, merged or not.
    /// - Throws: ``ActivationError/kindMismatch(name:existing:wanted:)`` when `name` is a rule or imported tag.
    @discardableResult
    public func writeBack(name: String, consumers: ConsumerSet, in snapshot: Snapshot, description: String = "") throws(ActivationError) -> WriteBackSummary {
        try ActivationError.validate(name: name, what: "tag")
        precondition(consumers.capacity == snapshot.consumerCount, "the consumer set is not of this snapshot")
        return try write { db in
            if let kind = try String.fetchOne(db, sql: "SELECT kind FROM tag WHERE name = ?", arguments: [name]), kind != "writeback" {
                throw ActivationError.kindMismatch(name: name, existing: kind, wanted: "writeback")
            }
            try db.execute(
                sql: """
                    INSERT INTO tag (name, kind, expression, description, created_at, updated_at) VALUES (?, 'writeback', NULL, ?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at,
                        description = CASE WHEN excluded.description = '' THEN tag.description ELSE excluded.description END
                    """,
                arguments: [name, description, Self.now, Self.now])
            let (keys, withoutKey) = try StableKeys.keyIDs(of: consumers, in: snapshot, db)
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO tag_member (tag, key_id) VALUES (?, ?)")
            var added = 0
            for key in keys {
                try insert.execute(arguments: [name, key])
                added += db.changesCount
            }
            return WriteBackSummary(consumers: consumers.count, added: added, withoutKey: withoutKey)
        }
    }

    /// The consumers of tag `name` on `snapshot`: a rule tag evaluated as of `asOf` (default the
    /// snapshot's last day with data), or the consumers holding an imported or written-back tag's keys.
    public func members(of name: String, in snapshot: Snapshot, asOf: Day? = nil) throws(ActivationError) -> ConsumerSet {
        var evaluator = ExpressionEvaluator(snapshot: snapshot, asOf: asOf, tags: self)
        do {
            return try evaluator.evaluate("tag:" + Self.quotedIfNeeded(name))
        } catch {
            if try tag(named: name) == nil { throw .unknownTag(name, defined: try list().map(\.name)) }
            throw .expression(error)
        }
    }

    /// `name`, quoted when the lexer would not read it as one word.
    static func quotedIfNeeded(_ name: String) -> String {
        guard let first = name.first, first.isLetter || first == "_" else { return "'\(name)'" }
        return name
    }

    // MARK: TagResolver

    public func resolveTag(named name: String, in snapshot: Snapshot) throws -> ResolvedTag? {
        guard let tag = try tag(named: name) else { return nil }
        if tag.kind == .rule, let expression = tag.expression { return .rule(expression: expression) }
        return .members(try read { db in
            try StableKeys.consumers(keysFrom: "SELECT key_id FROM tag_member WHERE tag = ?", arguments: [name], in: snapshot, db)
        })
    }

    public func tagNames() throws -> [String] { try list().map(\.name) }

    // MARK: database

    func read<T>(_ body: (Database) throws -> T) throws(ActivationError) -> T {
        do { return try workspace.catalogue.writer.read(body) } catch let error as ActivationError { throw error } catch {
            throw .store("the tag tables cannot be read: \(error)")
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws(ActivationError) -> T {
        do { return try workspace.catalogue.writer.write(body) } catch let error as ActivationError { throw error } catch {
            throw .store("the tag tables cannot be written: \(error)")
        }
    }
}
