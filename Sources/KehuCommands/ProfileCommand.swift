import ArgumentParser
import KehuAnalytics
import KehuIngest
import KehuModel
import KehuStore

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "One consumer's profile (画像): keys, activity, AIPL stage history, RFM, CLV and preferences.",
        discussion: """
            CONSUMER is an identity key type:value (member:1001, buyer:tb_88, phone:13800000000; phones \
            and emails are hashed with the workspace salt before the lookup, as at ingest) or a consumer \
            id such as #123. RFM and CLV are computed against the whole base; docs/definitions.md \
            defines every figure.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    @Argument(help: ArgumentHelp("An identity key type:value, or a consumer id #123.", valueName: "consumer"))
    var consumer: String

    @Option(name: .customLong("as-of"), help: ArgumentHelp("The day (default: the last day with data).", valueName: "YYYY-MM-DD"))
    var asOf: String?

    @Flag(
        inversion: .prefixedNo,
        help: "Show the CLV line; --no-clv skips it (the day's first card then does not fit the models on the whole base).")
    var clv = true

    func run() throws {
        let workspace = try global.openWorkspace()
        var arguments = AnalysisArguments()
        arguments.set("consumer", consumer)
        arguments.set("as-of", asOf)
        arguments.set("clv", clv ? "true" : "false")
        try runAnalysis(.profile(directory: WorkspaceConsumerDirectory(workspace: workspace)), arguments, global: global, format: output.format)
    }
}

/// Identity keys looked up in a workspace's catalogue, phones and emails hashed with its salt.
struct WorkspaceConsumerDirectory: ConsumerDirectory {
    let workspace: Workspace

    func identity(forKey text: String) throws(AnalysisError) -> ConsumerIdentity? {
        let key: IdentityKey
        do {
            key = try KeyHasher(salt: workspace.salt).identityKey(raw: text)
        } catch {
            // The error never repeats the value; the shown text hides phone and email values.
            let type = text.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            let shown: String
            switch IdentityKeyType(name: type)?.isHashedAtIngest {
            case true?: shown = "\(type):(hashed)"
            case false?: shown = text
            case nil: shown = "(not a key)"
            }
            throw .invalidParameter(parameter: "consumer", value: shown, reason: "\(error)")
        }
        do { return try ConsumerIdentity.lookup(key, in: workspace) } catch {
            throw .insufficientData("the identity catalogue could not be read: \(error)")
        }
    }

    func identity(ofConsumer id: UInt32) throws(AnalysisError) -> ConsumerIdentity? {
        do { return try ConsumerIdentity.lookup(consumerID: id, in: workspace) } catch {
            throw .insufficientData("the identity catalogue could not be read: \(error)")
        }
    }
}
