import ArgumentParser
import Foundation
import KehuActivation
import KehuAnalytics
import KehuIngest
import KehuModel
import KehuStore

struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Tags (标签): rule tags computed on each snapshot, imported tags, tags written back after campaigns.",
        discussion: "docs/activation.md has the expression language, e.g. kehu tag define vip 'stage = L and sum(pay, 365d) > 2000'.",
        subcommands: [TagDefineCommand.self, TagListCommand.self, TagShowCommand.self, TagImportCommand.self, TagDeleteCommand.self])
}

/// `--as-of D` for tag and audience commands.
struct AsOfOption: ParsableArguments {
    @Option(name: .customLong("as-of"), help: ArgumentHelp("The evaluation day: windows end here (default: the last day with data).", valueName: "YYYY-MM-DD"))
    var asOf: String?

    func day() throws -> Day? {
        guard let asOf else { return nil }
        do { return try Day.parse(asOf) } catch { throw ValidationError("--as-of: \(error)") }
    }
}

/// Runs `body`, printing activation errors as `kehu <command>: message` and exiting 1.
func activation<T>(_ command: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ActivationError {
        Terminal.error("kehu \(command): \(error)")
        throw ExitCode(1)
    } catch let error as ExpressionError {
        Terminal.error("kehu \(command): \(error)")
        throw ExitCode(1)
    }
}

/// The workspace's current snapshot, with progress on stderr.
func currentSnapshot(_ workspace: Workspace) throws -> Snapshot {
    let progress = ProgressLine("snapshot")
    defer { progress.finish() }
    return try workspace.buildSnapshot { progress.update($0) }
}

struct TagDefineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "define", abstract: "Define (or redefine) a rule tag by an expression.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The tag's name (letters of any script, digits, _ - .), e.g. vip or 高价值.") var name: String
    @Argument(help: "The rule, e.g. 'stage in (P, L) and count(cart, 30d) >= 2'.") var expression: String
    @Option(help: "What the tag means, for people.") var description: String = ""

    func run() throws {
        let workspace = try global.openWorkspace()
        try activation("tag define") { try TagStore(workspace: workspace).define(name: name, expression: expression, description: description) }
        Terminal.error("defined tag '\(name)'; kehu tag show \(name) counts it")
    }
}

struct TagListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the tags with their sizes on the current snapshot.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var asOf: AsOfOption

    func run() throws {
        let workspace = try global.openWorkspace()
        let day = try asOf.day()
        let snapshot = try currentSnapshot(workspace)
        let report = try activation("tag list") { try TagListReport.compute(TagStore(workspace: workspace), snapshot, asOf: day) }
        emit(report, format: output.format)
    }
}

struct TagShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "A tag's size and share, by AIPL stage and by channel.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var asOf: AsOfOption
    @Argument(help: "The tag's name.") var name: String

    func run() throws {
        let workspace = try global.openWorkspace()
        let store = TagStore(workspace: workspace)
        let day = try asOf.day()
        let report = try activation("tag show") { () throws -> ConsumerSetReport in
            guard let tag = try store.tag(named: name) else { throw ActivationError.unknownTag(name, defined: try store.list().map(\.name)) }
            let snapshot = try currentSnapshot(workspace)
            let evaluationDay = day ?? snapshot.dataDays?.last ?? Day(index: 0)
            let started = ContinuousClock.now
            let set = try store.members(of: name, in: snapshot, asOf: evaluationDay)
            return ConsumerSetReport.compute(
                subject: "tag", name: name, kind: tag.kind.rawValue, expression: tag.expression, description: tag.description, set: set,
                evaluationMilliseconds: milliseconds(ContinuousClock.now - started), snapshot, asOf: evaluationDay)
        }
        emit(report, format: output.format)
    }
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

struct TagImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Make a tag of the consumers holding the identity keys in a file.",
        discussion: """
            The file has one key per line as type:value (member:M1001, buyer:tm_abc, phone:13800138000), \
            or is a CSV whose --column holds them; with --key-type the values are raw values of that type. \
            Phones and emails are hashed with the workspace salt before they are looked up, as at ingest. \
            Importing again replaces the members. Bad lines are reported as file:line with the reason and \
            skipped; keys the workspace has never seen are counted.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The tag's name.") var name: String
    @Argument(help: "The file of identity keys.") var file: String
    @Option(help: "Read this column of a CSV file with a header.") var column: String?
    @Option(name: .customLong("key-type"), help: "The values are raw keys of this type (member, phone, email, unionid, openid, buyer, device, anon).")
    var keyType: String?
    @Option(help: "What the tag means, for people.") var description: String = ""

    func run() throws {
        var type: IdentityKeyType?
        if let keyType {
            guard let parsed = IdentityKeyType(name: keyType) else {
                throw ValidationError("--key-type must be one of \(IdentityKeyType.allNames) (got '\(keyType.prefix(20))').")
            }
            type = parsed
        }
        let workspace = try global.openWorkspace()
        let hasher = KeyHasher(salt: workspace.salt)
        let keys = try activation("tag import") {
            try KeyFile.read(path: file, column: column, keyType: type) { type, value in try hasher.identityKey(type: type, value: value) }
        }
        for bad in keys.badLines.prefix(20) { Terminal.error("\(file):\(bad.line): \(bad.reason)") }
        if keys.badLines.count > 20 { Terminal.error("... and \(keys.badLines.count - 20) more bad lines") }
        let summary = try activation("tag import") {
            try TagStore(workspace: workspace).importKeys(name: name, keys: keys.keys, description: description)
        }
        print(
            "imported tag '\(name)': \(Figures.grouped(keys.lines)) lines, \(Figures.grouped(keys.badLines.count)) bad, "
                + "\(Figures.grouped(summary.keys)) distinct keys, \(Figures.grouped(summary.matched)) found, "
                + "\(Figures.grouped(summary.notInStore)) not in the workspace")
    }
}

struct TagDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a tag (refused while another tag or an audience uses it).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The tag's name.") var name: String

    func run() throws {
        let workspace = try global.openWorkspace()
        try activation("tag delete") { try TagStore(workspace: workspace).delete(name: name) }
        Terminal.error("deleted tag '\(name)'")
    }
}
