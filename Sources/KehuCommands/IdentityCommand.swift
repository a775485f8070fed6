import ArgumentParser
import KehuAnalytics
import KehuIngest
import KehuModel
import KehuStore

struct IdentityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Show the consumer behind an identity key: all their keys and the channels they were seen in.",
        discussion: """
            KEY is type:value, e.g. member:1001, buyer:tb_88, phone:13800000000. Phones and emails are \
            hashed with the workspace salt before the lookup, exactly as at ingest; they are never stored.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    @Argument(help: ArgumentHelp("The identity key, type:value.", valueName: "key"))
    var key: String

    func run() throws {
        let workspace = try global.openWorkspace()
        let identityKey: IdentityKey
        do {
            identityKey = try KeyHasher(salt: workspace.salt).identityKey(raw: key)
        } catch {
            throw ValidationError("\(error)")
        }
        let shown = identityKey.type.isHashedAtIngest ? "\(identityKey.type.name):(hashed)" : identityKey.description
        guard let identity = try ConsumerIdentity.lookup(identityKey, in: workspace) else {
            Terminal.error("No consumer has the key \(shown) in workspace \(workspace.name).")
            throw ExitCode(1)
        }
        let snapshot = try workspace.buildSnapshot()
        emit(ConsumerIdentityReport(query: shown, identity: identity, snapshot: snapshot), format: output.format)
    }
}
