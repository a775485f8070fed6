import ArgumentParser
import Foundation
import KehuActivation
import KehuAnalytics
import KehuModel
import KehuStore

struct AudienceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audience",
        abstract: "Audiences (人群圈选): combinations of tags and conditions; sizes, overlap, export per channel, snapshots.",
        discussion: "docs/activation.md has the expression language, e.g. 'tag:vip and stage in (I, P) and not tag:complained'.",
        subcommands: [
            AudienceDefineCommand.self, AudienceListCommand.self, AudienceSizeCommand.self, AudienceOverlapCommand.self,
            AudienceExportCommand.self, AudienceSnapshotCommand.self, AudienceSnapshotsCommand.self, AudienceDeleteCommand.self,
        ])
}

/// A defined audience's name, or an expression.
struct AudienceReference {
    var label: String
    var kind: String
    var expression: String

    static func resolve(_ text: String, _ store: AudienceStore) throws -> AudienceReference {
        if let audience = try store.list().first(where: { $0.name == text }) {
            return AudienceReference(label: audience.name, kind: "audience", expression: audience.expression)
        }
        return AudienceReference(label: text, kind: "expression", expression: text)
    }
}

struct AudienceDefineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "define", abstract: "Define (or redefine) an audience by an expression.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The audience's name.") var name: String
    @Argument(help: "The expression, e.g. 'tag:vip and stage in (I, P) and not tag:complained'.") var expression: String
    @Option(help: "What the audience is for, for people.") var description: String = ""

    func run() throws {
        let workspace = try global.openWorkspace()
        try activation("audience define") { try AudienceStore(workspace: workspace).define(name: name, expression: expression, description: description) }
        Terminal.error("defined audience '\(name)'; kehu audience size \(name) counts it")
    }
}

struct AudienceListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the audiences with their sizes on the current snapshot.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var asOf: AsOfOption

    func run() throws {
        let workspace = try global.openWorkspace()
        let day = try asOf.day()
        let snapshot = try currentSnapshot(workspace)
        emit(try activation("audience list") { try AudienceListReport.compute(AudienceStore(workspace: workspace), snapshot, asOf: day) }, format: output.format)
    }
}

struct AudienceSizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "size", abstract: "The size of an audience or expression now, by AIPL stage and by channel.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var asOf: AsOfOption
    @Argument(help: "A defined audience's name, or an expression.") var audience: String

    func run() throws {
        let workspace = try global.openWorkspace()
        let store = AudienceStore(workspace: workspace)
        let day = try asOf.day()
        let report = try activation("audience size") { () throws -> ConsumerSetReport in
            let reference = try AudienceReference.resolve(audience, store)
            let snapshot = try currentSnapshot(workspace)
            var evaluator = ExpressionEvaluator(snapshot: snapshot, asOf: day, tags: TagStore(workspace: workspace))
            let started = ContinuousClock.now
            let set = try evaluator.evaluate(reference.expression)
            return ConsumerSetReport.compute(
                subject: "audience", name: reference.label, kind: reference.kind, expression: reference.kind == "audience" ? reference.expression : nil,
                description: "", set: set, evaluationMilliseconds: milliseconds(ContinuousClock.now - started), snapshot, asOf: evaluator.asOf)
        }
        emit(report, format: output.format)
    }
}

struct AudienceOverlapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overlap", abstract: "Two audiences' sizes, intersection and Jaccard index.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var asOf: AsOfOption
    @Argument(help: "Audience A: a name or an expression.") var first: String
    @Argument(help: "Audience B: a name or an expression.") var second: String

    func run() throws {
        let workspace = try global.openWorkspace()
        let store = AudienceStore(workspace: workspace)
        let day = try asOf.day()
        let report = try activation("audience overlap") { () throws -> AudienceOverlapReport in
            let a = try AudienceReference.resolve(first, store)
            let b = try AudienceReference.resolve(second, store)
            let snapshot = try currentSnapshot(workspace)
            var evaluator = ExpressionEvaluator(snapshot: snapshot, asOf: day, tags: TagStore(workspace: workspace))
            return AudienceOverlapReport(
                workspace: snapshot.workspace, asOf: evaluator.asOf, first: a.label, second: b.label,
                a: try evaluator.evaluate(a.expression), b: try evaluator.evaluate(b.expression))
        }
        emit(report, format: output.format)
    }
}

struct AudienceExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the identity keys a channel can use for an audience's consumers (one per consumer).",
        discussion: """
            Key per channel: tmall, jd, douyin -> buyer; wechat_mp -> openid; sms -> phone (salted SHA-256); \
            email -> email (salted SHA-256); crm -> member. Consumers without such a key are counted and \
            reported, not exported. docs/activation.md says how one key is chosen.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var asOf: AsOfOption
    @Argument(help: "A defined audience's name.") var audience: String
    @Option(help: "tmall, jd, douyin, wechat_mp, sms, email or crm.") var channel: String
    @Option(help: "The CSV file to write (consumer_id,key_type,key).") var out: String

    func run() throws {
        guard let channel = ExportChannel(rawValue: channel) else {
            throw ValidationError("--channel must be one of \(ExportChannel.allNames) (got '\(self.channel.prefix(20))').")
        }
        let workspace = try global.openWorkspace()
        let store = AudienceStore(workspace: workspace)
        let day = try asOf.day()
        let report = try activation("audience export") { () throws -> AudienceExportReport in
            let definition = try store.audience(named: audience)
            let snapshot = try currentSnapshot(workspace)
            let evaluationDay = day ?? snapshot.dataDays?.last ?? Day(index: 0)
            let set = try definition.evaluate(in: snapshot, asOf: evaluationDay, tags: TagStore(workspace: workspace))
            let export = try AudienceExport.compute(set, in: snapshot, workspace: workspace, channel: channel)
            do {
                try export.csv().write(toFile: out, atomically: true, encoding: .utf8)
            } catch {
                throw ActivationError.unreadableFile(out, reason: "cannot write it (\(error.localizedDescription))")
            }
            return AudienceExportReport(workspace: snapshot.workspace, audience: audience, asOf: evaluationDay, file: out, export: export)
        }
        emit(report, format: output.format)
    }
}

struct AudienceSnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot", abstract: "Store an audience's members now, to measure a campaign against them later.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var asOf: AsOfOption
    @Argument(help: "A defined audience's name.") var audience: String

    func run() throws {
        let workspace = try global.openWorkspace()
        let day = try asOf.day()
        let taken = try activation("audience snapshot") { () throws -> AudienceSnapshot in
            let snapshot = try currentSnapshot(workspace)
            return try AudienceStore(workspace: workspace).takeSnapshot(of: audience, in: snapshot, asOf: day)
        }
        emit(AudienceSnapshotsReport(workspace: workspace.name, snapshots: [taken]), format: output.format)
    }
}

struct AudienceSnapshotsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "snapshots", abstract: "List the stored audience snapshots, newest first.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @Argument(help: "Only this audience's snapshots.") var audience: String?

    func run() throws {
        let workspace = try global.openWorkspace()
        let list = try activation("audience snapshots") { try AudienceStore(workspace: workspace).snapshots(of: audience) }
        emit(AudienceSnapshotsReport(workspace: workspace.name, snapshots: list), format: output.format)
    }
}

struct AudienceDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete an audience (its snapshots are kept).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The audience's name.") var audience: String

    func run() throws {
        let workspace = try global.openWorkspace()
        try activation("audience delete") { try AudienceStore(workspace: workspace).delete(name: audience) }
        Terminal.error("deleted audience '\(audience)'")
    }
}
