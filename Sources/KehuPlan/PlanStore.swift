import Foundation
import GRDB
import KehuModel
import KehuStore

/// Saved gap plans and defined campaigns, in the workspace's operational database.
public enum PlanStore {
    /// A saved plan.
    public struct SavedPlan: Sendable {
        public var name: String
        public var savedAt: Int64
        public var plan: GapPlan
    }

    /// Saves a plan under `name`; saving a name again keeps the history and the latest wins.
    public static func save(_ plan: GapPlan, name: String, in workspace: Workspace) throws -> Void {
        try validate(name: name, what: "plan")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(plan), as: UTF8.self)
        try workspace.catalogue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO plan (name, created_at, campaign_first, campaign_last, target_fen, report)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    name, Int64(Date().timeIntervalSince1970 * 1000), "\(plan.parametersUsed.campaign.first)",
                    "\(plan.parametersUsed.campaign.last)", plan.parametersUsed.targetFen, json,
                ])
        }
    }

    /// The latest plan saved under `name`.
    public static func plan(named name: String, in workspace: Workspace) throws -> SavedPlan? {
        let row = try workspace.catalogue.read { db in
            try Row.fetchOne(db, sql: "SELECT name, created_at, report FROM plan WHERE name = ? ORDER BY id DESC LIMIT 1", arguments: [name])
        }
        guard let row else { return nil }
        let plan = try JSONDecoder().decode(GapPlan.self, from: Data((row[2] as String).utf8))
        return SavedPlan(name: row[0], savedAt: row[1], plan: plan)
    }

    /// The latest plan saved under each name, by name.
    public static func plans(in workspace: Workspace) throws -> [SavedPlan] {
        let names = try workspace.catalogue.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT name FROM plan ORDER BY name")
        }
        return try names.compactMap { try plan(named: $0, in: workspace) }
    }

    /// The latest plan whose campaign window is `window`, if any.
    public static func latestPlan(for window: DayRange, in workspace: Workspace) throws -> SavedPlan? {
        let name = try workspace.catalogue.read { db in
            try String.fetchOne(
                db, sql: "SELECT name FROM plan WHERE campaign_first = ? AND campaign_last = ? ORDER BY id DESC LIMIT 1",
                arguments: ["\(window.first)", "\(window.last)"])
        }
        return try name.flatMap { try plan(named: $0, in: workspace) }
    }

    /// Stores a campaign definition (replacing one of the same name).
    public static func define(_ campaign: CampaignDefinition, in workspace: Workspace) throws {
        try validate(name: campaign.name, what: "campaign")
        try workspace.catalogue.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO campaign
                        (name, harvest_first, harvest_last, seeding_days, growing_days, nurture_days, plan_name, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    campaign.name, "\(campaign.harvest.first)", "\(campaign.harvest.last)", campaign.seedingDays,
                    campaign.growingDays, campaign.nurtureDays, campaign.planName, Int64(Date().timeIntervalSince1970 * 1000),
                ])
        }
    }

    /// Every defined campaign, by harvest start.
    public static func campaigns(in workspace: Workspace) throws -> [CampaignDefinition] {
        let rows = try workspace.catalogue.read { db in
            try Row.fetchAll(
                db, sql: """
                    SELECT name, harvest_first, harvest_last, seeding_days, growing_days, nurture_days, plan_name
                    FROM campaign ORDER BY harvest_first, name
                    """)
        }
        return try rows.map { row in
            CampaignDefinition(
                name: row[0], harvest: DayRange(try Day.parse(row[1] as String), try Day.parse(row[2] as String)),
                seedingDays: row[3], growingDays: row[4], nurtureDays: row[5], planName: row[6])
        }
    }

    public static func campaign(named name: String, in workspace: Workspace) throws -> CampaignDefinition? {
        try campaigns(in: workspace).first { $0.name == name }
    }

    static func validate(name: String, what: String) throws(PlanError) {
        let ok = !name.isEmpty && name.count <= 64 && !name.contains(where: { $0.isNewline || $0 == "\0" })
        guard ok else { throw .invalid("a \(what) name is 1-64 characters on one line (got '\(name.prefix(64))').") }
    }
}
